/**
 * Twilio's WhatsApp webhooks → canonical events. One request is one event: an inbound message
 * (Twilio's "A message comes in" webhook) or a status callback of a message the business sent
 * (a request with `MessageStatus`). docs/connect-twilio.md lists what each gives.
 *
 * Privacy as on the Meta path (docs/ingest.md "Privacy"): the customer's number becomes the same
 * keyed hash as a `wa_id` (digits, no `+`), SIDs are keyed like wamids, the business number is
 * replaced by its configured line, text travels only with DESKPULSE_STORE_TEXT.
 */
import type { CanonicalEvent, WaError } from '../../schemas/events.js'
import { ERRORS, ingestError } from '../errors.js'
import { messageKeyerOf, type CustomerKeyer, type MessageKeyer } from '../pii.js'
import { checkId } from '../limits.js'
import type { TextAnalyser } from '../whatsapp/normalise.js'
import { single, type TwilioForm } from './form.js'

export interface TwilioNormaliseOptions {
  keyCustomer: CustomerKeyer
  storeText: boolean
  /** Ingest time, ISO: also the event time, since Twilio's webhooks carry none. */
  receivedAt: string
  /** config adapters.twilio.numbers: `whatsapp:+…` business number → line. */
  numbers: Readonly<Record<string, string>>
  analyseText?: TextAnalyser
}

const PREFIX = 'whatsapp:'
/** Enum-like values (MessageType, MessageStatus): letters and underscores, as on the Meta path. */
const TOKEN = /^[A-Za-z][A-Za-z_]{0,63}$/
/** A run this long may be a phone number (E.164 numbers have 8–15 digits). */
const DIGIT_RUN = /\d{7,}/g
const MAX_TITLE = 256

/**
 * Twilio's message statuses → the canonical ones of KPIS.md "Delivery health". `undelivered`
 * (WhatsApp or the handset reported it could not be delivered) is a failure like Meta's `failed`.
 * The states before sending (accepted, scheduled, queued, sending) and `canceled` are kept under
 * their own names: the store has them, the delivery KPIs ignore them, as Meta sends nothing like them.
 */
const STATUS: Readonly<Record<string, string>> = { undelivered: 'failed' }
/** Statuses of messages the business received, not sent: such a request is an inbound message. */
const INBOUND_STATUSES = new Set(['received', 'receiving'])

/** Masks a business number for an error message: enough to recognise it, not to dial it. */
const mask = (address: string) => address.replace(/^(whatsapp:\+?\d{4})\d*(\d{3})$/, '$1…$2')

/** The party's id: a number loses `whatsapp:+` (the `wa_id` form); any other id is kept. */
function partyOf(form: TwilioForm, name: 'From' | 'To'): string {
  const address = single(form, name)
  if (address === null) throw ingestError(ERRORS.NOT_WHATSAPP, `${name}: missing`)
  if (!address.startsWith(PREFIX)) throw ingestError(ERRORS.NOT_WHATSAPP, `${name}: not a WhatsApp address (whatsapp:+…); only WhatsApp traffic is read here`)
  const id = address.slice(PREFIX.length).replace(/^\+(?=\d+$)/, '')
  if (id === '') throw ingestError(ERRORS.NOT_WHATSAPP, `${name}: no number after whatsapp:`)
  return checkId(id, name)
}

function lineOf(form: TwilioForm, name: 'From' | 'To', numbers: Readonly<Record<string, string>>): string {
  partyOf(form, name) // the same checks as the customer's address
  const address = single(form, name)!
  const line = Object.hasOwn(numbers, address) ? numbers[address] : undefined
  if (line === undefined) throw ingestError(ERRORS.UNKNOWN_NUMBER, `${name}: business number ${mask(address)} is not in config adapters.twilio.numbers`)
  return line
}

function sidOf(form: TwilioForm, keyMessage: MessageKeyer): string {
  const sid = single(form, 'MessageSid') ?? single(form, 'SmsSid')
  if (sid === null) throw ingestError(ERRORS.NOT_WHATSAPP, 'MessageSid: missing; not a Twilio messaging webhook')
  return keyMessage(checkId(sid, 'MessageSid'))
}

function token(v: string | null): string | null {
  return v !== null && TOKEN.test(v) ? v.toLowerCase() : null
}

/** Meta's types where Twilio does not say (older webhooks have no MessageType). */
function messageTypeOf(form: TwilioForm): string {
  const declared = token(single(form, 'MessageType'))
  if (declared) return declared
  if (Number(single(form, 'NumMedia') ?? 0) > 0) {
    const major = (single(form, 'MediaContentType0') ?? '').split('/')[0]
    return major === 'image' || major === 'video' || major === 'audio' ? major : 'document'
  }
  if (single(form, 'Latitude') !== null) return 'location'
  if (single(form, 'ButtonPayload') !== null) return 'button'
  return 'text'
}

/** Quick-reply payloads and list ids are the business's menu ids, kept unless they may hold a number. */
function replyIdOf(form: TwilioForm, keyMessage: MessageKeyer): string | null {
  const id = single(form, 'ButtonPayload') ?? single(form, 'ListId')
  if (id === null) return null
  checkId(id, 'ButtonPayload')
  return /\d{7,}/.test(id) ? keyMessage(id) : id
}

function errorsOf(form: TwilioForm): WaError[] {
  const raw = single(form, 'ErrorCode')
  if (raw === null || raw === '0') return []
  const code = Number(raw)
  const title = single(form, 'ErrorMessage')?.slice(0, MAX_TITLE).replace(DIGIT_RUN, '#')
  return [{ code: Number.isInteger(code) ? code : 0, ...(title ? { title } : {}) }]
}

export function normaliseTwilio(form: TwilioForm, opts: TwilioNormaliseOptions): CanonicalEvent[] {
  const keyMessage = messageKeyerOf(opts.keyCustomer)
  const messageId = sidOf(form, keyMessage)
  const rawStatus = single(form, 'MessageStatus')
  const inbound = rawStatus === null || INBOUND_STATUSES.has(rawStatus.toLowerCase())
  // Inbound: the customer writes From → To (the business). Status: the business sent From → To.
  const [customerField, lineField] = inbound ? (['From', 'To'] as const) : (['To', 'From'] as const)
  const customerId = partyOf(form, customerField)
  const line = lineOf(form, lineField, opts.numbers)
  const envelope = {
    v: 1 as const,
    at: opts.receivedAt,
    received_at: opts.receivedAt,
    source: 'twilio' as const,
    line,
    customer: opts.keyCustomer(line, customerId),
  }
  if (!inbound) {
    const lower = token(rawStatus) ?? 'unknown'
    const status = STATUS[lower] ?? lower
    return [{ ...envelope, id: `tw:st:${messageId}:${status}`, kind: 'message.status', message_id: messageId, status, errors: errorsOf(form), pricing_category: null, conversation_origin: null }]
  }
  const messageType = messageTypeOf(form)
  const text = single(form, 'Body')
  const digit = text !== null && /^\s*[1-5]\s*$/.test(text) ? Number(text.trim()) : null
  const contextSid = single(form, 'OriginalRepliedMessageSid')
  return [
    {
      ...envelope,
      id: `tw:in:${messageId}`,
      kind: 'message.in',
      message_id: messageId,
      message_type: messageType,
      reply_id: replyIdOf(form, keyMessage),
      context_id: contextSid === null ? null : keyMessage(checkId(contextSid, 'OriginalRepliedMessageSid')),
      digit,
      ...(opts.storeText && text !== null ? { text } : {}),
      ...(opts.analyseText && text !== null && messageType === 'text' ? opts.analyseText(text) : {}),
      errors: [],
    },
  ]
}
