/**
 * Erlang C and staffing (forecast/erlang.ts, forecast/staffing.ts) against published worked
 * examples, exact hand-worked values, an independent log-space sum, and a discrete-event
 * simulation of the same M/M/c queue.
 */
import t from 'tap'
import { erlangB, erlangC, evaluateQueue } from '../../forecast/erlang.js'
import { requiredAgents, type StaffingInput } from '../../forecast/staffing.js'

const base: StaffingInput = { arrivalsPerSecond: 0, handleSeconds: 180, concurrency: 1, targetSeconds: 20, serviceLevel: 0.8, maxOccupancy: 0.85, shrinkage: 0.3 }

t.test('published example 1: Call Centre Helper "Erlang C formula made simple", as printed in the CRAN ErlangC 0.1.0 README', async (t) => {
  // https://stat.ethz.ch/CRAN/web/packages/ErlangC/readme/README.html — 100 calls in 30 minutes,
  // AHT 180 s, target 20 s: traffic 10 erlangs; with 14 agents P(wait) 0.1741319, service level
  // 0.88835, ASA 7.83593701177724 s, occupancy 0.7142857; with 11 agents P(wait) 0.6821182 and
  // service level 0.3896138; 80 % in 20 s with occupancy ≤ 0.85 needs 14 agents, 20 with 30 % shrinkage.
  const lambda = 100 / 1800
  const at14 = evaluateQueue(14, lambda * 180, 180, 20)
  t.equal(lambda * 180, 10)
  t.ok(Math.abs(at14.p_wait - 0.1741319) < 5e-8, `P(wait) ${at14.p_wait}`)
  t.ok(Math.abs(at14.service_level - 0.88835) < 5e-6, `SL ${at14.service_level}`)
  t.ok(Math.abs(at14.asa_seconds - 7.83593701177724) < 1e-9, `ASA ${at14.asa_seconds}`)
  t.ok(Math.abs(at14.occupancy - 0.7142857) < 5e-8)
  const at11 = evaluateQueue(11, 10, 180, 20)
  t.ok(Math.abs(at11.p_wait - 0.6821182) < 5e-8, `P(wait) at 11: ${at11.p_wait}`)
  t.ok(Math.abs(at11.service_level - 0.3896138) < 5e-8, `SL at 11: ${at11.service_level}`)
  const need = requiredAgents({ ...base, arrivalsPerSecond: lambda })
  t.equal(need.agents, 14)
  t.equal(need.scheduled_agents, 20, '⌈14 / 0.7⌉')
  t.ok(Math.abs(need.service_level - 0.88835) < 5e-6)
})

t.test('published example 2: Wolfram Language ErlangC reference, "Applications"', async (t) => {
  // https://reference.wolfram.com/language/ref/ErlangC.html — (a) 30 calls an hour served in 5
  // minutes on average (2.5 erlangs): the fewest employees so that 90 % of calls are not delayed.
  // Worked by hand with the B recursion: C(5, 2.5) = 0.13037 > 0.1, C(6, 2.5) = 0.047444 ≤ 0.1 → 6.
  t.ok(Math.abs(erlangC(5, 2.5) - 0.13037) < 5e-5, `C(5, 2.5) = ${erlangC(5, 2.5)}`)
  t.ok(Math.abs(erlangC(6, 2.5) - 0.047444) < 5e-6, `C(6, 2.5) = ${erlangC(6, 2.5)}`)
  // "not delayed" is the service level at T = 0: SL = 1 − P(wait).
  const need = requiredAgents({ arrivalsPerSecond: 30 / 3600, handleSeconds: 300, concurrency: 1, targetSeconds: 0, serviceLevel: 0.9, maxOccupancy: 1, shrinkage: 0 })
  t.equal(need.agents, 6)
  // (b) two 1 Mbps lines, 150 packets/s of 10 kbit on average: A = 150 / 100 = 1.5 on c = 2.
  // By hand: (1.5²/2!)·2/(2 − 1.5) = 4.5 over 1 + 1.5 + 4.5 = 7: P(wait) = 9/14.
  t.ok(Math.abs(erlangC(2, 1.5) - 9 / 14) < 1e-12, `C(2, 1.5) = ${erlangC(2, 1.5)}`)
})

t.test('exact small cases worked by hand', async (t) => {
  t.ok(Math.abs(erlangB(1, 1) - 0.5) < 1e-15)
  t.ok(Math.abs(erlangC(2, 1) - 1 / 3) < 1e-15, 'C(2, 1): (1/2·2) / (1 + 1 + 1) = 1/3')
  t.ok(Math.abs(erlangC(1, 0.5) - 0.5) < 1e-15, 'M/M/1: P(wait) = ρ')
  t.equal(erlangC(3, 3), 1, 'c = A: everyone waits')
  t.equal(erlangC(3, 0), 0)
  const none = requiredAgents({ ...base, arrivalsPerSecond: 0 })
  t.match(none, { agents: 0, scheduled_agents: 0, p_wait: 0, service_level: 1, occupancy: 0 })
})

/** log(Σ_{n<c} A^n/n! + A^c/c! · c/(c−A)) in log space (log-sum-exp): no recursion shared with the code. */
function erlangCLogSpace(c: number, a: number): number {
  const logs: number[] = []
  let term = 0
  for (let n = 0; n < c; n++) {
    logs.push(term)
    term += Math.log(a) - Math.log(n + 1)
  }
  const top = term + Math.log(c / (c - a))
  const m = Math.max(top, ...logs)
  const sum = logs.reduce((s, l) => s + Math.exp(l - m), 0) + Math.exp(top - m)
  return Math.exp(top - m) / sum
}

t.test('thousands of slots, traffic near the slots, concurrency above 1', async (t) => {
  for (const [c, a] of [[2000, 1950], [5000, 4990], [3000, 2999.9], [1200, 1000]] as const) {
    const got = erlangC(c, a)
    const want = erlangCLogSpace(c, a)
    t.ok(Number.isFinite(got) && got > 0 && got < 1, `C(${c}, ${a}) = ${got} is a probability`)
    t.ok(Math.abs(got - want) < 1e-9, `C(${c}, ${a}): recursion ${got}, log-space sum ${want}`)
  }
  const near = evaluateQueue(100, 99.999, 300, 20)
  t.ok(near.p_wait > 0.99 && near.p_wait < 1, `A near c: P(wait) ${near.p_wait}`)
  t.ok(near.asa_seconds > 1e5 && Number.isFinite(near.asa_seconds), `A near c: ASA ${near.asa_seconds} s`)
  // 2,000 erlangs: the answer is above A (stability) and below A + 3√A + 1 (square-root staffing bound for 80/20 here).
  const big = requiredAgents({ ...base, arrivalsPerSecond: 2000 / 180, maxOccupancy: 1, shrinkage: 0 })
  t.ok(big.agents > 2000 && big.agents < 2000 + 3 * Math.sqrt(2000) + 1, `2,000 erlangs need ${big.agents} agents`)
  t.ok(big.service_level >= 0.8)
  t.ok(evaluateQueue(big.agents - 1, 2000, 180, 20).service_level < 0.8, 'one fewer misses the target')
  // k > 1: the conditions only improve with slots, so N agents of k slots is ⌈(fewest slots at k = 1) / k⌉.
  // A = 10 needs 14 slots (example 1): with k = 3, 5 agents (15 slots); with k = 2, 7 agents.
  const k3 = requiredAgents({ ...base, arrivalsPerSecond: 100 / 1800, concurrency: 3 })
  t.equal(k3.agents, 5)
  t.equal(k3.scheduled_agents, 8, '⌈5 / 0.7⌉ = ⌈7.14⌉')
  t.ok(Math.abs(k3.occupancy - 10 / 15) < 1e-12)
  t.same(k3.p_wait, evaluateQueue(15, 10, 180, 20).p_wait)
  t.equal(requiredAgents({ ...base, arrivalsPerSecond: 100 / 1800, concurrency: 2 }).agents, 7)
  // The occupancy cap binds when the service level does not: 100 erlangs at 80/20 need fewer than 118 slots,
  // but occupancy ≤ 0.85 needs c ≥ 100 / 0.85 = 117.6 → 118.
  const capped = requiredAgents({ ...base, arrivalsPerSecond: 100 / 180, targetSeconds: 600, serviceLevel: 0.5 })
  t.equal(capped.agents, 118)
  t.ok(capped.occupancy <= 0.85 && 100 / 117 > 0.85)
})

/** A seeded uniform generator (mulberry32), so the simulation is the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The M/M/c queue served first come, first served: each arrival takes the slot that frees first.
 * Returns per batch the share answered within `target` and the share that waited at all.
 */
function simulateQueue(o: { slots: number; lambda: number; h: number; target: number; arrivals: number; batches: number; seed: number }) {
  const random = rng(o.seed)
  const exp = (mean: number) => -mean * Math.log(1 - random())
  const free = new Float64Array(o.slots)
  const warmup = Math.floor(o.arrivals / 10)
  const per = Math.floor((o.arrivals - warmup) / o.batches)
  const within: number[] = []
  const waited: number[] = []
  let clock = 0
  let inBatch = 0
  let okCount = 0
  let waitCount = 0
  for (let i = 0; i < o.arrivals; i++) {
    clock += exp(1 / o.lambda)
    let best = 0
    for (let s = 1; s < o.slots; s++) if (free[s]! < free[best]!) best = s
    const start = Math.max(clock, free[best]!)
    free[best] = start + exp(o.h)
    if (i < warmup) continue
    const wait = start - clock
    if (wait <= o.target) okCount++
    if (wait > 0) waitCount++
    if (++inBatch === per) {
      within.push(okCount / per)
      waited.push(waitCount / per)
      inBatch = okCount = waitCount = 0
      if (within.length === o.batches) break
    }
  }
  return { within, waited }
}

/** Mean and the half-width of its 99 % confidence interval by batch means (t with 19 degrees of freedom: 2.861). */
function interval(xs: number[]) {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1))
  return { mean, half: (2.861 * sd) / Math.sqrt(xs.length) }
}

t.test('a discrete-event simulation of the same queue agrees within its confidence interval', async (t) => {
  // 5 agents running 2 chats each (10 slots), 8 erlangs: λ = 8/300 per second, h = 300 s, T = 30 s.
  for (const [slots, a, h, target, seed] of [[10, 8, 300, 30, 7], [4, 2.5, 120, 10, 11], [30, 27, 600, 60, 3]] as const) {
    const lambda = a / h
    const figures = evaluateQueue(slots, a, h, target)
    const sim = simulateQueue({ slots, lambda, h, target, arrivals: 400_000, batches: 20, seed })
    const sl = interval(sim.within)
    const pw = interval(sim.waited)
    t.comment(`c=${slots} A=${a}: SL Erlang ${figures.service_level.toFixed(4)}, simulated ${sl.mean.toFixed(4)} ± ${sl.half.toFixed(4)}; P(wait) ${figures.p_wait.toFixed(4)}, simulated ${pw.mean.toFixed(4)} ± ${pw.half.toFixed(4)}`)
    t.ok(Math.abs(figures.service_level - sl.mean) <= sl.half, `c=${slots} A=${a}: service level within the simulation's 99 % interval`)
    t.ok(Math.abs(figures.p_wait - pw.mean) <= pw.half, `c=${slots} A=${a}: P(wait) within the simulation's 99 % interval`)
  }
})

t.test('refuses nonsense input with a clear error', async (t) => {
  t.throws(() => requiredAgents({ ...base, concurrency: 1.5 }), /concurrency/)
  t.throws(() => requiredAgents({ ...base, serviceLevel: 1 }), /service level/)
  t.throws(() => requiredAgents({ ...base, shrinkage: 1 }), /shrinkage/)
  t.throws(() => requiredAgents({ ...base, handleSeconds: 0 }), /handle/)
  t.throws(() => requiredAgents({ ...base, arrivalsPerSecond: -1 }), /arrivals/)
})
