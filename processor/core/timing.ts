import { DDSketch } from '@datadog/sketches-js'
import type { Timing } from '../../schemas/summary.js'

/** Relative accuracy of every percentile (KPIS.md "Aggregation rules": mergeable sketches). */
export const SKETCH_ACCURACY = 0.01

/**
 * KPIS.md "Aggregation rules": p_q of n samples is the nearest-rank value, the ⌈q·n⌉-th smallest.
 * Returns its 0-based index in the sorted samples (so p99 of 100 or fewer samples is the last).
 * The small epsilon keeps q·n that floating point lands just above a whole number (0.07·100 =
 * 7.000000000000001) on that number, as the exact product would.
 */
export function nearestRankIndex(q: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.ceil(q * n - 1e-9) - 1))
}

/** One timing KPI: exact count and mean, percentiles from a DDSketch. */
export class TimingStat {
  private sketch = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY })
  count = 0
  sum = 0

  add(seconds: number): void {
    this.sketch.accept(seconds)
    this.count++
    this.sum += seconds
  }

  merge(other: TimingStat): void {
    if (other.count === 0) return
    this.sketch.merge(other.sketch)
    this.count += other.count
    this.sum += other.sum
  }

  /** Plain data for a snapshot: the sketch's stores and summary (no protobuf dependency). */
  toState() {
    const { store, negativeStore, zeroCount, count, min, max, sum } = this.sketch as unknown as Record<string, unknown>
    return { count: this.count, sum: this.sum, sketch: { store: { ...(store as object) }, negativeStore: { ...(negativeStore as object) }, zeroCount, count, min, max, sum } }
  }

  static fromState(state: ReturnType<TimingStat['toState']>): TimingStat {
    const t = new TimingStat()
    t.count = state.count
    t.sum = state.sum
    const sketch = t.sketch as unknown as Record<string, unknown>
    const { store, negativeStore, ...rest } = state.sketch
    Object.assign(sketch.store as object, store)
    Object.assign(sketch.negativeStore as object, negativeStore)
    Object.assign(sketch, rest)
    return t
  }

  /**
   * Nearest rank (see nearestRankIndex). DDSketch's getValueAtQuantile(q') takes the sample at
   * 0-based rank ⌊q'·(n−1)⌋, so we ask for the middle of the wanted rank's interval: the half
   * keeps float error in q'·(n−1) from falling to the rank below.
   */
  quantile(q: number): number | null {
    if (this.count === 0) return null
    if (this.count === 1) return this.sketch.getValueAtQuantile(0)
    const k = nearestRankIndex(q, this.count)
    return this.sketch.getValueAtQuantile(Math.min(1, (k + 0.5) / (this.count - 1)))
  }

  toJSON(): Timing {
    if (this.count === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null }
    return { count: this.count, mean: this.sum / this.count, p50: this.quantile(0.5), p90: this.quantile(0.9), p99: this.quantile(0.99) }
  }
}

const MINUTE = 60_000

/**
 * A timing over rolling windows (last 5 min, 1 h, 24 h): one sketch per minute of event time,
 * merged on demand. Minutes older than the longest window are dropped by prune(), which the
 * engine calls when its clock advances: reading a window never changes what is kept, so a reader
 * at wall time cannot change a later reading (issue 15, "readers cannot change state").
 */
export class RollingTiming {
  private minutes = new Map<number, TimingStat>()
  constructor(private readonly keepMs = 24 * 3_600_000) {}

  toState() {
    return [...this.minutes].map(([m, stat]) => [m, stat.toState()] as const)
  }

  static fromState(state: ReturnType<RollingTiming['toState']>): RollingTiming {
    const r = new RollingTiming()
    for (const [m, stat] of state) r.minutes.set(m, TimingStat.fromState(stat))
    return r
  }

  add(atMs: number, seconds: number): void {
    const m = Math.floor(atMs / MINUTE)
    let stat = this.minutes.get(m)
    if (!stat) {
      stat = new TimingStat()
      this.minutes.set(m, stat)
    }
    stat.add(seconds)
  }

  /** Drops the minutes older than `keepMs` before `nowMs` (the engine's clock). */
  prune(nowMs: number): void {
    const oldest = Math.floor((nowMs - this.keepMs) / MINUTE)
    for (const m of this.minutes.keys()) if (m < oldest) this.minutes.delete(m)
  }

  /** The samples of the `windowMs` ending at `nowMs` (whole minutes, none after `nowMs`). Pure. */
  window(nowMs: number, windowMs: number): TimingStat {
    const out = new TimingStat()
    const from = Math.floor((nowMs - windowMs) / MINUTE)
    const to = Math.floor(nowMs / MINUTE)
    for (const [m, stat] of this.minutes) if (m > from && m <= to) out.merge(stat)
    return out
  }
}

/** Per-minute counts of event time (volumes, service level) for the same rolling windows. */
export class RollingCounts<K extends string> {
  private minutes = new Map<number, Record<K, number>>()
  // The last minute's row: events mostly come in time order.
  private lastMinute = NaN
  private lastRow: Record<K, number> | null = null
  constructor(private readonly names: readonly K[], private readonly keepMs = 24 * 3_600_000) {}

  toState() {
    return [...this.minutes]
  }

  restore(state: Array<[number, Record<K, number>]>): void {
    // A checkpoint from before a count was added lacks it: 0, not undefined (NaN once added to).
    this.minutes = new Map(state.map(([m, row]) => [m, { ...(Object.fromEntries(this.names.map((n) => [n, 0])) as Record<K, number>), ...row }]))
    this.lastMinute = NaN
    this.lastRow = null
  }

  add(atMs: number, name: K, by = 1): void {
    const m = Math.floor(atMs / MINUTE)
    if (m === this.lastMinute) {
      this.lastRow![name] += by
      return
    }
    let row = this.minutes.get(m)
    if (!row) {
      row = Object.fromEntries(this.names.map((n) => [n, 0])) as Record<K, number>
      this.minutes.set(m, row)
      if (this.minutes.size > this.keepMs / MINUTE + 60) {
        const oldest = m - this.keepMs / MINUTE
        for (const k of this.minutes.keys()) if (k < oldest) this.minutes.delete(k)
      }
    }
    this.lastMinute = m
    this.lastRow = row
    row[name] += by
  }

  window(nowMs: number, windowMs: number): Record<K, number> {
    const out = Object.fromEntries(this.names.map((n) => [n, 0])) as Record<K, number>
    const from = Math.floor((nowMs - windowMs) / MINUTE)
    const to = Math.floor(nowMs / MINUTE)
    for (const [m, row] of this.minutes) if (m > from && m <= to) for (const n of this.names) out[n] += row[n]
    return out
  }
}

/**
 * RollingCounts per line: rolling windows sum every line; "today" starts at each line's own
 * local midnight (KPIS.md "Volume and mix": a line's hours are in its time zone), so a line in
 * Rome and one in São Paulo each count their own day.
 */
export class LineRollingCounts<K extends string> {
  private lines = new Map<string, RollingCounts<K>>()
  private lastLine: string | null = null
  private lastCounts: RollingCounts<K> | null = null
  /**
   * 26 h kept, not 24: a local day is 25 h long when clocks go back, and RollingCounts drops the
   * minutes beyond `keepMs` once it holds an hour more, so "today" must not need older minutes.
   */
  constructor(private readonly names: readonly K[], private readonly keepMs = 26 * 3_600_000) {}

  private of(line: string): RollingCounts<K> {
    if (line === this.lastLine) return this.lastCounts!
    let counts = this.lines.get(line)
    if (!counts) {
      counts = new RollingCounts(this.names, this.keepMs)
      this.lines.set(line, counts)
    }
    this.lastLine = line
    this.lastCounts = counts
    return counts
  }

  toState(): Array<[string, Array<[number, Record<K, number>]>]> {
    return [...this.lines].map(([line, counts]) => [line, counts.toState()])
  }

  /** Also takes the state of one RollingCounts (checkpoints from before lines were kept): line ''. */
  restore(state: Array<[string, Array<[number, Record<K, number>]>]> | Array<[number, Record<K, number>]>): void {
    this.lines.clear()
    this.lastLine = null
    this.lastCounts = null
    const legacy = state.length > 0 && typeof state[0]![0] === 'number'
    const perLine = legacy ? [['', state as Array<[number, Record<K, number>]>] as const] : (state as Array<[string, Array<[number, Record<K, number>]>]>)
    for (const [line, rows] of perLine) this.of(line).restore(rows)
  }

  add(line: string, atMs: number, name: K, by = 1): void {
    this.of(line).add(atMs, name, by)
  }

  /** Every line's counts of the `windowMs` ending at `nowMs`. Pure. */
  window(nowMs: number, windowMs: number): Record<K, number> {
    const out = Object.fromEntries(this.names.map((n) => [n, 0])) as Record<K, number>
    for (const counts of this.lines.values()) {
      const row = counts.window(nowMs, windowMs)
      for (const n of this.names) out[n] += row[n]
    }
    return out
  }

  /**
   * Counts from each line's `startOf(line)` (whole minutes) to `nowMs`: the wallboard's "today"
   * with startOf = the line's local midnight. Returns the earliest start too. Pure.
   */
  since(nowMs: number, startOf: (line: string) => number): { since: number; counts: Record<K, number> } {
    const out = Object.fromEntries(this.names.map((n) => [n, 0])) as Record<K, number>
    let earliest = Infinity
    for (const [line, counts] of this.lines) {
      const start = startOf(line)
      if (start < earliest) earliest = start
      // The window (nowMs − w, nowMs] in whole minutes starts at start's minute with w = now − start + 1 min.
      const row = counts.window(nowMs, nowMs - start + MINUTE)
      for (const n of this.names) out[n] += row[n]
    }
    return { since: earliest, counts: out }
  }
}
