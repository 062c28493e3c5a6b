/**
 * Chatwoot webhook event → canonical events (docs/connect-chatwoot.md "What deskpulse derives").
 *
 * The customer and the WhatsApp message ids are keyed exactly as on the Meta route, so a
 * deployment that sends both feeds sees one conversation, and a customer message that arrives
 * both from Meta and from Chatwoot (`source_id` is its wamid) has one event id, `wa:in:<key>`:
 * the bus and the processor's dedup keep the first and drop the second.
 */
import type { CanonicalEvent, SenderKind } from '../../schemas/events.js'
import { ERRORS, ingestError } from '../errors.js'
import { messageKeyerOf, type CustomerKeyer, type MessageKeyer } from '../pii.js'
import { checkId } from '../limits.js'
import type { TextAnalyser } from '../whatsapp/normalise.js'
import { DEFAULT_MAX_FUTURE_SKEW_SECONDS } from '../whatsapp/normalise.js'
import { checkConversationEvent, checkMessageEvent, ChatwootEventName, fieldOf, type ChatwootConversationEvent, type ChatwootMessageEvent } from './payload.js'
import { customerOf, rawCustomerOf } from './customer.js'
import { helpdeskConversationProblem } from '../../schemas/helpdesk.js'
import { Value } from '@sinclair/typebox/value'

export interface ChatwootNormaliseOptions {
  keyCustomer: CustomerKeyer
  storeText: boolean
  /** `adapters.chatwoot.inboxes`: Chatwoot inbox id → line. */
  inboxes: Readonly<Record<string, string>>
  receivedAt: string
  analyseText?: TextAnalyser
  maxFutureSkewSeconds?: number
  onTimestampClamped?: (reason: 'future' | 'invalid') => void
}

/** What a webhook became: the events to publish, or why it derives none. */
export type ChatwootOutcome = { events: CanonicalEvent[]; ignored: null } | { events: []; ignored: IgnoredReason }
export type IgnoredReason = 'unknown_inbox' | 'event' | 'private' | 'activity' | 'no_change'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const ignore = (reason: IgnoredReason): ChatwootOutcome => ({ events: [], ignored: reason })
/** Team names and labels become metric labels and categories: short and printable, or nothing. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const LABEL = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{1,64}$/
const label = (v: unknown): string | null => (typeof v === 'string' && LABEL.test(v) ? v : null)

/** Chatwoot's `message_type`: a name in webhook_data, the enum's integer in push_event_data. */
const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const
/** Chatwoot attachment file types → WhatsApp message types, so both feeds name them alike. */
const FILE_TYPES: Record<string, string> = { image: 'image', audio: 'audio', video: 'video', file: 'document', location: 'location', contact: 'contacts' }

interface Ctx {
  opts: ChatwootNormaliseOptions
  keyMessage: MessageKeyer
  receivedMs: number
  maxFutureMs: number
  /** Chatwoot's display id of the webhook's conversation, when it may be stored (helpdeskConversationOf). */
  helpdesk: string | null
}

export function normaliseChatwoot(body: unknown, opts: ChatwootNormaliseOptions): ChatwootOutcome {
  if (!Value.Check(ChatwootEventName, body)) throw ingestError(ERRORS.NOT_CHATWOOT, 'body must be a JSON object with an "event" name')
  const ctx: Ctx = {
    opts,
    keyMessage: messageKeyerOf(opts.keyCustomer),
    receivedMs: Date.parse(opts.receivedAt),
    maxFutureMs: (opts.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS) * 1000,
    helpdesk: null,
  }
  const event = (body as { event: string }).event
  if (event === 'message_created' || event === 'message_updated') {
    if (!checkMessageEvent.Check(body)) throw shapeError(event, checkMessageEvent.Errors(body).First())
    return normaliseMessage(body, ctx)
  }
  if (event === 'conversation_status_changed' || event === 'conversation_updated' || event === 'conversation_created') {
    if (!checkConversationEvent.Check(body)) throw shapeError(event, checkConversationEvent.Errors(body).First())
    return normaliseConversation(body, ctx)
  }
  // contact_*, inbox_*, webwidget_triggered, typing, …: nothing a KPI needs.
  return ignore('event')
}

function shapeError(event: string, first: { path: string; message: string } | undefined) {
  return ingestError(ERRORS.NOT_CHATWOOT, `${event}: ${first ? `${fieldOf(first.path)}: ${first.message}` : 'unexpected shape'}`)
}

/** Chatwoot times: ISO text (webhook_data) or Unix seconds, fractional for `updated_at`. */
function eventTime(v: unknown, ctx: Ctx): string {
  if (v === undefined || v === null) return ctx.opts.receivedAt
  const ms = typeof v === 'number' ? v * 1000 : /^\d+(\.\d+)?$/.test(String(v)) ? Number(v) * 1000 : Date.parse(String(v))
  if (!Number.isFinite(ms) || ms <= 0) {
    ctx.opts.onTimestampClamped?.('invalid')
    return ctx.opts.receivedAt
  }
  // Clamped like a WhatsApp item time (docs/ingest.md "Event time"): the request is signed and
  // a retry would carry the same time.
  if (ms > ctx.receivedMs + ctx.maxFutureMs) {
    ctx.opts.onTimestampClamped?.('future')
    return ctx.opts.receivedAt
  }
  return new Date(ms).toISOString()
}

function envelope(id: string, at: string, line: string, customer: string | null, ctx: Ctx) {
  return { v: 1 as const, id, at, received_at: ctx.opts.receivedAt, source: 'chatwoot' as const, line, customer, ...(ctx.helpdesk === null ? {} : { helpdesk_conversation: ctx.helpdesk }) }
}

/**
 * The conversation's display id, the number in Chatwoot's conversation URLs
 * (`/app/accounts/<account>/conversations/<display id>`), for deep links (docs/connect-chatwoot.md).
 * One that could be a phone number is left out, never stored; the events still count.
 */
function helpdeskConversationOf(b: ChatwootMessageEvent | ChatwootConversationEvent): string | null {
  const id = String(b.event.startsWith('message_') ? (b as ChatwootMessageEvent).conversation.id : (b as ChatwootConversationEvent).id)
  return helpdeskConversationProblem(id, rawCustomerOf(b)) === null ? id : null
}

const lineOf = (inbox: unknown, ctx: Ctx): string | null => (inbox === undefined || inbox === null ? null : (ctx.opts.inboxes[String(inbox)] ?? null))
const accountOf = (b: { account?: { id: unknown } | undefined; account_id?: unknown }): string => String(b.account?.id ?? b.account_id ?? '0')
const isWhatsapp = (channel: unknown) => channel === 'Channel::Whatsapp'

function normaliseMessage(b: ChatwootMessageEvent, ctx: Ctx): ChatwootOutcome {
  const line = lineOf(b.inbox?.id ?? b.conversation.inbox_id, ctx)
  if (line === null) return ignore('unknown_inbox')
  // Private notes are agents talking among themselves: the customer never sees them.
  if (b.private === true) return ignore('private')
  const type = typeof b.message_type === 'number' ? MESSAGE_TYPES[b.message_type] : b.message_type
  if (type !== 'incoming' && type !== 'outgoing' && type !== 'template') return ignore('activity')
  const customer = customerOf(b, line, ctx.opts.keyCustomer)
  ctx.helpdesk = helpdeskConversationOf(b)
  const attrs = isObj(b.content_attributes) ? b.content_attributes : {}
  // A WhatsApp message's source_id is its wamid: keyed like the Meta route keys it.
  const wamid = isWhatsapp(b.conversation.channel) && b.source_id ? checkId(b.source_id, 'source_id') : null
  const account = accountOf(b)
  if (b.event === 'message_updated') return messageUpdate(b, attrs, line, customer, wamid, account, ctx)
  const at = eventTime(b.created_at, ctx)
  const text = b.content ?? null
  if (type === 'incoming') {
    const messageId = ctx.keyMessage(wamid ?? `chatwoot:${account}:${b.id}`)
    const context = typeof attrs.in_reply_to_external_id === 'string' ? attrs.in_reply_to_external_id : null
    const messageType = b.attachments?.length ? (FILE_TYPES[b.attachments[0]!.file_type ?? ''] ?? 'unknown') : 'text'
    return {
      ignored: null,
      events: [
        {
          ...envelope(wamid ? `wa:in:${messageId}` : `cw:in:${messageId}`, at, line, customer, ctx),
          kind: 'message.in',
          message_id: messageId,
          message_type: messageType,
          // Chatwoot keeps a button or list reply's title, not its id (Whatsapp::IncomingMessageBaseService).
          reply_id: null,
          context_id: context === null ? null : ctx.keyMessage(checkId(context, 'content_attributes.in_reply_to_external_id')),
          digit: messageType === 'text' && text !== null && /^\s*[1-5]\s*$/.test(text) ? Number(text.trim()) : null,
          ...(ctx.opts.storeText && text !== null ? { text } : {}),
          ...(ctx.opts.analyseText && text !== null && messageType === 'text' ? ctx.opts.analyseText(text) : {}),
          errors: [],
        },
      ],
    }
  }
  const { kind, agentId } = senderOf(b, type)
  const survey = b.content_type === 'input_csat'
  return {
    ignored: null,
    events: [
      {
        ...envelope(`cw:out:${account}:${b.id}`, at, line, customer, ctx),
        kind: 'message.out',
        // Set only when Chatwoot already has the wamid; message_updated brings it later (statuses).
        message_id: wamid === null ? null : ctx.keyMessage(wamid),
        message_type: type === 'template' ? 'template' : b.attachments?.length ? (FILE_TYPES[b.attachments[0]!.file_type ?? ''] ?? 'unknown') : 'text',
        sender_kind: survey ? 'automation' : kind,
        agent_id: survey ? null : agentId,
        survey,
        ...(ctx.opts.storeText && text !== null ? { text } : {}),
      },
    ],
  }
}

/**
 * Who wrote a business message: a `user` is a human agent, an `agent_bot` (or Captain, Chatwoot's
 * AI assistant) a bot; no sender is Chatwoot itself (automation rules, campaigns, templates,
 * surveys) and counts as automation (KPIS.md "Sender kinds").
 */
function senderOf(b: ChatwootMessageEvent, type: string): { kind: SenderKind; agentId: string | null } {
  const sender = b.sender
  const t = sender?.type?.toLowerCase() ?? null
  if (type === 'template' || sender === null || sender === undefined) return { kind: 'automation', agentId: null }
  if (t === 'user') return { kind: 'agent', agentId: sender.id === undefined ? null : String(sender.id) }
  if (t === 'agent_bot' || t === 'agentbot' || t === 'captain_assistant' || t === 'captain::assistant') return { kind: 'bot', agentId: null }
  return { kind: 'automation', agentId: null }
}

/** message_updated: a CSAT rating (Chatwoot's own survey), or a WhatsApp delivery status. */
function messageUpdate(b: ChatwootMessageEvent, attrs: Obj, line: string, customer: string | null, wamid: string | null, account: string, ctx: Ctx): ChatwootOutcome {
  const submitted = isObj(attrs.submitted_values) ? attrs.submitted_values : {}
  const response = isObj(submitted.csat_survey_response) ? submitted.csat_survey_response : null
  const rating = response?.rating
  if (b.content_type === 'input_csat' && typeof rating === 'number' && Number.isInteger(rating) && rating >= 1 && rating <= 5) {
    // The rating is in the id: a retry is one response, a changed rating a newer one.
    const at = eventTime(b.updated_at ?? b.conversation.updated_at ?? null, ctx)
    return { ignored: null, events: [{ ...envelope(`cw:csat:${account}:${b.id}:${rating}`, at, line, customer, ctx), kind: 'csat.response', score: rating }] }
  }
  const status = typeof b.status === 'string' ? b.status.toLowerCase() : null
  if (wamid !== null && (status === 'sent' || status === 'delivered' || status === 'read' || status === 'failed')) {
    const messageId = ctx.keyMessage(wamid)
    const at = eventTime(b.updated_at ?? b.conversation.updated_at ?? null, ctx)
    return {
      ignored: null,
      events: [
        {
          // The Meta route's id for the same status: whichever feed comes second is a duplicate.
          ...envelope(`wa:st:${messageId}:${status}`, at, line, customer, ctx),
          kind: 'message.status',
          message_id: messageId,
          status,
          errors: [],
          pricing_category: null,
          conversation_origin: null,
        },
      ],
    }
  }
  return ignore('no_change')
}

/** Chatwoot's conversation priority → deskpulse's (none and medium are normal). */
const CHATWOOT_PRIORITY: Record<string, 'low' | 'normal' | 'high' | 'urgent'> = { low: 'low', medium: 'normal', high: 'high', urgent: 'urgent' }

/** `changed_attributes` is a list of `{ attribute: { previous_value, current_value } }`. */
function changeOf(b: ChatwootConversationEvent, attribute: string): { previous: unknown; current: unknown } | null {
  for (const c of b.changed_attributes ?? []) {
    const v = c[attribute]
    if (v) return { previous: v.previous_value ?? null, current: v.current_value ?? null }
  }
  return null
}

function normaliseConversation(b: ChatwootConversationEvent, ctx: Ctx): ChatwootOutcome {
  const line = lineOf(b.inbox_id, ctx)
  if (line === null) return ignore('unknown_inbox')
  // KPIS.md "Entities": a conversation opens at the customer's first message, not when Chatwoot
  // creates its record, so conversation_created derives nothing.
  if (b.event === 'conversation_created') return ignore('no_change')
  const customer = customerOf(b, line, ctx.opts.keyCustomer)
  ctx.helpdesk = helpdeskConversationOf(b)
  const conv = `${accountOf(b)}:${b.id}`
  // updated_at changes with every change of the record: one id per transition, the same on retries.
  const stamp = String(b.updated_at ?? b.timestamp ?? '')
  const at = eventTime(b.updated_at ?? b.timestamp ?? null, ctx)
  const assignee = b.meta?.assignee
  const agentId = assignee?.id === undefined ? null : String(assignee.id)
  const team = label(b.meta?.team?.name)
  const events: CanonicalEvent[] = []
  if (b.event === 'conversation_status_changed') {
    const previous = changeOf(b, 'status')?.previous ?? null
    if (b.status === 'resolved') {
      // A conversation an agent bot holds is `pending` in Chatwoot: resolved from there, the bot
      // resolved it; an assignee resolved it otherwise; with neither, Chatwoot's automation did
      // (auto-resolve after inactivity, an automation rule).
      const byKind = previous === 'pending' ? 'bot' : agentId !== null ? 'agent' : 'automation'
      events.push({ ...envelope(`cw:res:${conv}:${stamp}`, at, line, customer, ctx), kind: 'conversation.resolved', by_kind: byKind, agent_id: byKind === 'agent' ? agentId : null })
    } else if (b.status === 'open' && previous === 'pending') {
      // The bot hands over by opening the conversation to the agents (KPIS.md "Bot phase").
      events.push({ ...envelope(`cw:hand:${conv}:${stamp}`, at, line, customer, ctx), kind: 'bot.handoff', team })
    }
    // pending, snoozed, or open again after resolution: the customer's next message decides (reopen).
  } else {
    const assigned = changeOf(b, 'assignee_id')
    if (assigned && assigned.current !== null && agentId !== null) {
      events.push({ ...envelope(`cw:asg:${conv}:${agentId}:${stamp}`, at, line, customer, ctx), kind: 'conversation.assigned', agent_id: agentId, team })
    }
    const labels = changeOf(b, 'label_list')
    if (labels && Array.isArray(labels.current)) {
      const before = new Set(Array.isArray(labels.previous) ? labels.previous : [])
      const added = labels.current.map(label).find((l) => l !== null && !before.has(l))
      if (added) events.push({ ...envelope(`cw:tag:${conv}:${added}:${stamp}`, at, line, customer, ctx), kind: 'conversation.tagged', category: added })
    }
    // Chatwoot's priorities: null (none), low, medium, high, urgent (docs/sla.md).
    const priority = changeOf(b, 'priority')
    if (priority) {
      const p = CHATWOOT_PRIORITY[String(priority.current ?? '')] ?? 'normal'
      events.push({ ...envelope(`cw:pri:${conv}:${p}:${stamp}`, at, line, customer, ctx), kind: 'conversation.prioritised', priority: p, tier: null })
    }
  }
  return events.length ? { events, ignored: null } : ignore('no_change')
}
