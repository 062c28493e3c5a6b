/**
 * The helpdesk's own events, as POSTed to /v1/events (docs/architecture.md "Helpdesk events").
 * Unknown fields are allowed and kept; these schemas also document the route in OpenAPI.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { HelpdeskConversation } from './helpdesk.js'
import { Priority } from './sla-config.js'

/** No control characters in ids and labels: CR/LF would split a header, and they are metric labels. */
const PRINTABLE = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$'
const Text = (opts: { minLength?: number; maxLength: number; description?: string }) => Type.String({ ...opts, pattern: PRINTABLE })
const Id = Text({ minLength: 1, maxLength: 256, description: "the caller's idempotency key (stored keyed, never as sent)" })
const At = Type.String({ format: 'date-time', description: 'ISO-8601 event time' })
const Line = Type.String({ pattern: '^[\\x21-\\x7e]{1,32}$', description: 'phone_number_id of the line: 1–32 printable ASCII characters' })
const Customer = Text({ minLength: 1, maxLength: 256, description: 'wa_id, or the business-scoped user_id (stored keyed)' })
const AgentId = Text({ minLength: 1, maxLength: 128 })
const Team = Text({ minLength: 1, maxLength: 64 })

const base = <T extends string>(type: T) => ({ id: Id, type: Type.Literal(type), at: At })
const conversation = <T extends string>(type: T) => ({ ...base(type), line: Line, customer: Customer, helpdesk_conversation: Type.Optional(HelpdeskConversation) })
const open = { additionalProperties: true }

export const ApiMessageSent = Type.Object(
  {
    ...conversation('message.sent'),
    message_id: Type.Optional(Text({ minLength: 1, maxLength: 256, description: 'the wamid the Cloud API returned (stored keyed)' })),
    message_type: Type.Optional(Text({ minLength: 1, maxLength: 32 })),
    sender: Type.Object(
      {
        kind: Type.Union([Type.Literal('agent'), Type.Literal('bot'), Type.Literal('automation')]),
        agent_id: Type.Optional(AgentId),
      },
      open,
    ),
    survey: Type.Optional(Type.Boolean()),
    text: Type.Optional(Type.String()),
  },
  open,
)

export const ApiConversationAssigned = Type.Object(
  { ...conversation('conversation.assigned'), agent_id: AgentId, team: Type.Optional(Team) },
  open,
)

export const ApiConversationResolved = Type.Object(
  {
    ...conversation('conversation.resolved'),
    by: Type.Object(
      {
        kind: Type.Union([Type.Literal('agent'), Type.Literal('bot'), Type.Literal('automation')]),
        agent_id: Type.Optional(AgentId),
      },
      open,
    ),
  },
  open,
)

export const ApiConversationTagged = Type.Object(
  { ...conversation('conversation.tagged'), category: Text({ minLength: 1, maxLength: 64 }) },
  open,
)

export const ApiConversationPrioritised = Type.Object(
  {
    ...conversation('conversation.prioritised'),
    priority: Priority,
    tier: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$', description: 'customer tier, e.g. vip: lowercase letters, digits, - and _' })),
  },
  open,
)

export const ApiBotHandoff = Type.Object({ ...conversation('bot.handoff'), team: Type.Optional(Team) }, open)

export const ApiCsatResponse = Type.Object(
  { ...conversation('csat.response'), score: Type.Integer({ minimum: 1, maximum: 5 }) },
  open,
)

export const ApiAgentStatus = Type.Object(
  {
    ...base('agent.status'),
    agent_id: AgentId,
    team: Type.Optional(Team),
    status: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]),
    capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  open,
)

/** Each event type and its schema: validation picks the schema by `type`. */
export const API_EVENT_SCHEMAS = {
  'message.sent': ApiMessageSent,
  'conversation.assigned': ApiConversationAssigned,
  'conversation.resolved': ApiConversationResolved,
  'conversation.tagged': ApiConversationTagged,
  'conversation.prioritised': ApiConversationPrioritised,
  'bot.handoff': ApiBotHandoff,
  'csat.response': ApiCsatResponse,
  'agent.status': ApiAgentStatus,
} as const satisfies Record<string, TSchema>

export type ApiEventType = keyof typeof API_EVENT_SCHEMAS
export const ApiEvent = Type.Union(Object.values(API_EVENT_SCHEMAS))
export type ApiEvent = Static<typeof ApiEvent>

export const MAX_EVENTS_PER_REQUEST = 1000
export const ApiEventsBody = Type.Union([ApiEvent, Type.Array(ApiEvent, { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST })], {
  description: `one event, or an array of at most ${MAX_EVENTS_PER_REQUEST}`,
})

export const ApiEventsReply = Type.Object({
  accepted: Type.Integer({ description: 'events acknowledged by the bus (duplicates included)' }),
  duplicates: Type.Integer({ description: 'events the bus had already stored (same id)' }),
})
export const ApiErrorReply = Type.Object({ error: Type.String(), message: Type.String() })
