import t from 'tap'
import { TimingStat, RollingTiming, LineRollingCounts, nearestRankIndex } from '../../processor/core/timing.js'
import { timing as truthTiming } from '../../cli/simulate/truth.js'

/** Within the sketch's 1 % relative accuracy. */
const near = (t: { ok: (v: boolean, msg: string) => unknown }, got: number | null, want: number, msg: string) => t.ok(got !== null && Math.abs(got - want) <= want * 0.01 + 1e-9, `${msg}: ${String(got)} ≈ ${want}`)

t.test('nearest rank: the ⌈q·n⌉-th smallest (docs/kpis.md "Aggregation rules")', async (t) => {
  // 10 samples: p50 → ⌈5⌉ = 5th, p90 → ⌈9⌉ = 9th, p99 → ⌈9.9⌉ = 10th (the largest).
  t.equal(nearestRankIndex(0.5, 10), 4)
  t.equal(nearestRankIndex(0.9, 10), 8)
  t.equal(nearestRankIndex(0.99, 10), 9)
  // 1 sample: every percentile is it. 100 samples: p99 → 99th, not the largest.
  t.equal(nearestRankIndex(0.5, 1), 0)
  t.equal(nearestRankIndex(0.99, 1), 0)
  t.equal(nearestRankIndex(0.99, 100), 98)
  // 0.07 · 100 is 7.000000000000001 in floating point: still the 7th.
  t.equal(nearestRankIndex(0.07, 100), 6)
  // 3 samples: p50 → ⌈1.5⌉ = 2nd.
  t.equal(nearestRankIndex(0.5, 3), 1)
})

t.test('the sketch reports the nearest-rank sample: p99 of 10 samples is the largest', async (t) => {
  const s = new TimingStat()
  // Added out of order; sorted they are 10, 20, …, 100.
  for (const x of [70, 10, 100, 40, 20, 90, 30, 60, 50, 80]) s.add(x)
  const j = s.toJSON()
  t.equal(j.count, 10)
  t.equal(j.mean, 55)
  near(t, j.p50, 50, 'p50 = 5th')
  near(t, j.p90, 90, 'p90 = 9th')
  near(t, j.p99, 100, 'p99 = 10th, the largest')
  // Before: DDSketch's rank ⌊q·(n−1)⌋ gave p50 = 5th (⌊4.5⌋ = 4) but p99 = 9th (⌊8.91⌋ = 8) = 90.
  t.ok(j.p99! > 95, 'not the 9th sample')
})

t.test('the sketch: one sample, and ties on either side of the rank', async (t) => {
  const one = new TimingStat()
  one.add(42)
  near(t, one.quantile(0.5), 42, 'p50 of one sample')
  near(t, one.quantile(0.99), 42, 'p99 of one sample')
  // 4 samples 1, 2, 3, 1000: p50 → ⌈2⌉ = 2nd = 2; p90 → ⌈3.6⌉ = 4th = 1000.
  const four = new TimingStat()
  for (const x of [1000, 3, 1, 2]) four.add(x)
  near(t, four.quantile(0.5), 2, 'p50 = 2nd')
  near(t, four.quantile(0.9), 1000, 'p90 = 4th')
  // Zeros (replies stamped before the message count as 0 s): 0, 0, 0, 5 → p50 = 2nd = 0, p99 = 5.
  const zeros = new TimingStat()
  for (const x of [0, 5, 0, 0]) zeros.add(x)
  t.equal(zeros.quantile(0.5), 0)
  near(t, zeros.quantile(0.99), 5, 'p99 = 4th')
})

t.test('the simulator truth takes the same rank from exact samples', async (t) => {
  const tm = truthTiming([70, 10, 100, 40, 20, 90, 30, 60, 50, 80])
  t.same(tm, { count: 10, mean: 55, p50: 50, p90: 90, p99: 100 })
})

t.test('reading a rolling timing changes nothing; the clock prunes', async (t) => {
  const MIN = 60_000
  const HOUR = 60 * MIN
  const r = new RollingTiming(HOUR)
  r.add(0, 10) // minute 0
  r.add(30 * MIN, 20) // minute 30
  r.add(59 * MIN, 30) // minute 59
  const at = 60 * MIN
  const first = r.window(at, HOUR).toJSON()
  // The window (0, 60] minutes: minute 0 is not after 60 − 60 = 0, so 20 and 30 count.
  t.match(first, { count: 2, mean: 25 })
  // A reader far ahead (a wallboard at wall time) sees nothing of this hour …
  t.equal(r.window(at + 3 * HOUR, HOUR).count, 0)
  // … and took nothing away: the same reading again, and the whole kept span, are unchanged.
  t.same(r.window(at, HOUR).toJSON(), first)
  t.match(r.window(at, 2 * HOUR).toJSON(), { count: 3, mean: 20 })
  t.same(r.toState().map(([m]) => m), [0, 30, 59])
  // A reading at an earlier time sees only the minutes up to it.
  t.match(r.window(30 * MIN, HOUR).toJSON(), { count: 2, mean: 15 })
  // The clock at minute 90 drops the minutes before 90 − 60 = 30: minute 0 goes, 30 stays.
  r.prune(90 * MIN)
  t.same(r.toState().map(([m]) => m), [30, 59])
  // At minute 120 the kept span starts at 60: nothing is left.
  r.prune(120 * MIN)
  t.same(r.toState().map(([m]) => m), [])
})

t.test('per-line rolling counts: windows sum the lines; a checkpoint from before lines restores', async (t) => {
  const MIN = 60_000
  const c = new LineRollingCounts(['opened'] as const)
  c.add('A', 10 * MIN, 'opened')
  c.add('B', 10 * MIN, 'opened', 2)
  c.add('B', 50 * MIN, 'opened')
  // (0, 60] minutes: 1 + 2 + 1.
  t.same(c.window(60 * MIN, 60 * MIN), { opened: 4 })
  // Since minute 20 on A, minute 0 on B: A's 10-minute count is before its start; B's both count.
  t.same(c.since(60 * MIN, (line) => (line === 'A' ? 20 * MIN : 0)), { since: 0, counts: { opened: 3 } })
  const copy = new LineRollingCounts(['opened'] as const)
  copy.restore(c.toState())
  t.same(copy.window(60 * MIN, 60 * MIN), { opened: 4 })
  // The state of one RollingCounts (an older checkpoint) becomes line ''.
  const legacy = new LineRollingCounts(['opened'] as const)
  legacy.restore([[10, { opened: 5 }]])
  t.same(legacy.window(60 * MIN, 60 * MIN), { opened: 5 })
})
