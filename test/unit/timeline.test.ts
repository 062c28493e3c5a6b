/**
 * A conversation's timeline (processor/core/timeline.ts, docs/advice.md "Timeline"): events in
 * order with the core's decisions, waiting periods, privacy switches. Expected values by hand.
 */
import t from 'tap'
import { buildTimeline, parseConversationId } from '../../processor/core/timeline.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { ev, T0 } from '../helpers/events.js'

const config = parseConfig({ lines: { L1: { team: 'support' } } })
const ID = `L1|c1#${T0}`

function day(): CanonicalEvent[] {
  const withText = { ...ev.in(0, { c: 'c1', sentiment: -0.2 }), text: 'la fattura è sbagliata' } as CanonicalEvent
  return [
    withText,
    ev.in(5, { c: 'c2' }), // another customer: not in c1's timeline
    ev.assigned(10, 'a1', { c: 'c1', team: 'support' }),
    ev.out(310, 'agent', { c: 'c1', agent: 'a1' }),
    ev.in(320, { c: 'c1' }),
    ev.out(330, 'agent', { c: 'c1', agent: 'a1' }),
    ev.resolved(400, { c: 'c1' }),
    ev.csat(450, 5, { c: 'c1' }),
    // Two days later: the customer's next conversation (past the 24 h reopen window).
    ev.in(2 * 86_400, { c: 'c1' }),
  ]
}

t.test('events and the core decisions in order, with waiting periods', async (t) => {
  const tl = buildTimeline(config, ID, day(), T0 + 3 * 86_400_000, { text: false, agents: true })
  t.equal(tl.found, true)
  // Default limits: warning at 240 s, breach at 300 s of waiting; the reply at 310 s ends both.
  t.same(
    tl.entries.map((e) => [e.offset_seconds, e.kind, e.level ?? e.seconds ?? e.score ?? null]),
    [
      [0, 'message.in', null],
      [10, 'conversation.assigned', null],
      [10, 'kpi.assignment', 10],
      [240, 'kpi.escalation.fire', 'warning'],
      [300, 'kpi.escalation.fire', 'breach'],
      [310, 'message.out', null],
      [310, 'kpi.frt', 310],
      [310, 'kpi.escalation.resolve', 'warning'],
      [310, 'kpi.escalation.resolve', 'breach'],
      [320, 'message.in', null],
      [330, 'message.out', null],
      [330, 'kpi.nrt', 10],
      [400, 'conversation.resolved', null],
      [400, 'kpi.resolution', 400],
      [400, 'kpi.resolved', null],
      [450, 'csat.response', 5],
      [450, 'kpi.csat', 5],
    ],
  )
  // Waiting 0–310 s and 320–330 s.
  t.same(tl.waiting.map((w) => [Date.parse(w.from) - T0, Date.parse(w.to!) - T0, w.seconds]), [[0, 310_000, 310], [320_000, 330_000, 10]])
  t.same(tl.entries.find((e) => e.kind === 'kpi.frt'), { at: new Date(T0 + 310_000).toISOString(), offset_seconds: 310, kind: 'kpi.frt', seconds: 310, within_target: false, agent: 'a1' })
  t.equal(tl.entries.find((e) => e.kind === 'message.out')!.gap_seconds, 300)
  t.same(tl.state, { open: false, backlog: null, team: 'support', agent: 'a1', category: null, frt_seconds: 310, csat: 5, sentiment_mean: -0.2, warnings: 1, breaches: 1 })
  t.notOk(tl.entries.some((e) => 'text' in e), 'no text unless advice.timeline_text')
})

t.test('privacy switches: text only when enabled and stored; agent ids hidden', async (t) => {
  const tl = buildTimeline(config, ID, day(), T0 + 1000_000, { text: true, agents: false })
  t.equal(tl.entries[0]!.text, 'la fattura è sbagliata')
  // assigned, kpi.assignment, reply, kpi.frt, reply, kpi.nrt, then the resolution (no agent named
  // in the event) and kpi.resolution (credited to a1).
  t.same(tl.entries.filter((e) => 'agent' in e).map((e) => e.agent), ['agent', 'agent', 'agent', 'agent', 'agent', 'agent', null, 'agent'])
  t.equal(tl.state!.agent, 'agent')
})

t.test('until cuts the timeline; an open chat shows its running wait and its pending breach', async (t) => {
  // At 270 s: waiting since 0, warned at 240, no breach yet.
  const tl = buildTimeline(config, ID, day(), T0 + 270_000, { text: false, agents: true })
  t.same(tl.entries.map((e) => e.kind), ['message.in', 'conversation.assigned', 'kpi.assignment', 'kpi.escalation.fire'])
  t.same(tl.waiting, [{ from: new Date(T0).toISOString(), to: null, seconds: 270 }])
  t.equal(tl.state!.backlog, 'awaiting_agent')
})

t.test('the next conversation, duplicates and unknown ids', async (t) => {
  const events = day()
  const next = buildTimeline(config, `L1|c1#${T0 + 2 * 86_400_000}`, [...events, events[8]!], T0 + 3 * 86_400_000, { text: false, agents: true })
  // Never answered: warned at 240 s, breached at 300 s; 24 h later the service window closes
  // (missed) and the inactivity close (24 h) resolves it, ending both escalations.
  t.same(
    next.entries.map((e) => [e.offset_seconds, e.kind]),
    [[0, 'message.in'], [240, 'kpi.escalation.fire'], [300, 'kpi.escalation.fire'], [86_400, 'kpi.service_window_missed'], [86_400, 'kpi.escalation.resolve'], [86_400, 'kpi.escalation.resolve'], [86_400, 'kpi.resolved']],
    'only the later conversation; a redelivered event counts once',
  )
  t.equal(next.entries.at(-1)!.by, 'timeout')
  const none = buildTimeline(config, `L1|c9#${T0}`, events, T0 + 1000, { text: false, agents: true })
  t.same([none.found, none.entries, none.state], [false, [], null])
  t.throws(() => parseConversationId('L1-c1-123'), { code: 'DESKPULSE_ERR_CONVERSATION_ID' })
  t.same(parseConversationId(`L1|abc#${T0}`), { line: 'L1', customer: 'abc', openedAt: T0 })
})
