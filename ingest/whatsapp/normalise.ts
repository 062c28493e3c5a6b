/**
 * WhatsApp Cloud API webhook → canonical events. Walks every entry[], every changes[] and every
 * item of messages[], statuses[], message_echoes[], calls[] and errors[]: one POST may batch many.
 */
import { createHash } from 'node:crypto'
import type { CanonicalEvent, WaError } from '../../schemas/events.js'
import { ERRORS, ingestError } from '../errors.js'
import type { CustomerKeyer } from '../pii.js'

export interface NormaliseOptions {
  keyCustomer: CustomerKeyer
  storeText: boolean
  /** Ingest time, ISO; also the event time of items without a timestamp. */
  receivedAt: string
  /** What the KPIs need from a customer's text, computed here so the text need not travel. */
  analyseText?: TextAnalyser
}

export type TextAnalyser = (text: string) => { sentiment: number | null; keyword_category: string | null }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null)
const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32)

/** WhatsApp timestamps are Unix seconds, as a string or a number. */
function eventTime(ts: unknown, fallback: string): string {
  const n = typeof ts === 'string' ? Number(ts) : typeof ts === 'number' ? ts : NaN
  if (!Number.isFinite(n) || n <= 0 || n > 1e11) return fallback
  return new Date(n * 1000).toISOString()
}

function waErrors(v: unknown): WaError[] {
  return arr(v)
    .filter(isObj)
    .map((e) => {
      const code = Number(e.code)
      const title = str(e.title) ?? str(e.message)
      return title === null ? { code: Number.isInteger(code) ? code : 0 } : { code: Number.isInteger(code) ? code : 0, title }
    })
}

/** Throws a coded 400 unless the body is a whatsapp_business_account payload. */
export function assertWhatsappPayload(body: unknown): asserts body is Obj & { entry: unknown[] } {
  if (!isObj(body)) throw ingestError(ERRORS.NOT_WHATSAPP, 'body must be a JSON object')
  if (body.object !== 'whatsapp_business_account') {
    throw ingestError(ERRORS.NOT_WHATSAPP, 'object must be "whatsapp_business_account"')
  }
  if (!Array.isArray(body.entry)) throw ingestError(ERRORS.NOT_WHATSAPP, 'entry must be an array')
  for (const [i, entry] of body.entry.entries()) {
    if (!isObj(entry)) throw ingestError(ERRORS.NOT_WHATSAPP, `entry[${i}] must be an object`)
    if (!Array.isArray(entry.changes)) throw ingestError(ERRORS.NOT_WHATSAPP, `entry[${i}].changes must be an array`)
    for (const [j, change] of entry.changes.entries()) {
      if (!isObj(change) || typeof change.field !== 'string' || !isObj(change.value)) {
        throw ingestError(ERRORS.NOT_WHATSAPP, `entry[${i}].changes[${j}] must have a field and a value object`)
      }
    }
  }
}

export function normaliseWebhook(body: unknown, opts: NormaliseOptions): CanonicalEvent[] {
  assertWhatsappPayload(body)
  const out: CanonicalEvent[] = []
  for (const entry of body.entry as Obj[]) {
    for (const change of entry.changes as Obj[]) {
      const field = change.field as string
      const value = change.value as Obj
      if (field === 'messages' || field === 'smb_message_echoes') normaliseMessages(value, opts, out)
      else if (field === 'calls') normaliseCalls(value, opts, out)
      else normaliseUpdate(entry, field, value, opts, out)
      normaliseErrors(value, field, opts, out)
    }
  }
  return out
}

function lineOf(value: Obj): string | null {
  return isObj(value.metadata) ? str(value.metadata.phone_number_id) : null
}

/** wa_id first; the business-scoped user_id (2026 usernames) when from/wa_id is missing. */
function contactId(value: Obj, index: number): string | null {
  const contacts = arr(value.contacts).filter(isObj)
  const c = contacts[index] ?? contacts[0]
  return c ? (str(c.wa_id) ?? str(c.user_id)) : null
}

function envelope(id: string, at: string, line: string | null, rawCustomer: string | null, opts: NormaliseOptions) {
  return {
    v: 1 as const,
    id,
    at,
    received_at: opts.receivedAt,
    source: 'whatsapp' as const,
    line,
    customer: rawCustomer === null ? null : opts.keyCustomer(line, rawCustomer),
  }
}

function textOf(m: Obj): string | null {
  if (isObj(m.text)) return str(m.text.body)
  if (isObj(m.button)) return str(m.button.text)
  return null
}

function replyIdOf(m: Obj): string | null {
  if (isObj(m.interactive)) {
    const i = m.interactive
    if (isObj(i.button_reply)) return str(i.button_reply.id)
    if (isObj(i.list_reply)) return str(i.list_reply.id)
  }
  if (isObj(m.button)) return str(m.button.payload)
  return null
}

function normaliseMessages(value: Obj, opts: NormaliseOptions, out: CanonicalEvent[]): void {
  const line = lineOf(value)
  for (const [i, item] of arr(value.messages).entries()) {
    if (!isObj(item)) continue
    const messageId = str(item.id) ?? `nomid:${sha(JSON.stringify(item))}`
    const customer = str(item.from) ?? contactId(value, i) ?? str(item.from_user_id)
    const text = textOf(item)
    const digit = text !== null && /^\s*[1-5]\s*$/.test(text) ? Number(text.trim()) : null
    out.push({
      ...envelope(`wa:in:${messageId}`, eventTime(item.timestamp, opts.receivedAt), line, customer, opts),
      kind: 'message.in',
      message_id: messageId,
      message_type: str(item.type) ?? 'unknown',
      reply_id: replyIdOf(item),
      context_id: isObj(item.context) ? str(item.context.id) : null,
      digit,
      ...(opts.storeText && text !== null ? { text } : {}),
      ...(opts.analyseText && text !== null && isObj(item.text) ? opts.analyseText(text) : {}),
      errors: waErrors(item.errors),
    })
  }
  for (const item of arr(value.statuses)) {
    if (!isObj(item)) continue
    const messageId = str(item.id) ?? `nomid:${sha(JSON.stringify(item))}`
    const status = (str(item.status) ?? 'unknown').toLowerCase()
    out.push({
      ...envelope(
        `wa:st:${messageId}:${status}`,
        eventTime(item.timestamp, opts.receivedAt),
        line,
        str(item.recipient_id) ?? str(item.recipient_user_id),
        opts,
      ),
      kind: 'message.status',
      message_id: messageId,
      status,
      errors: waErrors(item.errors),
      pricing_category: isObj(item.pricing) ? str(item.pricing.category) : null,
      conversation_origin:
        isObj(item.conversation) && isObj(item.conversation.origin) ? str(item.conversation.origin.type) : null,
    })
  }
  // Coexistence numbers: messages typed in the WhatsApp Business app (sender kind `app`).
  for (const item of arr(value.message_echoes)) {
    if (!isObj(item)) continue
    const messageId = str(item.id) ?? `nomid:${sha(JSON.stringify(item))}`
    const text = textOf(item)
    out.push({
      ...envelope(
        `wa:echo:${messageId}`,
        eventTime(item.timestamp, opts.receivedAt),
        line,
        str(item.to) ?? str(item.to_user_id),
        opts,
      ),
      kind: 'message.out',
      message_id: messageId,
      message_type: str(item.type) ?? 'unknown',
      sender_kind: 'app',
      agent_id: null,
      survey: false,
      ...(opts.storeText && text !== null ? { text } : {}),
    })
  }
}

function normaliseCalls(value: Obj, opts: NormaliseOptions, out: CanonicalEvent[]): void {
  const line = lineOf(value)
  const items: Array<[Obj, string | null, string | null]> = [
    ...arr(value.calls).filter(isObj).map((c): [Obj, string | null, string | null] => [c, str(c.event), str(c.from)]),
    ...arr(value.statuses)
      .filter(isObj)
      .map((s): [Obj, string | null, string | null] => [s, str(s.status)?.toLowerCase() ?? null, str(s.recipient_id)]),
  ]
  for (const [item, event, customer] of items) {
    const callId = str(item.id) ?? sha(JSON.stringify(item))
    out.push({
      ...envelope(`wa:call:${callId}:${event ?? 'unknown'}`, eventTime(item.timestamp, opts.receivedAt), line, customer, opts),
      kind: 'whatsapp.update',
      field: 'calls',
      event,
    })
  }
}

function normaliseUpdate(entry: Obj, field: string, value: Obj, opts: NormaliseOptions, out: CanonicalEvent[]): void {
  const at = eventTime(value.timestamp ?? entry.time, opts.receivedAt)
  out.push({
    ...envelope(`wa:upd:${sha(`${str(entry.id)}|${field}|${JSON.stringify(value)}`)}`, at, lineOf(value), null, opts),
    kind: 'whatsapp.update',
    field,
    event: str(value.event),
  })
}

function normaliseErrors(value: Obj, field: string, opts: NormaliseOptions, out: CanonicalEvent[]): void {
  const errors = waErrors(value.errors)
  if (errors.length === 0) return
  const base = sha(`${field}|${JSON.stringify(value)}`)
  const at = eventTime(value.timestamp, opts.receivedAt)
  for (const [i, error] of errors.entries()) {
    out.push({
      ...envelope(`wa:err:${base}:${i}`, at, lineOf(value), null, opts),
      kind: 'whatsapp.error',
      field,
      errors: [error],
    })
  }
}
