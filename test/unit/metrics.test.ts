import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { KpiSeries } from '../../processor/metrics/kpi-series.js'
import { liveState } from '../../processor/metrics/live-state.js'
import { createProcessorMetrics } from '../../processor/metrics/registry.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { ev, T0 } from '../helpers/events.js'

const config = parseConfig({ teams: ['support'], lines: { L1: { team: 'support' } } })

/** Events through the core in order; the metrics text at `until` seconds after T0. */
async function scrape(events: CanonicalEvent[], until: number) {
  const p = createKpiPipeline(config, 0)
  const series = new KpiSeries()
  for (const e of events) {
    p.push(e)
    p.catchUp()
  }
  p.engine.advance(T0 + until * 1000)
  series.countEvents(events)
  series.apply(p.engine.drainEffects())
  const live = liveState([p.engine], T0 + until * 1000)
  const metrics = createProcessorMetrics({ series: () => [series], live: () => live, frtTargetSeconds: 60, sloObjective: 0.9 })
  return { text: await metrics.registry.metrics(), series }
}

/** The value of one sample line, or undefined. */
function value(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

t.test('first responses fill the histogram and the service-level counter', async (t) => {
  // c1: FRT 45 s (within the 60 s target); c2: FRT 90 s (not); both resolved by the agent.
  const { text } = await scrape(
    [ev.in(0, { c: 'c1' }), ev.in(0, { c: 'c2' }), ev.out(45, 'agent', { c: 'c1' }), ev.out(90, 'agent', { c: 'c2' }), ev.resolved(100, { c: 'c1' }), ev.resolved(200, { c: 'c2' })],
    300,
  )
  const frt = 'helpdesk_first_response_seconds_bucket{line="L1",team="support",'
  t.equal(value(text, frt + 'le="30"}'), 0)
  t.equal(value(text, frt + 'le="60"}'), 1)
  t.equal(value(text, frt + 'le="120"}'), 2)
  t.equal(value(text, frt + 'le="+Inf"}'), 2)
  t.equal(value(text, 'helpdesk_first_response_seconds_sum{line="L1",team="support"}'), 135)
  t.equal(value(text, 'helpdesk_first_response_seconds_count{line="L1",team="support"}'), 2)
  t.equal(value(text, 'helpdesk_first_responses_within_target_total{line="L1",team="support"}'), 1)
  // Resolution 100 s and 200 s: both above 60, the first within 120, both within 300.
  t.equal(value(text, 'helpdesk_resolution_seconds_bucket{line="L1",team="support",le="60"}'), 0)
  t.equal(value(text, 'helpdesk_resolution_seconds_bucket{line="L1",team="support",le="120"}'), 1)
  t.equal(value(text, 'helpdesk_resolution_seconds_bucket{line="L1",team="support",le="300"}'), 2)
  t.equal(value(text, 'helpdesk_conversations_opened_total{line="L1"}'), 2)
  t.equal(value(text, 'helpdesk_conversations_resolved_total{line="L1",team="support",resolved_by="agent"}'), 2)
  t.equal(value(text, 'helpdesk_messages_total{line="L1",direction="in",sender_kind="customer"}'), 2)
  t.equal(value(text, 'helpdesk_messages_total{line="L1",direction="out",sender_kind="agent"}'), 2)
  t.equal(value(text, 'deskpulse_events_processed_total{kind="message.in"}'), 2)
  t.equal(value(text, 'helpdesk_frt_target_seconds'), 60)
  t.equal(value(text, 'helpdesk_slo_objective_ratio'), 0.9)
})

t.test('a chat left unanswered: warning at 240 s, breach at 300 s, gauges while it waits', async (t) => {
  const { text } = await scrape([ev.in(0, { c: 'c1' }), ev.in(100, { c: 'c2' })], 330)
  // c1 waited 330 s (warned and breached); c2 waited 230 s (neither).
  t.equal(value(text, 'helpdesk_escalations_total{line="L1",team="support",level="warning"}'), 1)
  t.equal(value(text, 'helpdesk_escalations_total{line="L1",team="support",level="breach"}'), 1)
  t.equal(value(text, 'helpdesk_conversations_waiting_over_threshold{line="L1",team="support"}'), 1)
  t.equal(value(text, 'helpdesk_oldest_waiting_seconds{line="L1",team="support"}'), 330)
  t.equal(value(text, 'helpdesk_conversations_open{line="L1",team="support",state="unassigned"}'), 2)
  t.equal(value(text, 'helpdesk_conversations_open{line="L1",team="support",state="awaiting_customer"}'), 0)
  t.equal(value(text, 'helpdesk_conversations_awaiting_first_response{line="L1",team="support"}'), 2)
})

t.test('a late reply stamped before the breach retracts it', async (t) => {
  // The reply at 290 s arrives after the clock passed 300 s: the breach is withdrawn.
  const p = createKpiPipeline(config, 0)
  const series = new KpiSeries()
  p.push(ev.in(0))
  p.catchUp()
  p.engine.advance(T0 + 310_000)
  series.apply(p.engine.drainEffects())
  p.push(ev.out(290, 'agent'))
  p.catchUp()
  series.apply(p.engine.drainEffects())
  const live = liveState([p.engine], T0 + 310_000)
  const text = await createProcessorMetrics({ series: () => [series], live: () => live, frtTargetSeconds: 60, sloObjective: 0.9 }).registry.metrics()
  t.equal(value(text, 'helpdesk_escalations_total{line="L1",team="support",level="breach"}'), 1)
  t.equal(value(text, 'helpdesk_escalations_retracted_total{line="L1",team="support",level="breach"}'), 1)
  t.equal(value(text, 'helpdesk_conversations_waiting_over_threshold{line="L1",team="support"}'), 0)
})

t.test('agents: online, occupancy and load per team', async (t) => {
  // a1 (capacity 2) has c1 and c2 active: load 1, occupied; a2 (capacity 4) has none: load 0.
  const { text } = await scrape(
    [ev.agent(0, 'a1', 'online', 2), ev.agent(0, 'a2', 'online', 4), ev.in(10, { c: 'c1' }), ev.in(10, { c: 'c2' }), ev.assigned(20, 'a1', { c: 'c1', team: 'support' }), ev.assigned(20, 'a1', { c: 'c2', team: 'support' })],
    60,
  )
  t.equal(value(text, 'helpdesk_agents_online{team="support"}'), 2)
  t.equal(value(text, 'helpdesk_agent_active_conversations{team="support"}'), 2)
  t.equal(value(text, 'helpdesk_agent_occupancy_ratio{team="support"}'), 0.5)
  t.equal(value(text, 'helpdesk_agent_load_ratio{team="support"}'), 0.5)
})

t.test('bots, CSAT, delivery statuses and failures by a capped code set', async (t) => {
  const { text } = await scrape(
    [
      ev.in(0, { c: 'c1' }),
      ev.out(2, 'bot', { c: 'c1' }),
      ev.resolved(30, { c: 'c1', by: 'bot' }),
      ev.in(0, { c: 'c2' }),
      ev.out(3, 'bot', { c: 'c2' }),
      ev.handoff(10, { c: 'c2' }),
      ev.out(40, 'agent', { c: 'c2', mid: 'm1' }),
      ev.csat(50, 5, { c: 'c2' }),
      ev.status(41, 'm1', 'delivered'),
      ev.status(42, 'm1', 'read'),
      ev.status(43, 'm1', 'delivered'),
      ev.out(44, 'agent', { c: 'c2', mid: 'm2' }),
      ev.status(45, 'm2', 'failed', [131047]),
      ev.out(46, 'agent', { c: 'c2', mid: 'm3' }),
      ev.status(47, 'm3', 'failed', [999999]),
      ev.resolved(60, { c: 'c2' }),
    ],
    120,
  )
  t.equal(value(text, 'helpdesk_bot_resolutions_total{line="L1",outcome="contained"}'), 1)
  t.equal(value(text, 'helpdesk_bot_resolutions_total{line="L1",outcome="human"}'), 1)
  t.equal(value(text, 'helpdesk_bot_handoffs_total{line="L1",team="support"}'), 1)
  t.equal(value(text, 'helpdesk_bot_first_response_seconds_count{line="L1"}'), 2)
  t.equal(value(text, 'helpdesk_bot_first_response_seconds_sum{line="L1"}'), 5)
  t.equal(value(text, 'helpdesk_csat_responses_total{line="L1",team="support",score="5"}'), 1)
  // m1 delivered then read (the second delivered is a downgrade: not counted).
  t.equal(value(text, 'helpdesk_message_statuses_total{line="L1",status="delivered"}'), 1)
  t.equal(value(text, 'helpdesk_message_statuses_total{line="L1",status="read"}'), 1)
  t.equal(value(text, 'helpdesk_message_statuses_total{line="L1",status="failed"}'), 2)
  t.equal(value(text, 'helpdesk_message_failures_total{line="L1",code="131047"}'), 1)
  t.equal(value(text, 'helpdesk_message_failures_total{line="L1",code="other"}'), 1)
  t.notMatch(text, /code="999999"/, 'an unknown code is not a label value')
})

t.test('series survive a checkpoint: toState/fromState keeps every value', async (t) => {
  const { series, text } = await scrape([ev.in(0, { c: 'c1' }), ev.out(45, 'agent', { c: 'c1' }), ev.resolved(100, { c: 'c1' })], 200)
  const copy = KpiSeries.fromState(structuredClone(series.toState()))
  const again = await createProcessorMetrics({ series: () => [copy], live: () => null, frtTargetSeconds: 60, sloObjective: 0.9 }).registry.metrics()
  // helpdesk_sla_outcomes_total is not a KpiSeries: it comes from the core's state (its checkpoint), through the live state.
  const kpiLines = (s: string) => s.split('\n').filter((l) => /^(helpdesk|deskpulse_events)_[a-z_]*(_total|_bucket|_sum|_count)\{/.test(l) && !l.startsWith('helpdesk_sla_'))
  t.ok(kpiLines(text).length > 20)
  t.same(kpiLines(again), kpiLines(text))
})

t.test('promtool check metrics accepts the output', async (t) => {
  const { text } = await scrape([ev.agent(0, 'a1', 'online'), ev.in(0, { c: 'c1' }), ev.out(45, 'agent', { c: 'c1' }), ev.in(100, { c: 'c2' })], 400)
  const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  t.equal(res.error, undefined, 'promtool runs')
  t.equal(res.status, 0, `promtool check metrics: ${res.stdout}${res.stderr}`)
})

t.test('workload balance gauges: load spread and agents over capacity while a teammate has room', async (t) => {
  // a1 (capacity 2) holds three waiting chats, a2 (capacity 4) one: utilisation 1.5 and 0.25.
  const events = [ev.agent(0, 'a1', 'online', 2), ev.agent(0, 'a2', 'online', 4)]
  for (const [i, c] of ['c1', 'c2', 'c3'].entries()) events.push(ev.in(10 + i, { c }), ev.assigned(20 + i, 'a1', { c, team: 'support' }))
  events.push(ev.in(30, { c: 'c4' }), ev.assigned(31, 'a2', { c: 'c4', team: 'support' }))
  const { text } = await scrape(events, 60)
  t.equal(value(text, 'helpdesk_team_load_spread{team="support"}'), 1.25)
  t.equal(value(text, 'helpdesk_agents_over_capacity{team="support"}'), 1)
  // a2 at 3 of 4 (0.75 < 0.85) still has room; at 4 of 4 nobody has: no imbalance a move can fix.
  const full = [...events]
  for (const c of ['c5', 'c6', 'c7']) full.push(ev.in(40, { c }), ev.assigned(41, 'a2', { c, team: 'support' }))
  const { text: fullText } = await scrape(full, 60)
  t.equal(value(fullText, 'helpdesk_agents_over_capacity{team="support"}'), 0)
  // 1.5 − 1.0
  t.equal(value(fullText, 'helpdesk_team_load_spread{team="support"}'), 0.5)
})
