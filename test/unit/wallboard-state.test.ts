import t from 'tap'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { wallboardState } from '../../processor/wallboard/state.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { ev, T0 } from '../helpers/events.js'

function stateAt(events: CanonicalEvent[], seconds: number, config = parseConfig({ lines: { L1: { team: 'support' } } })) {
  const p = createKpiPipeline(config, 0)
  for (const e of events) {
    p.push(e)
    p.catchUp()
  }
  p.engine.advance(T0 + seconds * 1000)
  return wallboardState([p.engine], T0 + seconds * 1000)
}

t.test('waiting chats: oldest first, with their warning and breach moments and level', async (t) => {
  // c1 waits from 0 (warned at 240, breached at 300); c2 from 100 with a negative message
  // (limit 180 s: warning at 220, breach at 280); c3 was answered.
  const s = stateAt([ev.in(0, { c: 'c1' }), ev.in(100, { c: 'c2', sentiment: -0.8 }), ev.in(50, { c: 'c3' }), ev.out(60, 'agent', { c: 'c3' })], 250)
  t.same(
    s.waiting.map((w) => [w.code, w.waitingSince - T0, w.warnAt! - T0, w.breachAt! - T0, w.level, w.sentiment]),
    [
      ['c1', 0, 240_000, 300_000, 'warning', null],
      ['c2', 100_000, 220_000, 280_000, 'warning', -0.8],
    ],
  )
  t.equal(s.waitingTotal, 2)
  t.equal(s.breached, 0)
  t.same(s.backlog, { bot: 0, unassigned: 2, awaiting_agent: 0, awaiting_customer: 1 })
  const later = stateAt([ev.in(0, { c: 'c1' }), ev.in(100, { c: 'c2', sentiment: -0.8 })], 290)
  t.same(later.waiting.map((w) => w.level), ['warning', 'breach'], 'c2 breached at 280 s, c1 not yet')
  t.equal(later.breached, 1)
})

t.test('last hour FRT and service level; CSAT and containment today; agents by load', async (t) => {
  const s = stateAt(
    [
      ev.agent(0, 'a1', 'online', 2),
      ev.agent(0, 'a2', 'online', 4),
      // c1: FRT 30 s (within 60), CSAT 5; c2: FRT 90 s, CSAT 2 then replaced by 4.
      ev.in(10, { c: 'c1' }),
      ev.assigned(15, 'a1', { c: 'c1', team: 'support' }),
      ev.out(40, 'agent', { c: 'c1', agent: 'a1' }),
      ev.in(20, { c: 'c2' }),
      ev.assigned(25, 'a1', { c: 'c2', team: 'support' }),
      ev.out(110, 'agent', { c: 'c2', agent: 'a1' }),
      ev.in(120, { c: 'c1' }),
      ev.csat(200, 5, { c: 'c1' }),
      ev.csat(210, 2, { c: 'c2' }),
      ev.csat(220, 4, { c: 'c2' }),
      // c3 contained by the bot, c4 handed to a human: containment 1 of 2.
      ev.in(300, { c: 'c3' }),
      ev.out(301, 'bot', { c: 'c3' }),
      ev.resolved(330, { c: 'c3', by: 'bot' }),
      ev.in(300, { c: 'c4' }),
      ev.out(302, 'bot', { c: 'c4' }),
      ev.handoff(310, { c: 'c4' }),
      ev.out(320, 'agent', { c: 'c4', agent: 'a2' }),
      ev.resolved(340, { c: 'c4' }),
    ],
    600,
  )
  t.equal(s.lastHour.frt.count, 3, 'c1, c2 and c4 (10 s after the handoff) got a first response')
  t.equal(s.lastHour.serviceLevel, 0.6667, 'two of three within 60 s')
  t.same(s.today.csat, { responses: 2, percent: 100 }, 'c1 gave 5, c2 finally 4: both positive')
  t.same(s.today.containment, { resolved: 2, contained: 1, rate: 0.5 })
  // a1 has c1 (waiting again since 120 s) active, c2 awaits the customer: 1 of 2; a2 has none.
  t.same(s.agents, [
    { agent: 'a1', team: 'support', active: 1, capacity: 2, load: 0.5, overloaded: false },
    { agent: 'a2', team: 'support', active: 0, capacity: 4, load: 0, overloaded: false },
  ])
})

t.test("today starts at each line's local midnight (the line's time zone from config)", async (t) => {
  const H = 3600
  const on = (line: string, e: CanonicalEvent): CanonicalEvent => ({ ...e, line })
  const contained = (line: string, c: string, s: number) => [on(line, ev.in(s, { c })), on(line, ev.out(s + 1, 'bot', { c })), on(line, ev.resolved(s + 30, { c, by: 'bot' }))]
  const config = parseConfig({
    lines: {
      // São Paulo (UTC−3, no DST in 2026) by its own timezone; Tokyo (UTC+9) by its business hours.
      SP: { timezone: 'America/Sao_Paulo' },
      TK: { business_hours: { timezone: 'Asia/Tokyo', weekly: { mon: [['09:00', '18:00']] } } },
    },
  })
  // Read at T0 + 5 h = 2026-11-23 14:00Z: 11:00 in São Paulo (midnight 03:00Z = T0 − 6 h),
  // 23:00 in Tokyo (midnight 2026-11-22 15:00Z = T0 − 18 h = now − 23 h); UTC midnight is T0 − 9 h.
  const events = [
    ...contained('TK', 'k1', -12 * H), // 21:00Z on the 22nd: Tokyo 06:00 on the 23rd — today in Tokyo, not in UTC
    ...contained('TK', 'k2', -10 * H), // 23:00Z on the 22nd: Tokyo 08:00 — today in Tokyo, not in UTC
    ...contained('SP', 's1', -7 * H), // 02:00Z on the 23rd: São Paulo 23:00 on the 22nd — yesterday there, today in UTC
    ...contained('SP', 's2', 1 * H), // 10:00Z: today everywhere
  ]
  const p = createKpiPipeline(config, 0)
  for (const e of events) {
    p.push(e)
    p.catchUp()
  }
  const now = T0 + 5 * H * 1000
  p.engine.advance(now)
  const s = wallboardState([p.engine], now)
  // Today: k1, k2 (Tokyo's day) and s2 (São Paulo's day) = 3; s1 fell on São Paulo's yesterday.
  // (UTC's day would have counted s1 and s2: 2.)
  t.same(s.today.containment, { resolved: 3, contained: 3, rate: 1 })
  t.equal(s.today.since, T0 - 18 * H * 1000, "the earliest line's midnight: Tokyo's")
})

t.test('reading the wallboard changes nothing: twice, or at another time first', async (t) => {
  const p = createKpiPipeline(parseConfig({ lines: { L1: { team: 'support' } } }), 0)
  // FRT 30 s at 100 s, within target.
  for (const e of [ev.in(70, { c: 'c1' }), ev.out(100, 'agent', { c: 'c1' })]) {
    p.push(e)
    p.catchUp()
  }
  const now = T0 + 600_000
  p.engine.advance(now)
  const first = wallboardState([p.engine], now)
  t.equal(first.lastHour.frt.count, 1)
  // Its 30 s within the sketch's 1 % (0.3 s), shown to 0.1 s (+0.05).
  t.ok(Math.abs(first.lastHour.frt.p50! - 30) <= 0.35, `p50 ${first.lastHour.frt.p50} ≈ 30`)
  // A screen whose clock runs three days ahead reads nothing of that hour …
  t.equal(wallboardState([p.engine], now + 3 * 86_400_000).lastHour.frt.count, 0)
  // … and took nothing away: the same reading, and the same summary windows, as before.
  t.same(wallboardState([p.engine], now), first)
  t.match(p.summary(now).windows, { '1h': { first_response_seconds: { count: 1 } } })
})

t.test('rebalance marks: the overloaded agent and the chats that could move', async (t) => {
  // a1 (capacity 1) holds c1 (waiting from 10 s) and c2 (from 20 s); a2 (capacity 3) none.
  // a1 is over by 1: the longer-waiting c1 would go to a2; c2 stays.
  const s = stateAt(
    [ev.agent(0, 'a1', 'online', 1), ev.agent(0, 'a2', 'online', 3), ev.in(10, { c: 'c1' }), ev.assigned(11, 'a1', { c: 'c1', team: 'support' }), ev.in(20, { c: 'c2' }), ev.assigned(21, 'a1', { c: 'c2', team: 'support' })],
    60,
  )
  t.same(s.waiting.map((w) => [w.code, w.agent, w.moveTo]), [['c1', 'a1', 'a2'], ['c2', 'a1', null]])
  t.same(s.agents.map((a) => [a.agent, a.overloaded]), [['a1', true], ['a2', false]])
})

t.test("waiting chats link to the helpdesk with the line's helpdesk_url, when the helpdesk named the conversation", async (t) => {
  const config = parseConfig({ lines: { L1: { team: 'support', helpdesk_url: 'https://chatwoot.example.com/app/accounts/1/conversations/{conversation}' } } })
  const named = { ...ev.in(0, { c: 'c1' }), helpdesk_conversation: '1021' } as CanonicalEvent
  const s = stateAt([named, ev.in(10, { c: 'c2' })], 60, config)
  t.same(
    s.waiting.map((w) => [w.code, w.helpdeskConversation, w.link]),
    [
      ['c1', '1021', 'https://chatwoot.example.com/app/accounts/1/conversations/1021'],
      ['c2', null, null],
    ],
  )
  const without = stateAt([{ ...ev.in(0, { c: 'c1' }), helpdesk_conversation: '1021' } as CanonicalEvent], 60)
  t.equal(without.waiting[0]!.link, null, 'no link on a line without a template')
})
