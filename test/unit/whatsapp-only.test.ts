/**
 * The WhatsApp-only mode (lines.<id>.replies_from: statuses, docs/whatsapp-only.md): a business
 * message known only from its first `sent` or `delivered` status is the business's reply. Expected
 * figures are worked out by hand from the event times below (seconds after T0).
 */
import t from 'tap'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { parseConfig, type Config } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { ev, T0, LINE } from '../helpers/events.js'

const statusesLine = parseConfig({ lines: { [LINE]: { replies_from: 'statuses' } } })
const helpdeskLine = parseConfig({ lines: { [LINE]: {} } })

let n = 0
/** A status of business message `mid` to customer `c`. */
const status = (s: number, c: string, mid: string, st: string): CanonicalEvent => ({
  ...ev.status(s, mid, st),
  id: `st-${++n}`,
  customer: c,
})

function run(events: CanonicalEvent[], config: Config, until: number) {
  const p = createKpiPipeline(config, 60_000)
  for (const e of events) {
    p.push(e)
    p.catchUp()
  }
  const end = p.finish(T0 + until * 1000)
  return { s: p.summary(end), p }
}

// c1 answered by a message seen only as statuses 40 s after it wrote; c2 never answered.
const day = [
  ev.in(0, { c: 'c1' }),
  ev.in(0, { c: 'c2' }),
  status(40, 'c1', 'm1', 'sent'),
  status(42, 'c1', 'm1', 'delivered'),
  status(50, 'c1', 'm1', 'read'),
]

t.test('statuses line: the first status of an unseen message is the reply; FRT 40 s, one breach (the unanswered chat)', async (t) => {
  const { s } = run(day, statusesLine, 1_000)
  t.match(s.first_response_seconds, { count: 1, mean: 40 }, 'FRT = 40 − 0')
  t.equal(s.escalations.breaches, 1, 'c2 breaches at 300 s; c1 was answered at 40 s')
  t.equal(s.escalations.warnings, 1, 'only c2 warns (240 s)')
  t.equal(s.messages.out, 1, 'sent, delivered and read of one message are one reply')
  t.same(s.backlog, { bot: 0, unassigned: 1, awaiting_agent: 0, awaiting_customer: 1 })
})

t.test('the same day on a helpdesk line: statuses are not replies, both chats breach', async (t) => {
  const { s } = run(day, helpdeskLine, 1_000)
  t.equal(s.first_response_seconds.count, 0)
  t.equal(s.escalations.breaches, 2)
  t.equal(s.messages.out, 0)
})

t.test('read or failed first, or a message the helpdesk reported, are not inferred replies', async (t) => {
  const events = [
    ev.in(0, { c: 'c3' }),
    status(10, 'c3', 'm3', 'failed'), // reached nobody
    ev.in(0, { c: 'c4' }),
    status(30, 'c4', 'm4', 'read'), // may be an old message, beyond the tracker's memory
    ev.in(0, { c: 'c5' }),
    ev.out(20, 'agent', { c: 'c5', mid: 'm5' }), // known from the helpdesk
    status(21, 'c5', 'm5', 'sent'),
  ]
  const { s, p } = run(events, statusesLine, 1_000)
  t.match(s.first_response_seconds, { count: 1, mean: 20 }, 'only c5, by its agent at 20 s')
  t.equal(s.escalations.breaches, 2, 'c3 and c4 breach at 300 s')
  t.equal(s.messages.out, 1, 'the helpdesk message and its status are one message')
  t.equal(p.engine.view.perAgent.get('a1')?.frt.count, 1, 'the agent is credited')
})

t.test('an inferred reply names no agent and never makes a chat "several writers"', async (t) => {
  const events = [ev.in(0, { c: 'c6' }), status(10, 'c6', 'm6', 'delivered'), ev.in(60, { c: 'c6' }), ev.out(90, 'agent', { c: 'c6', agent: 'a2' })]
  const { s, p } = run(events, statusesLine, 200)
  t.match(s.first_response_seconds, { count: 1, mean: 10 }, 'a first delivered status counts when sent was not seen')
  t.match(s.next_response_seconds, { count: 1, mean: 30 }, 'NRT 90 − 60 by the agent')
  t.notOk(p.engine.view.perAgent.has('business'), 'no pseudo-agent in the per-agent figures')
  t.equal(p.engine.view.perAgent.get('a2')?.frt.count ?? 0, 0, 'the agent did not give the first response')
  const c = [...p.engine.view.convs.values()].find((x) => x.key === `${LINE}|c6`)
  t.equal(c?.severalWriters, false)
  t.equal(c?.writer, 'a2', 'the known writer replaces the unknown one')
})
