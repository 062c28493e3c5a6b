/**
 * The one canonical event of deskpulse, and the helpdesk API's input events.
 * Types are derived from these schemas (Static<>), never written twice.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { HelpdeskConversation } from './helpdesk.js'
import { Priority } from './sla-config.js'

const IsoTime = Type.String({ format: 'date-time', description: 'ISO-8601 time' })
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])

export const SenderKind = Type.Union(
  [Type.Literal('customer'), Type.Literal('agent'), Type.Literal('bot'), Type.Literal('automation'), Type.Literal('app')],
  { description: 'who wrote a message (docs/kpis.md "Sender kinds")' },
)
export type SenderKind = Static<typeof SenderKind>

export const WaError = Type.Object({
  code: Type.Integer(),
  title: Type.Optional(Type.String()),
})
export type WaError = Static<typeof WaError>

/** Fields every canonical event carries. `customer` is the keyed hash of docs/kpis.md, never a number. */
const Envelope = {
  v: Type.Literal(1),
  id: Type.String({ description: 'dedup key, also the Nats-Msg-Id' }),
  at: IsoTime,
  received_at: IsoTime,
  /** Who delivered it: Meta's webhook, the helpdesk API, a helpdesk's webhook (Chatwoot), or another WhatsApp provider's webhook. */
  source: Type.Union([Type.Literal('whatsapp'), Type.Literal('api'), Type.Literal('chatwoot'), Type.Literal('twilio'), Type.Literal('360dialog')]),
  line: Nullable(Type.String()),
  customer: Nullable(Type.String()),
  /**
   * The helpdesk's own id of the conversation (Chatwoot's display id), when the source knows it:
   * the core keeps the latest per conversation for deep links (docs/events.md).
   */
  helpdesk_conversation: Type.Optional(HelpdeskConversation),
  /** Fields of a helpdesk event that deskpulse does not interpret, kept as sent. */
  attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}

export const MessageIn = Type.Object({
  ...Envelope,
  kind: Type.Literal('message.in'),
  message_id: Type.String(),
  message_type: Type.String({ description: 'WhatsApp message type: text, image, interactive, button, reaction, unsupported, unknown, …' }),
  /** Id of an interactive button/list reply or a template quick-reply payload. */
  reply_id: Nullable(Type.String()),
  /** The message this one replies to (context.id). */
  context_id: Nullable(Type.String()),
  /** A text that is just one digit 1–5 (CSAT answers, docs/kpis.md "Outcomes"). */
  digit: Nullable(Type.Integer({ minimum: 1, maximum: 5 })),
  /** Message text, only when DESKPULSE_STORE_TEXT=true. */
  text: Type.Optional(Type.String()),
  /** Sentiment of the text in [−1, 1], computed in the ingest (null: no sentiment words). */
  sentiment: Type.Optional(Nullable(Type.Number({ minimum: -1, maximum: 1 }))),
  /** Category from the configured keyword rules, computed in the ingest from the text. */
  keyword_category: Type.Optional(Nullable(Type.String())),
  errors: Type.Array(WaError),
})

export const MessageOut = Type.Object({
  ...Envelope,
  kind: Type.Literal('message.out'),
  message_id: Nullable(Type.String()),
  message_type: Type.String(),
  sender_kind: SenderKind,
  agent_id: Nullable(Type.String()),
  survey: Type.Boolean(),
  text: Type.Optional(Type.String()),
})

export const MessageStatus = Type.Object({
  ...Envelope,
  kind: Type.Literal('message.status'),
  message_id: Type.String(),
  status: Type.String({ description: 'sent, delivered, read, failed, played, deleted, …' }),
  errors: Type.Array(WaError),
  pricing_category: Nullable(Type.String()),
  conversation_origin: Nullable(Type.String()),
})

export const ConversationAssigned = Type.Object({
  ...Envelope,
  kind: Type.Literal('conversation.assigned'),
  agent_id: Type.String(),
  team: Nullable(Type.String()),
})

export const ConversationResolved = Type.Object({
  ...Envelope,
  kind: Type.Literal('conversation.resolved'),
  by_kind: Type.Union([Type.Literal('agent'), Type.Literal('bot'), Type.Literal('automation')]),
  agent_id: Nullable(Type.String()),
})

export const ConversationTagged = Type.Object({
  ...Envelope,
  kind: Type.Literal('conversation.tagged'),
  category: Type.String(),
})

/** A chat's priority and tier (docs/sla.md): they choose its SLA policy. */
export const ConversationPrioritised = Type.Object({
  ...Envelope,
  kind: Type.Literal('conversation.prioritised'),
  priority: Priority,
  /** A short customer tier such as `vip`, or null for none. */
  tier: Nullable(Type.String()),
})

export const BotHandoff = Type.Object({
  ...Envelope,
  kind: Type.Literal('bot.handoff'),
  team: Nullable(Type.String()),
})

export const CsatResponse = Type.Object({
  ...Envelope,
  kind: Type.Literal('csat.response'),
  score: Type.Integer({ minimum: 1, maximum: 5 }),
})

export const AgentStatus = Type.Object({
  ...Envelope,
  kind: Type.Literal('agent.status'),
  agent_id: Type.String(),
  team: Nullable(Type.String()),
  status: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]),
  capacity: Type.Integer({ minimum: 1 }),
})

/**
 * Account-level webhook fields (account_update, template updates, quality, calls, …): kept as
 * events of their own kind so the store has the history; the KPI core ignores them.
 */
export const WhatsappUpdate = Type.Object({
  ...Envelope,
  kind: Type.Literal('whatsapp.update'),
  field: Type.String(),
  event: Nullable(Type.String()),
})

/** Value-level `errors[]` of a webhook (errors not tied to one message). */
export const WhatsappError = Type.Object({
  ...Envelope,
  kind: Type.Literal('whatsapp.error'),
  field: Type.String(),
  errors: Type.Array(WaError),
})

export const CanonicalEvent = Type.Union([
  MessageIn,
  MessageOut,
  MessageStatus,
  ConversationAssigned,
  ConversationResolved,
  ConversationTagged,
  ConversationPrioritised,
  BotHandoff,
  CsatResponse,
  AgentStatus,
  WhatsappUpdate,
  WhatsappError,
])
export type CanonicalEvent = Static<typeof CanonicalEvent>
export type EventKind = CanonicalEvent['kind']
