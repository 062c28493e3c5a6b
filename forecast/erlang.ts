/**
 * Erlang C for an M/M/c queue of chat slots (docs/forecast.md "Staffing"): c servers, offered
 * traffic A = λ·h erlangs. Computed through the Erlang B recursion
 *   B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)),
 * which stays within [0, 1] at every step, so c in the thousands neither overflows (A^c/c!) nor
 * loses the sum to rounding; then C(c, A) = c·B / (c − A·(1 − B)) for c > A.
 */

/** Erlang B (blocking probability) of `c` servers offered `a` erlangs. */
export function erlangB(c: number, a: number): number {
  if (!Number.isInteger(c) || c < 0) throw new RangeError('servers must be a whole number ≥ 0')
  if (!(a >= 0)) throw new RangeError('traffic must be ≥ 0')
  let b = 1
  for (let n = 1; n <= c; n++) b = (a * b) / (n + a * b)
  return b
}

/** One step of the recursion: B(n) from B(n − 1). */
export const erlangBStep = (n: number, a: number, previous: number): number => (a * previous) / (n + a * previous)

/** C(c, A) from B(c, A): the probability that an arrival waits; 1 when c ≤ A (the queue grows without bound). */
export function erlangCFromB(c: number, a: number, b: number): number {
  if (c <= a) return 1
  return (c * b) / (c - a * (1 - b))
}

/** Erlang C: the probability that an arrival finds all `c` servers busy and waits. */
export function erlangC(c: number, a: number): number {
  if (a === 0) return 0
  return erlangCFromB(c, a, erlangB(c, a))
}

export interface QueueFigures {
  /** P(wait) = C(c, A). */
  p_wait: number
  /** SL = 1 − P(wait)·e^(−(c − A)·T/h): the share answered within T seconds. */
  service_level: number
  /** A / c. */
  occupancy: number
  /** P(wait)·h / (c − A), seconds. */
  asa_seconds: number
}

/**
 * The figures of `c` slots offered `a` erlangs whose holding time is `h` seconds, for a target
 * answer time `t` seconds, given P(wait) already computed. With c ≤ A nothing is stable: service
 * level 0, occupancy 1 and an infinite ASA.
 */
export function queueFigures(c: number, a: number, h: number, t: number, pWait: number): QueueFigures {
  if (a === 0) return { p_wait: 0, service_level: 1, occupancy: 0, asa_seconds: 0 }
  if (c <= a) return { p_wait: 1, service_level: 0, occupancy: 1, asa_seconds: Number.POSITIVE_INFINITY }
  return {
    p_wait: pWait,
    service_level: 1 - pWait * Math.exp((-(c - a) * t) / h),
    occupancy: a / c,
    asa_seconds: (pWait * h) / (c - a),
  }
}

/** The figures of `c` slots: Erlang C, service level within `t` seconds, occupancy, ASA. */
export function evaluateQueue(c: number, a: number, h: number, t: number): QueueFigures {
  return queueFigures(c, a, h, t, a === 0 ? 0 : erlangC(c, a))
}
