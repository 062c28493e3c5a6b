import t from 'tap'
import { MinuteRollup } from '../../processor/sinks/rows.js'
import { parseConfig } from '../../schemas/config.js'

const config = parseConfig({})
const T = Date.parse('2026-11-23T10:00:00.000Z')

t.test('kpi_minute: a replaced CSAT score counts one response, its newest score', async (t) => {
  const rollup = new MinuteRollup(config)
  // Score 2 at 10:00, replaced by 5 at 10:03 (the last response counts: docs/kpis.md "Outcomes").
  rollup.add({ type: 'csat', line: 'L', team: 'support', agent: 'a1', score: 2, previous: null, positive: false, previousPositive: null, at: T })
  rollup.add({ type: 'csat', line: 'L', team: 'support', agent: 'a1', score: 5, previous: 2, positive: true, previousPositive: false, at: T + 3 * 60_000 })
  const rows = rollup.drain(1)
  const sum = (k: 'csat_responses' | 'csat_sum' | 'csat_positive') => rows.reduce((n, r) => n + r[k], 0)
  t.equal(rows.length, 2, 'two minutes touched')
  t.equal(sum('csat_responses'), 1, 'one response')
  t.equal(sum('csat_sum'), 5, 'its score is the newest, 5')
  t.equal(sum('csat_positive'), 1, 'and it is positive')
})

t.test('kpi_minute: samples, FRT within target and breaches land in their minute', async (t) => {
  const rollup = new MinuteRollup(config)
  // The core decides which first responses are within thresholds.frt_target; the rollup counts them.
  const frt = config.thresholds.frt_target
  rollup.add({ type: 'sample', metric: 'frt', seconds: frt - 1, at: T + 5_000, line: 'L', team: 'support', agent: 'a1', withinTarget: true })
  rollup.add({ type: 'sample', metric: 'frt', seconds: frt + 30, at: T + 50_000, line: 'L', team: 'support', agent: 'a1', withinTarget: false })
  rollup.add({ type: 'escalation', level: 'breach', action: 'fire', moment: T + 61_000, firedAt: T + 61_000, conversation: 'L|c#1', line: 'L', customer: 'c', team: 'support', agent: null, waitingSince: T - 239_000 })
  rollup.add({ type: 'escalation', level: 'breach', action: 'retract', moment: T + 61_000, firedAt: T + 61_000, conversation: 'L|c#1', line: 'L', customer: 'c', team: 'support', agent: null, waitingSince: T - 239_000 })
  const rows = rollup.drain(7).sort((a, b) => a.minute.localeCompare(b.minute))
  t.equal(rows.length, 2)
  t.match(rows[0], { minute: '2026-11-23 10:00:00', frt_count: 2, frt_within_target: 1, frt_sum: 2 * frt + 29, frt_samples: [frt - 1, frt + 30], version: 7 })
  t.match(rows[1], { minute: '2026-11-23 10:01:00', breaches: 0 }, 'a retracted breach nets to nothing')
})

t.test('kpi_minute: late effects are rolled up for processing.minute_rollup_hours, no longer', async (t) => {
  const csat = (at: number) => ({ type: 'csat' as const, line: 'L', team: 'support', agent: 'a1', score: 4, previous: null, positive: true, previousPositive: null, at })
  // Keep 1 h: with 12:00 seen, 11:30 still takes a late response, 10:30 does not.
  const hour = new MinuteRollup(parseConfig({ processing: { minute_rollup_hours: 1 } }))
  hour.add(csat(T + 2 * 3_600_000))
  hour.add(csat(T + 90 * 60_000))
  hour.add(csat(T + 30 * 60_000))
  t.same(hour.drain(1).map((r) => r.minute).sort(), ['2026-11-23 11:30:00', '2026-11-23 12:00:00'])
  // The default (48 h) takes all three.
  const day = new MinuteRollup(config)
  day.add(csat(T + 2 * 3_600_000))
  day.add(csat(T + 90 * 60_000))
  day.add(csat(T + 30 * 60_000))
  t.equal(day.drain(1).length, 3)
})
