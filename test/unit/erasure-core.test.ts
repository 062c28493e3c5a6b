/**
 * Erasure in the core (engine.forget, pipeline.forget): the customer's conversations leave the
 * state with everything that pointed at them, and the aggregates keep counting them.
 */
import t from 'tap'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { parseConfig } from '../../schemas/config.js'
import { ev, T0 } from '../helpers/events.js'

const config = parseConfig({})

t.test('forgetting customers: open and resolved conversations leave, their pending verdict and escalation end, aggregates stay', async (t) => {
  const p = createKpiPipeline(config, 0)
  // Customer a: answered at 30 s, resolved at 60 s: its FCR verdict waits for the 7-day window.
  // Customer b: writes at 0 s, nobody answers: warned at 240 s, breached at 300 s.
  for (const e of [ev.in(0, { c: 'a' }), ev.in(0, { c: 'b' }), ev.out(30, 'agent', { c: 'a' }), ev.resolved(60, { c: 'a' })]) p.push(e)
  p.engine.advance(T0 + 400_000)
  p.engine.drainEffects()
  const before = p.summary(T0 + 400_000)
  t.match(before, { conversations: { opened: 2, open: 1, resolved: 1 }, fcr: { pending: 1 }, escalations: { warnings: 1, breaches: 1 } }, 'before: a resolved and pending, b open and breached')

  const a = p.forget(new Set(['a']))
  t.same([...a.keys()], ['a'])
  t.equal(a.get('a')!.length, 1, "a's one conversation removed")
  const afterA = p.summary(T0 + 400_000)
  t.equal(afterA.fcr.pending, 0, 'no verdict waits for a forgotten conversation')
  t.equal(afterA.conversations.open, 1, 'b is still open')

  const b = p.forget(new Set(['b', 'nobody']))
  t.equal(b.get('b')!.length, 1, "b's conversation removed")
  t.same(b.get('nobody'), [], 'a customer the core never saw: nothing removed')
  const effects = p.engine.drainEffects().filter((e) => e.type === 'escalation')
  t.same(
    effects.map((e) => e.type === 'escalation' && [e.level, e.action]),
    [['warning', 'resolve'], ['breach', 'resolve']],
    "b's warning and breach end (their pages resolve)",
  )
  const after = p.summary(T0 + 400_000)
  t.match(after, { conversations: { opened: 2, open: 0, resolved: 1 }, backlog: { bot: 0, unassigned: 0, awaiting_agent: 0, awaiting_customer: 0 }, oldest_waiting_seconds: null }, 'nobody waits any more')
  t.match(after.escalations, { warnings: 1, breaches: 1 }, 'aggregates keep counting what happened')
  t.same([...p.engine.drainChanged()], [], 'no row of a forgotten conversation is left to write')

  // b writes again: a new conversation, counted as usual.
  p.push(ev.in(500, { c: 'b' }))
  t.match(p.summary(T0 + 500_000).conversations, { opened: 3, open: 1 })
})
