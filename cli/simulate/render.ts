/**
 * A plan → replay lines (docs/architecture.md "Replay and simulation"): `{"webhook": <body as Meta
 * sends it>}` for customer messages and statuses, `{"event": <helpdesk event>}` for the rest.
 * Lines are in time order, plus delivery noise that must change no KPI: webhook and event retries
 * (some hours later), duplicated statuses, and `read` before `delivered`.
 */
import { createHash } from 'node:crypto'
import { ERROR_TITLES, WABA_ID, type InboundStep, type LineInfo, type OutboundStep, type Plan, type PlannedStatus, type Step, type Thread } from './model.js'
import { createRng, type Rng } from './random.js'

interface Entry {
  /** Sort key: event time, then creation order. */
  t: number
  n: number
  text: string
}

export interface RenderStats { webhooks: number; events: number; duplicates: number; reordered: number }

const iso = (t: number) => new Date(t * 1000).toISOString()
const hex = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n)

function envelope(line: LineInfo, value: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            value: { messaging_product: 'whatsapp', metadata: { display_phone_number: line.display, phone_number_id: line.id }, ...value },
            field: 'messages',
          },
        ],
      },
    ],
  }
}

function messageBody(line: LineInfo, thread: Thread, step: InboundStep) {
  const m: Record<string, unknown> = {}
  if (step.context) m.context = { from: line.display, id: step.context }
  Object.assign(m, { from: thread.customer, id: step.id, timestamp: String(step.t), type: step.type })
  if (step.type === 'text') m.text = { body: step.text }
  if (step.type === 'image') m.image = { mime_type: 'image/jpeg', sha256: hex(`img:${step.id}`, 64), id: String(BigInt(`0x${hex(step.id, 13)}`)) }
  if (step.type === 'button') m.button = { payload: step.reply?.id, text: step.reply?.title }
  if (step.type === 'interactive' && step.reply) {
    const { kind, id, title } = step.reply
    m.interactive = kind === 'list_reply' ? { type: kind, list_reply: { id, title } } : { type: kind, button_reply: { id, title } }
  }
  return envelope(line, { contacts: [{ profile: { name: thread.name }, wa_id: thread.customer }], messages: [m] })
}

function statusBody(line: LineInfo, thread: Thread, step: OutboundStep, st: PlannedStatus) {
  const category = step.type === 'template' ? 'utility' : 'service'
  const s: Record<string, unknown> = { id: step.id, status: st.status, timestamp: String(st.t), recipient_id: thread.customer }
  if (st.status === 'failed') {
    const title = ERROR_TITLES[st.error ?? 0] ?? 'Message failed'
    s.errors = [{ code: st.error, title, message: title, error_data: { details: title }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }]
  } else if (st.status !== 'read') {
    s.conversation = { id: hex(`${line.id}:${thread.customer}:${category}`, 32), origin: { type: category } }
    s.pricing = { billable: true, pricing_model: 'PMP', category }
  }
  return envelope(line, { statuses: [s] })
}

function eventOf(id: string, thread: Thread, step: Exclude<Step, InboundStep>): Record<string, unknown> {
  const base = (type: string) => ({ id, type, at: iso(step.t), line: thread.line, customer: thread.customer })
  switch (step.kind) {
    case 'out': {
      const sender = step.agent ? { kind: step.sender, agent_id: step.agent } : { kind: step.sender }
      const e = { ...base('message.sent'), message_id: step.id, message_type: step.type, sender, text: step.text }
      return step.survey ? { ...e, survey: true } : e
    }
    case 'assigned':
      return { ...base('conversation.assigned'), agent_id: step.agent, team: step.team }
    case 'resolved':
      return { ...base('conversation.resolved'), by: step.agent ? { kind: step.by, agent_id: step.agent } : { kind: step.by } }
    case 'tagged':
      return { ...base('conversation.tagged'), category: step.category }
    case 'handoff':
      return { ...base('bot.handoff'), team: step.team }
    case 'csat':
      return { ...base('csat.response'), score: step.score }
  }
}

export function render(plan: Plan): { lines: string[]; stats: RenderStats } {
  const noise = createRng(plan.seed, 1)
  const lines = new Map(plan.lines.map((l) => [l.id, l]))
  const entries: Entry[] = []
  const stats: RenderStats = { webhooks: 0, events: 0, duplicates: 0, reordered: 0 }
  let n = 0
  let ids = 0
  const eventId = () => `sim${plan.seed}-${(++ids).toString(36).padStart(6, '0')}`
  const add = (t: number, text: string, kind: 'webhooks' | 'events') => {
    entries.push({ t, n: n++, text })
    stats[kind]++
  }
  for (const e of plan.agentEvents) {
    add(e.t, JSON.stringify({ event: { id: eventId(), type: 'agent.status', at: iso(e.t), agent_id: e.agent, team: e.team, status: e.status, capacity: e.capacity } }), 'events')
  }
  for (const thread of plan.threads) {
    const line = lines.get(thread.line) as LineInfo
    for (const step of thread.steps) {
      if (step.kind === 'in') {
        add(step.t, JSON.stringify({ webhook: messageBody(line, thread, step) }), 'webhooks')
        continue
      }
      add(step.t, JSON.stringify({ event: eventOf(eventId(), thread, step) }), 'events')
      if (step.kind === 'out') for (const st of step.statuses) add(st.t, JSON.stringify({ webhook: statusBody(line, thread, step, st) }), 'webhooks')
    }
  }
  entries.sort((a, b) => a.t - b.t || a.n - b.n)
  const until = entries.at(-1)?.t ?? 0
  addNoise(noise, entries, until, stats)
  return { lines: entries.map((e) => e.text), stats }
}

/**
 * Retries and reordering as WhatsApp and a helpdesk produce them. Copies land strictly before the
 * last event, so the file still ends on the event that sets the default `until`.
 */
function addNoise(rng: Rng, entries: Entry[], until: number, stats: RenderStats): void {
  const extra: Entry[] = []
  const copy = (e: Entry, delay: number) => {
    extra.push({ t: Math.min(e.t + delay, until - 1), n: e.n + 0.5, text: e.text })
    stats.duplicates++
  }
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Entry
    const webhook = e.text.startsWith('{"webhook"')
    const isStatus = webhook && e.text.includes('"statuses"')
    // WhatsApp retries a webhook it thinks failed: usually soon, sometimes hours later.
    if (webhook && rng.chance(isStatus ? 0.03 : 0.02)) copy(e, rng.chance(0.7) ? rng.int(1, 30) : rng.int(600, 6 * 3600))
    else if (!webhook && rng.chance(0.005)) copy(e, rng.int(1, 120)) // a helpdesk retry, same event id
    // `read` can arrive before `delivered`: move the read right in front of its delivered.
    if (isStatus && e.text.includes('"status":"read"')) {
      const id = /"statuses":\[\{"id":"([^"]+)"/.exec(e.text)?.[1]
      const delivered = id === undefined ? -1 : findBack(entries, i, id, 'delivered')
      if (delivered >= 0 && i < entries.length - 1 && rng.chance(0.06)) {
        const d = entries[delivered] as Entry
        e.n = d.n - 0.25
        e.t = d.t
        stats.reordered++
      }
    }
  }
  entries.push(...extra)
  entries.sort((a, b) => a.t - b.t || a.n - b.n)
}

function findBack(entries: Entry[], from: number, id: string, status: string): number {
  for (let j = from - 1; j >= 0 && j >= from - 400; j--) {
    const text = (entries[j] as Entry).text
    if (text.includes(`"id":"${id}","status":"${status}"`)) return j
  }
  return -1
}
