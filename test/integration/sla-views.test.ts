/**
 * docs/sla.md "Outcomes": the summary's `sla` key from the core (replay and the live
 * /v1/summary run summarise over the same engines) and from ClickHouse alone (`deskpulse
 * report`) agree, and both equal the figures worked out by hand. Real embedded ClickHouse.
 */
import t from 'tap'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { summariseMany } from '../../processor/core/summary.js'
import { createRowCollector } from '../../processor/sinks/collect.js'
import { insertRows } from '../../processor/sinks/clickhouse-rows.js'
import { reportFromStore } from '../../store/report.js'
import { parseConfig } from '../../schemas/config.js'
import { startClickHouse } from '../helpers/harness.js'
import { ev, T0 } from '../helpers/events.js'

const config = parseConfig({
  sla: {
    policies: [
      { name: 'vip-urgent', match: { priority: ['urgent'], tier: ['vip'] }, first_response: 30, next_response: 60, resolution: 600, escalate_after: 120, warn_before: 20 },
      { name: 'billing', match: { team: ['billing'] }, first_response: 120 },
    ],
    escalation_steps: [{ name: 'supervisor', after: 300 }],
  },
})

t.test('replay, live and report agree on sla', async (t) => {
  const ch = await startClickHouse(t)
  const story = [
    // v: urgent VIP from 5 s; first reply 20 s (hit), customer again at 100 s, reply at 200 s (NRT 100 s > 60: missed),
    // resolved at 300 s (≤ 600: hit).
    ev.in(0, { c: 'v' }),
    ev.prioritised(5, 'urgent', { c: 'v', tier: 'vip' }),
    ev.out(20, 'agent', { c: 'v' }),
    ev.in(100, { c: 'v' }),
    ev.out(200, 'agent', { c: 'v' }),
    ev.resolved(300, { c: 'v' }),
    // b: assigned to billing at 10 s (policy billing, FRT 120 s), unanswered: missed at 120 s.
    ev.in(0, { c: 'b' }),
    ev.assigned(10, 'a1', { c: 'b', team: 'billing' }),
    // d: default (FRT 60 s): replied at 59 s, hit; then waiting again from 400 s (no NRT target in default).
    ev.in(0, { c: 'd' }),
    ev.out(59, 'agent', { c: 'd' }),
    ev.in(400, { c: 'd' }),
    // w: urgent VIP opened at 450 s, still within its 30 s at the end: first response and resolution active.
    ev.in(450, { c: 'w' }),
    ev.prioritised(451, 'urgent', { c: 'w', tier: 'vip' }),
  ]
  // In event-time order, as the stream delivers them (stable: same-instant events keep their order).
  const events = story.map((e, i) => ({ e, i })).sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i).map(({ e }) => e)
  const p = createKpiPipeline(config, 0)
  const collector = createRowCollector(config)
  for (const [i, e] of events.entries()) {
    p.push(e)
    p.catchUp()
    await insertRows(ch.client, collector.collect(p.engine, i + 1).rows, `b${i}`)
  }
  const until = p.finish(T0 + 470_000)
  await insertRows(ch.client, collector.collect(p.engine, events.length + 1).rows, 'end')
  const expected = {
    'vip-urgent': { first_response: { hit: 1, missed: 0, active: 1 }, next_response: { hit: 0, missed: 1, active: 0 }, resolution: { hit: 1, missed: 0, active: 1 } },
    billing: { first_response: { hit: 0, missed: 1, active: 0 }, next_response: { hit: 0, missed: 0, active: 0 }, resolution: { hit: 0, missed: 0, active: 0 } },
    default: { first_response: { hit: 1, missed: 0, active: 0 }, next_response: { hit: 0, missed: 0, active: 0 }, resolution: { hit: 0, missed: 0, active: 0 } },
  }
  const live = summariseMany([p.engine], until)
  t.same(live.sla, expected, 'the core (replay --json, GET /v1/summary)')
  const report = await reportFromStore(ch.client, config, { until })
  t.same(report.sla, expected, 'deskpulse report, from ClickHouse alone')
  const rows = await (await ch.client.query({ query: "SELECT conversation_id, priority, sla_policy, sla_active FROM conversations FINAL WHERE conversation_id LIKE 'L1|w#%'", format: 'JSONEachRow' })).json<Record<string, unknown>>()
  t.same(rows.map((r) => [r.priority, r.sla_policy, r.sla_active]), [['urgent', 'vip-urgent', ['first_response', 'resolution']]])
})
