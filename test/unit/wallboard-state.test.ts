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
    { agent: 'a1', team: 'support', active: 1, capacity: 2, load: 0.5 },
    { agent: 'a2', team: 'support', active: 0, capacity: 4, load: 0 },
  ])
})
