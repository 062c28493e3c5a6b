/**
 * The parts of Chatwoot's webhook payloads that deskpulse reads, as TypeBox schemas (types are
 * derived from them). Shapes from chatwoot/chatwoot: `Message#webhook_data` (app/models/message.rb),
 * `Conversations::EventDataPresenter#push_data` (the conversation object),
 * `Contact#push_event_data`, app/listeners/webhook_listener.rb (event name, `changed_attributes`);
 * test/fixtures/README.md cites the versions. Everything else Chatwoot sends is allowed and
 * ignored: Chatwoot adds fields between versions.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

const open = { additionalProperties: true }
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
/** Chatwoot ids are integers; a proxy or an old version may send them as strings of digits. */
const IdValue = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]{1,20}$' })])
/** `created_at` is ISO 8601 in webhook_data, Unix seconds in push_event_data shapes. */
const Time = Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Number()])

export const ChatwootContact = Type.Object(
  {
    id: Type.Optional(IdValue),
    type: Type.Optional(Nullable(Type.String())),
    phone_number: Type.Optional(Nullable(Type.String())),
    identifier: Type.Optional(Nullable(Type.String())),
  },
  open,
)

const Named = Type.Object({ id: Type.Optional(IdValue), name: Type.Optional(Nullable(Type.String())) }, open)

/** The conversation object (`Conversations::EventDataPresenter#push_data`); `id` is the display id. */
const conversationProperties = {
  id: IdValue,
  channel: Type.Optional(Nullable(Type.String())),
  status: Type.Optional(Nullable(Type.String())),
  contact_inbox: Type.Optional(Nullable(Type.Object({ source_id: Type.Optional(Nullable(Type.String())) }, open))),
  meta: Type.Optional(
    Type.Object(
      {
        sender: Type.Optional(Nullable(ChatwootContact)),
        assignee: Type.Optional(Nullable(Named)),
        team: Type.Optional(Nullable(Named)),
      },
      open,
    ),
  ),
  updated_at: Type.Optional(Time),
  timestamp: Type.Optional(Time),
}

export const ChatwootConversation = Type.Object({ ...conversationProperties, inbox_id: Type.Optional(IdValue) }, open)

const Account = Type.Object({ id: IdValue }, open)

export const ChatwootMessageEvent = Type.Object(
  {
    event: Type.Union([Type.Literal('message_created'), Type.Literal('message_updated')]),
    id: IdValue,
    content: Type.Optional(Nullable(Type.String())),
    created_at: Type.Optional(Time),
    updated_at: Type.Optional(Time),
    message_type: Type.Union([Type.String(), Type.Integer()]),
    content_type: Type.Optional(Nullable(Type.String())),
    private: Type.Optional(Nullable(Type.Boolean())),
    content_attributes: Type.Optional(Nullable(Type.Unknown())),
    source_id: Type.Optional(Nullable(Type.String())),
    status: Type.Optional(Nullable(Type.String())),
    sender: Type.Optional(Nullable(ChatwootContact)),
    attachments: Type.Optional(Type.Array(Type.Object({ file_type: Type.Optional(Type.String()) }, open))),
    inbox: Type.Optional(Nullable(Named)),
    conversation: ChatwootConversation,
    account: Type.Optional(Account),
  },
  open,
)
export type ChatwootMessageEvent = Static<typeof ChatwootMessageEvent>

const Change = Type.Record(Type.String(), Type.Object({ previous_value: Type.Optional(Type.Unknown()), current_value: Type.Optional(Type.Unknown()) }, open))

/** conversation_created / _updated / _status_changed: the conversation object with the event name. */
export const ChatwootConversationEvent = Type.Object(
  {
    ...conversationProperties,
    event: Type.Union([Type.Literal('conversation_created'), Type.Literal('conversation_updated'), Type.Literal('conversation_status_changed')]),
    inbox_id: IdValue,
    changed_attributes: Type.Optional(Nullable(Type.Array(Change))),
    account: Type.Optional(Account),
    account_id: Type.Optional(IdValue),
  },
  open,
)
export type ChatwootConversationEvent = Static<typeof ChatwootConversationEvent>

export const ChatwootEventName = Type.Object({ event: Type.String({ minLength: 1, maxLength: 64 }) }, open)

export const checkMessageEvent = TypeCompiler.Compile(ChatwootMessageEvent)
export const checkConversationEvent = TypeCompiler.Compile(ChatwootConversationEvent)

/** `/conversation/meta/sender` → `conversation.meta.sender` */
export const fieldOf = (path: string) => path.split('/').filter(Boolean).join('.') || '(body)'
