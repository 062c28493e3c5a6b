/** Helpdesk API events → canonical events (schemas/events.ts). */
import type { ApiEvent } from '../../schemas/api-events.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { messageKeyerOf, type CustomerKeyer } from '../pii.js'

export interface HelpdeskNormaliseOptions {
  keyCustomer: CustomerKeyer
  storeText: boolean
  receivedAt: string
}

/** Fields each type interprets; everything else is kept in `attributes`. */
const KNOWN = new Set(['id', 'type', 'at', 'line', 'customer', 'message_id', 'message_type', 'sender', 'survey', 'text', 'agent_id', 'team', 'by', 'category', 'score', 'status', 'capacity', 'helpdesk_conversation', 'priority', 'tier'])

/**
 * The event id and `message_id` are keyed like the webhook's wamids (ingest/pii.ts): helpdesks
 * often use the wamid the Cloud API returned as both, and a wamid holds the customer's number.
 * The same key makes this `message_id` equal the webhook statuses' for that wamid.
 */
export function normaliseApiEvent(e: ApiEvent, opts: HelpdeskNormaliseOptions): CanonicalEvent {
  const keyMessage = messageKeyerOf(opts.keyCustomer)
  const extra = Object.fromEntries(Object.entries(e).filter(([k]) => !KNOWN.has(k)))
  const envelope = {
    v: 1 as const,
    id: `api:${keyMessage(e.id)}`,
    at: new Date(e.at).toISOString(),
    received_at: opts.receivedAt,
    source: 'api' as const,
    line: 'line' in e ? e.line : null,
    customer: 'customer' in e ? opts.keyCustomer(e.line, e.customer) : null,
    // Conversation events only (validated there); on agent.status it is neither read nor kept.
    ...('customer' in e && e.helpdesk_conversation !== undefined ? { helpdesk_conversation: e.helpdesk_conversation } : {}),
    ...(Object.keys(extra).length ? { attributes: extra } : {}),
  }
  switch (e.type) {
    case 'message.sent':
      return {
        ...envelope,
        kind: 'message.out',
        message_id: e.message_id === undefined ? null : keyMessage(e.message_id),
        message_type: e.message_type ?? 'text',
        sender_kind: e.sender.kind,
        agent_id: e.sender.agent_id ?? null,
        survey: e.survey === true,
        ...(opts.storeText && e.text !== undefined ? { text: e.text } : {}),
      }
    case 'conversation.assigned':
      return { ...envelope, kind: 'conversation.assigned', agent_id: e.agent_id, team: e.team ?? null }
    case 'conversation.resolved':
      return { ...envelope, kind: 'conversation.resolved', by_kind: e.by.kind, agent_id: e.by.agent_id ?? null }
    case 'conversation.tagged':
      return { ...envelope, kind: 'conversation.tagged', category: e.category }
    case 'conversation.prioritised':
      return { ...envelope, kind: 'conversation.prioritised', priority: e.priority, tier: e.tier ?? null }
    case 'bot.handoff':
      return { ...envelope, kind: 'bot.handoff', team: e.team ?? null }
    case 'csat.response':
      return { ...envelope, kind: 'csat.response', score: e.score }
    case 'agent.status':
      return { ...envelope, kind: 'agent.status', agent_id: e.agent_id, team: e.team ?? null, status: e.status, capacity: e.capacity ?? 3 }
  }
}
