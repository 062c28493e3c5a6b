/**
 * WhatsApp Cloud API webhook → canonical events. Walks every entry[], every changes[] and every
 * item of messages[], statuses[], message_echoes[], calls[] and errors[]: one POST may batch many.
 *
 * Nothing that is or encodes a phone number leaves this module (docs/ingest.md "Privacy"):
 * customers become keyed hashes, and so do wamids and every id derived from a payload, because a
 * wamid is base64 of the customer's number; display_phone_number and contact details are never
 * read; free-text and enum-like fields keep only what fits their shape.
 */
import type { CanonicalEvent, WaError } from '../../schemas/events.js'
import { ERRORS, ingestError } from '../errors.js'
import { messageKeyerOf, type CustomerKeyer, type MessageKeyer } from '../pii.js'
import { checkId, checkLine } from '../limits.js'

export interface NormaliseOptions {
  keyCustomer: CustomerKeyer
  storeText: boolean
  /** Ingest time, ISO; also the event time of items without a timestamp. */
  receivedAt: string
  /** What the KPIs need from a customer's text, computed here so the text need not travel. */
  analyseText?: TextAnalyser
  /** Item timestamps later than receivedAt + this are clamped to receivedAt (default 300). */
  maxFutureSkewSeconds?: number
  /** Told of each item timestamp replaced by receivedAt: in the future, or not a time at all. */
  onTimestampClamped?: (reason: 'future' | 'invalid') => void
  /** Who delivered the Cloud API payload: Meta itself (default) or 360dialog, which forwards it. */
  source?: 'whatsapp' | '360dialog'
}

export type TextAnalyser = (text: string) => { sentiment: number | null; keyword_category: string | null }

export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 300

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null)

/**
 * Enum-like values Meta sends (types, statuses, events, fields, pricing categories): letters and
 * underscores, at most 64. Anything else is not one of them, and could be anything (a number).
 */
const TOKEN = /^[A-Za-z][A-Za-z_]{0,63}$/
const token = (v: unknown): string | null => {
  const s = str(v)
  return s !== null && TOKEN.test(s) ? s : null
}
/** A run this long in free text may be a phone number (E.164 numbers have 8–15 digits). */
const DIGIT_RUN = /\d{7,}/g
const MAX_TITLE = 256

/** Per-request state: the keyers and the clamp rule, so helpers need not take five arguments. */
interface Ctx {
  opts: NormaliseOptions
  keyMessage: MessageKeyer
  receivedMs: number
  maxFutureMs: number
}

/** WhatsApp timestamps are Unix seconds, as a string or a number. */
function eventTime(ts: unknown, ctx: Ctx): string {
  if (ts === undefined || ts === null) return ctx.opts.receivedAt
  const n = typeof ts === 'string' && ts.trim() !== '' ? Number(ts) : typeof ts === 'number' ? ts : NaN
  if (!Number.isFinite(n) || n <= 0) {
    ctx.opts.onTimestampClamped?.('invalid')
    return ctx.opts.receivedAt
  }
  // Clamped, not refused: the webhook is signed by Meta and may batch good items with this one;
  // a 4xx would lose them all, and Meta would not send anything different on a retry.
  if (n * 1000 > ctx.receivedMs + ctx.maxFutureMs) {
    ctx.opts.onTimestampClamped?.('future')
    return ctx.opts.receivedAt
  }
  return new Date(n * 1000).toISOString()
}

function waErrors(v: unknown): WaError[] {
  return arr(v)
    .filter(isObj)
    .map((e) => {
      const code = Number(e.code)
      const title = (str(e.title) ?? str(e.message))?.slice(0, MAX_TITLE).replace(DIGIT_RUN, '#') ?? null
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
  const ctx: Ctx = {
    opts,
    keyMessage: messageKeyerOf(opts.keyCustomer),
    receivedMs: Date.parse(opts.receivedAt),
    maxFutureMs: (opts.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS) * 1000,
  }
  const out: CanonicalEvent[] = []
  for (const [i, entry] of (body.entry as Obj[]).entries()) {
    for (const [j, change] of (entry.changes as Obj[]).entries()) {
      const at = `entry[${i}].changes[${j}].value`
      const field = change.field as string
      const value = change.value as Obj
      if (field === 'messages' || field === 'smb_message_echoes') normaliseMessages(value, at, ctx, out)
      else if (field === 'calls') normaliseCalls(value, at, ctx, out)
      else normaliseUpdate(entry, field, value, at, ctx, out)
      normaliseErrors(value, field, at, ctx, out)
    }
  }
  return out
}

function lineOf(value: Obj, at: string): string | null {
  const line = isObj(value.metadata) ? str(value.metadata.phone_number_id) : null
  return line === null ? null : checkLine(line, `${at}.metadata.phone_number_id`)
}

/** wa_id first; the business-scoped user_id (2026 usernames) when from/wa_id is missing. */
function contactId(value: Obj, index: number): string | null {
  const contacts = arr(value.contacts).filter(isObj)
  const c = contacts[index] ?? contacts[0]
  return c ? (str(c.wa_id) ?? str(c.user_id)) : null
}

/** The stored id of an item: its keyed id, or a keyed hash of the item when it has none. */
function itemKey(item: Obj, field: string, ctx: Ctx): string {
  const id = str(item.id)
  return id === null ? ctx.keyMessage(`noid|${JSON.stringify(item)}`) : ctx.keyMessage(checkId(id, field))
}

function envelope(id: string, at: string, line: string | null, rawCustomer: string | null, field: string, ctx: Ctx) {
  return {
    v: 1 as const,
    id,
    at,
    received_at: ctx.opts.receivedAt,
    source: ctx.opts.source ?? 'whatsapp',
    line,
    customer: rawCustomer === null ? null : ctx.opts.keyCustomer(line, checkId(rawCustomer, field)),
  }
}

function textOf(m: Obj): string | null {
  if (isObj(m.text)) return str(m.text.body)
  if (isObj(m.button)) return str(m.button.text)
  return null
}

/**
 * Reply ids are the business's own (menu choices the processor maps to categories: config
 * categories.menu), so they are kept as sent, except one holding a run of digits long enough to
 * be a phone number: that one is stored keyed, like a wamid.
 */
function replyIdOf(m: Obj, at: string, ctx: Ctx): string | null {
  let id: string | null = null
  if (isObj(m.interactive)) {
    const i = m.interactive
    if (isObj(i.button_reply)) id = str(i.button_reply.id)
    else if (isObj(i.list_reply)) id = str(i.list_reply.id)
  }
  if (id === null && isObj(m.button)) id = str(m.button.payload)
  if (id === null) return null
  checkId(id, `${at}.reply id`)
  return /\d{7,}/.test(id) ? ctx.keyMessage(id) : id
}

function normaliseMessages(value: Obj, at: string, ctx: Ctx, out: CanonicalEvent[]): void {
  const { opts } = ctx
  const line = lineOf(value, at)
  for (const [i, item] of arr(value.messages).entries()) {
    if (!isObj(item)) continue
    const path = `${at}.messages[${i}]`
    const messageId = itemKey(item, `${path}.id`, ctx)
    const customer = str(item.from) ?? contactId(value, i) ?? str(item.from_user_id)
    const text = textOf(item)
    const digit = text !== null && /^\s*[1-5]\s*$/.test(text) ? Number(text.trim()) : null
    const contextId = isObj(item.context) ? str(item.context.id) : null
    out.push({
      ...envelope(`wa:in:${messageId}`, eventTime(item.timestamp, ctx), line, customer, `${path}.from`, ctx),
      kind: 'message.in',
      message_id: messageId,
      message_type: token(item.type) ?? 'unknown',
      reply_id: replyIdOf(item, path, ctx),
      context_id: contextId === null ? null : ctx.keyMessage(checkId(contextId, `${path}.context.id`)),
      digit,
      ...(opts.storeText && text !== null ? { text } : {}),
      ...(opts.analyseText && text !== null && isObj(item.text) ? opts.analyseText(text) : {}),
      errors: waErrors(item.errors),
    })
  }
  for (const [i, item] of arr(value.statuses).entries()) {
    if (!isObj(item)) continue
    const path = `${at}.statuses[${i}]`
    const messageId = itemKey(item, `${path}.id`, ctx)
    const status = (token(item.status) ?? 'unknown').toLowerCase()
    out.push({
      ...envelope(
        `wa:st:${messageId}:${status}`,
        eventTime(item.timestamp, ctx),
        line,
        str(item.recipient_id) ?? str(item.recipient_user_id),
        `${path}.recipient_id`,
        ctx,
      ),
      kind: 'message.status',
      message_id: messageId,
      status,
      errors: waErrors(item.errors),
      pricing_category: isObj(item.pricing) ? token(item.pricing.category) : null,
      conversation_origin:
        isObj(item.conversation) && isObj(item.conversation.origin) ? token(item.conversation.origin.type) : null,
    })
  }
  // Coexistence numbers: messages typed in the WhatsApp Business app (sender kind `app`).
  for (const [i, item] of arr(value.message_echoes).entries()) {
    if (!isObj(item)) continue
    const path = `${at}.message_echoes[${i}]`
    const messageId = itemKey(item, `${path}.id`, ctx)
    const text = textOf(item)
    out.push({
      ...envelope(`wa:echo:${messageId}`, eventTime(item.timestamp, ctx), line, str(item.to) ?? str(item.to_user_id), `${path}.to`, ctx),
      kind: 'message.out',
      message_id: messageId,
      message_type: token(item.type) ?? 'unknown',
      sender_kind: 'app',
      agent_id: null,
      survey: false,
      ...(opts.storeText && text !== null ? { text } : {}),
    })
  }
}

function normaliseCalls(value: Obj, at: string, ctx: Ctx, out: CanonicalEvent[]): void {
  const line = lineOf(value, at)
  const items: Array<[Obj, string, string | null, string | null]> = [
    ...arr(value.calls).map((c, i): [unknown, string, string | null, string | null] => [c, `${at}.calls[${i}]`, isObj(c) ? token(c.event) : null, isObj(c) ? str(c.from) : null]),
    ...arr(value.statuses).map((s, i): [unknown, string, string | null, string | null] => [s, `${at}.statuses[${i}]`, isObj(s) ? (token(s.status)?.toLowerCase() ?? null) : null, isObj(s) ? str(s.recipient_id) : null]),
  ].filter((x): x is [Obj, string, string | null, string | null] => isObj(x[0]))
  for (const [item, path, event, customer] of items) {
    // Call ids (wacid.…) are keyed like wamids: they are Meta's encodings too.
    const callId = itemKey(item, `${path}.id`, ctx)
    out.push({
      ...envelope(`wa:call:${callId}:${event ?? 'unknown'}`, eventTime(item.timestamp, ctx), line, customer, `${path}.from`, ctx),
      kind: 'whatsapp.update',
      field: 'calls',
      event,
    })
  }
}

function normaliseUpdate(entry: Obj, field: string, value: Obj, at: string, ctx: Ctx, out: CanonicalEvent[]): void {
  // Keyed: the change holds display_phone_number and the like, and an unkeyed hash of a payload
  // this predictable could be searched for a number.
  const id = ctx.keyMessage(`upd|${str(entry.id)}|${field}|${JSON.stringify(value)}`)
  out.push({
    ...envelope(`wa:upd:${id}`, eventTime(value.timestamp ?? entry.time, ctx), lineOf(value, at), null, at, ctx),
    kind: 'whatsapp.update',
    field: token(field) ?? 'unknown',
    event: token(value.event),
  })
}

function normaliseErrors(value: Obj, field: string, at: string, ctx: Ctx, out: CanonicalEvent[]): void {
  const errors = waErrors(value.errors)
  if (errors.length === 0) return
  const base = ctx.keyMessage(`err|${field}|${JSON.stringify(value)}`)
  const time = eventTime(value.timestamp, ctx)
  for (const [i, error] of errors.entries()) {
    out.push({
      ...envelope(`wa:err:${base}:${i}`, time, lineOf(value, at), null, at, ctx),
      kind: 'whatsapp.error',
      field: token(field) ?? 'unknown',
      errors: [error],
    })
  }
}
