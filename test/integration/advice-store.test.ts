/**
 * Supervisor advice from a real ClickHouse (store/advice.ts, docs/advice.md): utilisation against
 * the 85–90 % band from agent_minute, and the automation ranking of a day built so the ranking is
 * known. Events go through the KPI core into the store as the processor writes them. Expected
 * values worked out by hand in the comments.
 */
import t from 'tap'
import { automationFromStore, timelineFromStore, utilisationFromStore } from '../../store/advice.js'
import { buildTimeline } from '../../processor/core/timeline.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { startClickHouse } from '../helpers/harness.js'
import { storeEvents } from '../helpers/store-events.js'
import { ev, T0 } from '../helpers/events.js'

const MIN = 60
const config = parseConfig({ lines: { L1: { team: 'support' } } })
const near = (a: number | null, b: number) => a !== null && Math.abs(a - b) < 1e-4

t.test('utilisation per agent, team, hour and shift against the band', async (t) => {
  const ch = await startClickHouse(t)
  // a1, capacity 4, online 09:00–09:12 and 09:14–09:16. Loads (active ÷ 4):
  //   09:00–09:05:30  3 chats → 0.75;  09:05:30–09:06  4 → 1.0;  09:06–09:10  3 → 0.75;
  //   09:10–09:12  4 → 1.0;  offline 09:12–09:14;  09:14–09:16  4 → 1.0.
  // Minutes: 09:00–09:05 0.75 (below) ×5; 09:05 0.875 (in band); 09:06–09:09 0.75 ×4;
  //   09:10, 09:11 1.0 (above); 09:14, 09:15 1.0 (above).
  const events: CanonicalEvent[] = [
    ...['c1', 'c2', 'c3'].map((c) => ev.in(-60, { c })),
    ev.agent(0, 'a1', 'online', 4),
    ...['c1', 'c2', 'c3'].map((c) => ev.assigned(0, 'a1', { c, team: 'support' })),
    ev.in(5 * MIN, { c: 'c4' }),
    ev.assigned(5 * MIN + 30, 'a1', { c: 'c4', team: 'support' }),
    ev.resolved(6 * MIN, { c: 'c4' }),
    ev.in(9 * MIN, { c: 'c5' }),
    ev.assigned(10 * MIN, 'a1', { c: 'c5', team: 'support' }),
    ev.agent(12 * MIN, 'a1', 'offline', 4),
    ev.agent(14 * MIN, 'a1', 'online', 4),
    ev.agent(16 * MIN, 'a1', 'offline', 4),
  ]
  await storeEvents(ch.client, config, events, T0 + 30 * MIN * 1000)
  const u = await utilisationFromStore(ch.client, config, { from: T0, until: T0 + 60 * MIN * 1000 })
  // Online 14 min = 840 s. Load seconds: 5·60·0.75 + 30·0.75 + 30·1 + 4·60·0.75 + 2·60 + 2·60
  //   = 225 + 52.5 + 180 + 120 + 120 = 697.5 → 697.5 / 840 = 0.830357.
  // In band 60 s (1/14), above 240 s (4/14), below 540 s (9/14).
  const [a1] = u.agents
  t.same([a1!.agent, a1!.team, a1!.online_hours], ['a1', 'support', 0.2333])
  t.ok(near(a1!.utilisation, 697.5 / 840), `utilisation ${a1!.utilisation}`)
  t.ok(near(a1!.in_band, 1 / 14) && near(a1!.above, 4 / 14) && near(a1!.below, 9 / 14), JSON.stringify(a1))
  t.same(u.teams.map((x) => [x.team, x.utilisation]), [['support', a1!.utilisation]])
  t.same(u.hours.map((x) => [x.team, x.hour, x.in_band]), [['support', '2026-11-23T09:00:00Z', a1!.in_band]])
  // Shift 1: 09:00–09:12, 720 s, load 577.5 → 0.802083; in 60/720, above 120/720, below 540/720.
  // Shift 2: 09:14–09:16, all at 1.0.
  t.same(u.shifts.map((s) => [s.start, s.end]), [['2026-11-23T09:00:00Z', '2026-11-23T09:12:00Z'], ['2026-11-23T09:14:00Z', '2026-11-23T09:16:00Z']])
  t.ok(near(u.shifts[0]!.utilisation, 577.5 / 720) && near(u.shifts[0]!.in_band, 60 / 720) && near(u.shifts[0]!.above, 120 / 720) && near(u.shifts[0]!.below, 540 / 720), JSON.stringify(u.shifts[0]))
  t.same([u.shifts[1]!.utilisation, u.shifts[1]!.above, u.shifts[1]!.in_band], [1, 1, 0])

  // Per-person views switched off: team figures only.
  const team = await utilisationFromStore(ch.client, parseConfig({ ...config, advice: { per_agent_views: false } }), { from: T0, until: T0 + 60 * MIN * 1000 })
  t.same([team.agents, team.shifts, team.teams[0]!.utilisation], [[], [], a1!.utilisation])
})

/**
 * A day built so the automation ranking is known (target containment 60 %, min 10):
 * - billing: 40 chats, the bot answers all, contains 8; 32 handed to an agent who holds each
 *   600 s (assignment to resolution). ⌊0.6·40⌋ − 8 = 16 more the bot would close → 16·600 s =
 *   2.6667 h. 10 CSAT answers after a handoff, 2 positive → 20 %.
 * - delivery: 30 chats, no bot, each held 300 s. ⌊0.6·30⌋ − 0 = 18 → 18·300 s = 1.5 h. 6 of its
 *   customers come back two days later (tagged followup): FCR 24 / 30. 10 CSAT answers of 4 → 100 %.
 * - faq: 50 chats, the bot answers all and contains 45; 5 handed off, held 120 s. ⌊30⌋ − 45 < 0 → 0.
 * - returns: 5 chats, below min_conversations; followup: 6 chats, too.
 * Ranking: billing, delivery, faq. Hurting (handoff rate): billing 0.8, faq 0.1.
 */
function automationDay(): CanonicalEvent[] {
  const out: CanonicalEvent[] = []
  let s = 0
  const chat = (c: string, category: string, o: { bot: boolean; contained?: boolean; handle?: number; csat?: number }) => {
    s += 60
    out.push(ev.in(s, { c }), ev.tagged(s + 1, category, { c }))
    if (o.bot) out.push(ev.out(s + 5, 'bot', { c }))
    if (o.contained) {
      out.push(ev.resolved(s + 60, { c, by: 'bot' }))
      if (o.csat) out.push(ev.csat(s + 70, o.csat, { c }))
      return
    }
    if (o.bot) out.push(ev.handoff(s + 10, { c }))
    out.push(ev.assigned(s + 20, 'a1', { c, team: 'support' }), ev.out(s + 30, 'agent', { c, agent: 'a1' }), ev.resolved(s + 20 + o.handle!, { c }))
    if (o.csat) out.push(ev.csat(s + 30 + o.handle!, o.csat, { c }))
  }
  for (let i = 0; i < 40; i++) chat(`b${i}`, 'billing', i < 8 ? { bot: true, contained: true } : { bot: true, handle: 600, ...(i < 18 ? { csat: i < 10 ? 5 : 2 } : {}) })
  for (let i = 0; i < 30; i++) chat(`d${i}`, 'delivery', { bot: false, handle: 300, ...(i < 10 ? { csat: 4 } : {}) })
  for (let i = 0; i < 50; i++) chat(`f${i}`, 'faq', i < 45 ? { bot: true, contained: true, ...(i < 10 ? { csat: 5 } : {}) } : { bot: true, handle: 120 })
  for (let i = 0; i < 5; i++) chat(`r${i}`, 'returns', { bot: false, handle: 200 })
  // Two days later (past the 24 h reopen window, within the 7-day repeat window), 6 delivery
  // customers come back: a new conversation each, and no FCR for their first.
  s = 2 * 86_400
  for (let i = 0; i < 6; i++) chat(`d${i}`, 'followup', { bot: false, handle: 100 })
  return out
}

t.test('automation advice: the ranking known by construction, and where the bot hurts', async (t) => {
  const ch = await startClickHouse(t)
  // Past every FCR verdict: 7 days after the last resolution.
  await storeEvents(ch.client, config, automationDay(), T0 + 10 * 86_400_000)
  const a = await automationFromStore(ch.client, config, { from: T0 - 1000, until: T0 + 10 * 86_400_000 })
  t.same(a.ranking.map((r) => [r.category, r.line, r.conversations, r.extra_contained, r.agent_hours_saved]), [
    ['billing', 'L1', 40, 16, 2.667],
    ['delivery', 'L1', 30, 18, 1.5],
    ['faq', 'L1', 50, 0, 0],
  ])
  const [billing, delivery, faq] = a.ranking
  t.same([billing!.bot_share, billing!.containment, billing!.handoff_rate, billing!.human_conversations, billing!.median_handle_seconds], [1, 0.2, 0.8, 32, 600])
  t.same([billing!.csat_percent, billing!.csat_after_bot_percent, billing!.csat_without_bot_percent], [20, 20, null])
  t.same([delivery!.bot_share, delivery!.containment, delivery!.median_handle_seconds, delivery!.fcr, delivery!.csat_without_bot_percent], [0, null, 300, 0.8, 100])
  t.same([faq!.containment, faq!.handoff_rate, faq!.median_handle_seconds, faq!.csat_after_bot_percent, faq!.fcr], [0.9, 0.1, 120, 100, 1])
  t.same(a.hurting.map((r) => [r.category, r.handoff_rate]), [['billing', 0.8], ['faq', 0.1]])
  t.same([a.target_containment, a.min_conversations], [0.6, 10])
})

t.test('the timeline from ClickHouse is the core timeline of the stored events', async (t) => {
  const ch = await startClickHouse(t)
  const events = [ev.in(0, { c: 'c1' }), ev.assigned(10, 'a1', { c: 'c1', team: 'support' }), ev.out(310, 'agent', { c: 'c1', agent: 'a1' }), ev.resolved(400, { c: 'c1' }), ev.in(20, { c: 'c2' })]
  await storeEvents(ch.client, config, events, T0 + 1000_000)
  const id = `L1|c1#${T0}`
  const fromStore = await timelineFromStore(ch.client, config, id, T0 + 1000_000)
  const direct = buildTimeline(config, id, events, T0 + 1000_000, { text: false, agents: true })
  t.same({ ...fromStore, source: undefined }, { ...direct, source: undefined })
  t.same(fromStore.source, { from: 'clickhouse', events: 4 })
  t.same(fromStore.entries.filter((e) => e.kind.startsWith('kpi.escalation')).map((e) => [e.offset_seconds, e.kind, e.level]), [[240, 'kpi.escalation.fire', 'warning'], [300, 'kpi.escalation.fire', 'breach'], [310, 'kpi.escalation.resolve', 'warning'], [310, 'kpi.escalation.resolve', 'breach']])
})
