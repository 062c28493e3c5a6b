import t from 'tap'
import { createHash } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import '../../schemas/formats.js'
import { API_EVENT_SCHEMAS } from '../../schemas/api-events.js'
import { SummarySchema } from '../../schemas/summary.js'
import { normaliseWebhook } from '../../ingest/whatsapp/normalise.js'
import { createSentimentScorer, NEGATIVE_EXAMPLES, NEUTRAL_EXAMPLES, POSITIVE_EXAMPLES } from '../../ingest/text/sentiment.js'
import { simulate } from '../../cli/simulate/index.js'
import { computeTruth } from '../../cli/simulate/truth.js'
import { render } from '../../cli/simulate/render.js'
import { LINES, type InboundStep, type Plan, type Step, type Thread } from '../../cli/simulate/model.js'

const a = simulate({ seed: 42, conversations: 2000 })
const again = simulate({ seed: 42, conversations: 2000 })
const other = simulate({ seed: 43, conversations: 2000 })

type Line = { webhook?: Record<string, unknown>; event?: Record<string, unknown> & { type: string; id: string; at: string } }
const parsed: Line[] = a.lines.map((l) => JSON.parse(l) as Line)

t.test('the same seed gives the same lines and truth; another seed does not', async (t) => {
  // Compared as digests: tap's deep diff of 50,000 lines is far too slow.
  const digest = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex')
  t.equal(digest(again.lines), digest(a.lines))
  t.equal(JSON.stringify(again.truth), JSON.stringify(a.truth))
  t.not(digest(other.lines), digest(a.lines))
  t.not(JSON.stringify(other.truth), JSON.stringify(a.truth))
})

t.test('a day holds at least the requested conversations', async (t) => {
  t.ok(a.truth.conversations.opened >= 2000, `${a.truth.conversations.opened} opened`)
  t.equal(a.detail.conversations.length, a.truth.conversations.opened)
  t.equal(a.truth.conversations.opened, a.truth.conversations.resolved + a.truth.conversations.open)
})

t.test('every line is a Meta webhook or a valid helpdesk event of the seven types', async (t) => {
  const types = new Set(Object.keys(API_EVENT_SCHEMAS))
  let bad = 0
  for (const line of parsed) {
    if (line.webhook) {
      if (line.webhook.object !== 'whatsapp_business_account') bad++
      const events = normaliseWebhook(line.webhook, { keyCustomer: (_l, id) => id, storeText: false, receivedAt: '2026-11-24T00:00:00.000Z' })
      if (events.length !== 1 || !['message.in', 'message.status'].includes(events[0]?.kind ?? '')) bad++
    } else if (line.event) {
      const schema = API_EVENT_SCHEMAS[line.event.type as keyof typeof API_EVENT_SCHEMAS]
      if (!types.has(line.event.type) || !Value.Check(schema, line.event) || !line.event.at.endsWith('.000Z')) bad++
    } else {
      bad++
    }
  }
  t.equal(bad, 0, 'no line is malformed')
  t.ok(Value.Check(SummarySchema, a.truth), 'the truth fits the Summary schema')
})

t.test('ids are unique except for deliberate retries, which repeat a whole line', async (t) => {
  type Value = { messages?: Array<{ id: string }>; statuses?: Array<{ id: string; status: string }> }
  const keyOf = (line: Line): string => {
    if (line.event) return `api:${line.event.id}`
    const value = (line.webhook?.entry as Array<{ changes: Array<{ value: Value }> }>)[0]?.changes[0]?.value
    const st = value?.statuses?.[0]
    return st ? `wa:st:${st.id}:${st.status}` : `wa:in:${value?.messages?.[0]?.id}`
  }
  const seen = new Map<string, string>()
  let retries = 0
  let clashes = 0
  for (const [i, line] of parsed.entries()) {
    const key = keyOf(line)
    const before = seen.get(key)
    if (before !== undefined) {
      retries++
      if (before !== a.lines[i]) clashes++
    }
    seen.set(key, a.lines[i] as string)
  }
  t.equal(clashes, 0, 'no id is reused by a different line')
  t.equal(retries, a.stats.duplicates, 'every repeated id is a retried copy')
  t.ok(retries > 100, `${retries} retried copies`)
})

t.test('delivery noise: late retries, a read before its delivered, a status before its message', async (t) => {
  const first = new Map<string, number>()
  let lateCopy = false
  a.lines.forEach((l, i) => {
    const at = first.get(l)
    if (at !== undefined && i - at > 500) lateCopy = true
    if (at === undefined) first.set(l, i)
  })
  t.ok(lateCopy, 'a retried webhook lands far later in the file')
  t.ok(a.stats.reordered > 0, `${a.stats.reordered} reads come before their delivered`)
  const sentAt = new Map<string, number>()
  let early = 0
  for (const line of parsed) {
    if (line.event?.type === 'message.sent') sentAt.set(line.event.message_id as string, Date.parse(line.event.at) / 1000)
  }
  for (const line of parsed) {
    const st = (line.webhook?.entry as Array<{ changes: Array<{ value: { statuses?: Array<{ id: string; timestamp: string }> } }> }> | undefined)?.[0]?.changes[0]?.value.statuses?.[0]
    if (st && Number(st.timestamp) < (sentAt.get(st.id) ?? 0)) early++
  }
  t.ok(early > 0, `${early} statuses are stamped before their message`)
})

t.test('the last line carries the latest time, which is the truth’s until', async (t) => {
  const timeOf = (l: Line) =>
    l.event ? Date.parse(l.event.at) / 1000 : Number(JSON.stringify(l.webhook).match(/"timestamp":"(\d+)"/)?.[1])
  const max = Math.max(...parsed.map(timeOf))
  t.equal(new Date(max * 1000).toISOString(), a.truth.until)
  t.equal(timeOf(parsed.at(-1) as Line), max)
})

t.test('the day has escalations, handoffs, CSAT and a backlog at the end', async (t) => {
  const s = a.truth
  t.ok(s.escalations.warnings > s.escalations.breaches && s.escalations.breaches > 12, JSON.stringify(s.escalations))
  t.ok(s.bot.handoffs > 0 && s.bot.contained > 0, JSON.stringify(s.bot))
  t.ok(s.csat.responses > 0, JSON.stringify(s.csat))
  t.ok(s.conversations.reopened > 0 && s.fcr.final > 0 && s.fcr.pending > 0, 'reopens and decided and pending FCR outcomes')
  t.ok(s.backlog.unassigned + s.backlog.awaiting_agent + s.backlog.bot > 0, JSON.stringify(s.backlog))
  t.ok(s.oldest_waiting_seconds !== null && s.oldest_waiting_seconds > 0)
  t.ok((s.service_level ?? 0) > 0.5, 'most first replies within a minute')
})

t.test('the sentiment lists the simulator draws from keep their classes', async (t) => {
  const score = createSentimentScorer()
  for (const text of NEGATIVE_EXAMPLES) t.ok((score(text) ?? 0) < -0.25, text)
  for (const text of [...NEUTRAL_EXAMPLES, ...POSITIVE_EXAMPLES]) t.ok((score(text) ?? 0) >= -0.25, text)
})

// ---- a hand-built plan whose figures are worked out below by hand -----------------------------

const T = Date.parse('2026-11-23T09:00:00.000Z') / 1000 // 10:00 in Rome
const DAY = 86_400
let ids = 0
const inText = (t: number, sentiment: 'negative' | 'neutral' | 'positive'): InboundStep => ({ kind: 'in', t, id: `wamid.in${++ids}`, type: 'text', text: sentiment, sentiment })
const out = (t: number, sender: 'agent' | 'bot' | 'automation', agent?: string, survey?: boolean): Step => ({
  kind: 'out', t, id: `wamid.out${++ids}`, sender, type: 'text', text: 'x', statuses: [], ...(agent ? { agent } : {}), ...(survey ? { survey } : {}),
})
const thread = (n: number, line: number, customer: string, steps: Step[]): Thread => ({
  n, line: (LINES[line] as { id: string }).id, customer, name: 'Test', flow: 'human', team: 'support', steps, notes: [],
})
const resolved = (t: number, agent?: string): Step => (agent ? { kind: 'resolved', t, by: 'agent', agent } : { kind: 'resolved', t, by: 'bot' })

const hand: Plan = {
  seed: 0,
  start: '2026-11-22T23:00:00.000Z',
  end: T + 6400,
  lines: LINES,
  agents: [],
  agentEvents: [{ t: T + 6400, agent: 'a-4', team: 'sales', status: 'away', capacity: 3 }],
  threads: [
    // A: bot, handoff at +23, an impatient negative text at +100 → limit 180: warning +143, breach +203.
    thread(0, 0, 'c-a', [
      inText(T, 'neutral'), out(T + 2, 'bot'),
      { kind: 'in', t: T + 20, id: 'wamid.a-list', type: 'interactive', reply: { kind: 'list_reply', id: 'menu_billing', title: 'Fatture' } },
      out(T + 22, 'bot'), { kind: 'handoff', t: T + 23, team: 'billing' }, inText(T + 100, 'negative'),
      { kind: 'assigned', t: T + 150, agent: 'a-1', team: 'billing' }, out(T + 233, 'agent', 'a-1'), // FRT 210, assignment 127
      inText(T + 300, 'neutral'), out(T + 330, 'agent', 'a-1'), // NRT 30
      resolved(T + 400, 'a-1'), out(T + 405, 'automation', undefined, true),
      { kind: 'in', t: T + 500, id: 'wamid.a-digit', type: 'text', text: '4', csat: 4 },
    ]),
    // B: FRT 250 (warning at +240), resolved, reopened with a negative text; the reply at exactly
    // the 120 s warning still counts the warning; a second agent writes.
    thread(1, 0, 'c-b', [
      inText(T + 1000, 'neutral'), { kind: 'assigned', t: T + 1010, agent: 'a-2', team: 'support' }, out(T + 1250, 'agent', 'a-2'),
      out(T + 1300, 'agent', 'a-2'), resolved(T + 1400, 'a-2'),
      inText(T + 5000, 'negative'), out(T + 5120, 'agent', 'a-3'), resolved(T + 5200, 'a-3'),
    ]),
    // C: contained by the bot; CSAT 5 by button, then 3 by event: the last counts.
    thread(2, 1, 'c-c', [
      inText(T + 2000, 'positive'), out(T + 2001, 'bot'),
      { kind: 'in', t: T + 2030, id: 'wamid.c-list', type: 'interactive', reply: { kind: 'list_reply', id: 'menu_delivery', title: 'Spedizioni' } },
      out(T + 2032, 'bot'), inText(T + 2100, 'positive'), resolved(T + 2102), out(T + 2110, 'automation', undefined, true),
      { kind: 'in', t: T + 2200, id: 'wamid.c-csat', type: 'interactive', reply: { kind: 'button_reply', id: 'csat_5', title: '5' }, csat: 5 },
      { kind: 'csat', t: T + 2300, score: 3 },
    ]),
    // D: still waiting, unassigned, at until (+6400): waited 400 s, warned and breached.
    thread(3, 0, 'c-d', [inText(T + 6000, 'neutral')]),
    // E: assigned, FRT 30, waiting again since +6200 (200 s at until: no warning yet).
    thread(4, 2, 'c-e', [
      inText(T + 6100, 'neutral'), { kind: 'assigned', t: T + 6110, agent: 'a-4', team: 'sales' }, out(T + 6130, 'agent', 'a-4'), inText(T + 6200, 'neutral'),
    ]),
    // F: 9 days earlier, FRT 30, resolved at +60: its 7-day window has passed: FCR.
    thread(5, 1, 'c-f', [inText(T - 9 * DAY, 'neutral'), { kind: 'assigned', t: T - 9 * DAY + 5, agent: 'a-1', team: 'billing' }, out(T - 9 * DAY + 30, 'agent', 'a-1'), resolved(T - 9 * DAY + 60, 'a-1')]),
    // G: 8 days earlier, FRT 20, resolution 100; the customer is back 3 days later (G2): not FCR.
    thread(6, 1, 'c-g', [inText(T - 8 * DAY, 'neutral'), { kind: 'assigned', t: T - 8 * DAY + 5, agent: 'a-1', team: 'billing' }, out(T - 8 * DAY + 20, 'agent', 'a-1'), resolved(T - 8 * DAY + 100, 'a-1')]),
    thread(7, 1, 'c-g', [inText(T - 5 * DAY, 'neutral'), { kind: 'assigned', t: T - 5 * DAY + 5, agent: 'a-1', team: 'billing' }, out(T - 5 * DAY + 40, 'agent', 'a-1'), resolved(T - 5 * DAY + 90, 'a-1')]),
    // H: 8 days earlier, FRT 50, never resolved: auto-closed 24 h after the reply (timeout).
    thread(8, 2, 'c-h', [inText(T - 8 * DAY, 'neutral'), { kind: 'assigned', t: T - 8 * DAY + 5, agent: 'a-1', team: 'sales' }, out(T - 8 * DAY + 50, 'agent', 'a-1')]),
  ],
}

t.test('a hand-built plan gives the figures worked out by hand', async (t) => {
  const { summary: s, detail } = computeTruth(hand)
  t.equal(s.until, new Date((T + 6400) * 1000).toISOString())
  t.same(s.conversations, { opened: 9, resolved: 7, open: 2, reopened: 1 }, 'H counts as resolved (timeout)')
  t.same(s.messages, { in: 18, out: 16 })
  t.same(s.backlog, { bot: 0, unassigned: 1, awaiting_agent: 1, awaiting_customer: 0 })
  t.equal(s.oldest_waiting_seconds, 400)
  // Nearest rank (docs/kpis.md "Aggregation rules"), the ⌈q·n⌉-th smallest.
  // FRT samples 20 30 30 40 50 210 250: p50 = ⌈3.5⌉ = 4th, p90 = ⌈6.3⌉ = 7th, p99 = ⌈6.93⌉ = 7th.
  t.same(s.first_response_seconds, { count: 7, mean: 90, p50: 40, p90: 250, p99: 250 })
  // NRT 30 (A), 120 (B after its reopen): p50 = ⌈1⌉ = 1st, p90 = ⌈1.8⌉ = 2nd.
  t.same(s.next_response_seconds, { count: 2, mean: 75, p50: 30, p90: 120, p99: 120 })
  // Assignment 5 5 5 5 10 10 127 (F G G2 H, B E, A): p50 = 4th, p90 = p99 = 7th.
  t.same(s.assignment_seconds, { count: 7, mean: 167 / 7, p50: 5, p90: 127, p99: 127 })
  // Timeouts have no resolution time: 60 90 100 102 400 400: p50 = ⌈3⌉ = 3rd, p90 = ⌈5.4⌉ = 6th.
  t.same(s.resolution_seconds, { count: 6, mean: 192, p50: 100, p90: 400, p99: 400 })
  t.same(s.escalations, { warnings: 4, breaches: 2 }, 'A warns and breaches at 180 s; B warns twice; D warns and breaches')
  t.same(s.csat, { responses: 2, percent: 50, mean: 3.5 })
  t.same(s.bot, { conversations: 2, contained: 1, handoffs: 1 })
  t.same(s.fcr, { final: 2, fcr: 1, pending: 4 }, 'F is FCR, G is not; A, B, C, G2 pending; H timed out')
  t.equal(s.service_level, 5 / 7)
  t.equal(s.missed, 0)
  t.same(detail.conversations.map((c) => c.state), ['closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'unassigned', 'awaiting_agent'])
  const lines = render(hand).lines
  t.ok(lines.length >= 34 + 1, 'the hand plan renders too')
})

t.test('a plan that docs/kpis.md would read two ways is refused', async (t) => {
  const ambiguous: Plan = { ...hand, threads: [thread(0, 0, 'c-x', [inText(T, 'neutral'), inText(T + 150, 'negative')])] }
  t.throws(() => computeTruth(ambiguous), /negativity of a waiting period changes/)
})

t.test('three conversations are enough for a plan', async (t) => {
  const tiny = simulate({ seed: 7, conversations: 3 })
  t.ok(tiny.truth.conversations.opened >= 3)
  t.ok(tiny.lines.length > 0)
})
