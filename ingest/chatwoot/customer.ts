/**
 * The customer of a Chatwoot event, keyed like WhatsApp's `wa_id` (KPIS.md "Entities") so both
 * feeds meet in one conversation.
 *
 * On a WhatsApp inbox (`Channel::Whatsapp`) the contact inbox's `source_id` is the `wa_id` exactly
 * as Meta sends it (digits, no "+"), so it is preferred: in some countries the number a contact
 * is saved with differs from the wa_id (Brazil's ninth digit). Otherwise the contact's
 * `phone_number` (E.164, "+39 333 …") reduced to its digits, the form of a wa_id; then the
 * contact's `identifier`; then Chatwoot's own contact id, which only Chatwoot's feed knows.
 */
import type { CustomerKeyer } from '../pii.js'
import { checkId } from '../limits.js'
import type { ChatwootConversationEvent, ChatwootMessageEvent } from './payload.js'

/** "+39 333-123 4567" → "393331234567"; null unless 6–20 digits remain (a number, not a short code). */
export function waIdOfPhone(phone: string | null | undefined): string | null {
  if (typeof phone !== 'string') return null
  const trimmed = phone.trim()
  if (!/^\+?[0-9 ()./-]+$/.test(trimmed)) return null
  const digits = trimmed.replace(/\D/g, '')
  return digits.length >= 6 && digits.length <= 20 ? digits : null
}

type Conversation = ChatwootMessageEvent['conversation'] | ChatwootConversationEvent

/** The customer's id before keying (a wa_id, the contact's identifier, or Chatwoot's contact id), or null. */
export function rawCustomerOf(b: ChatwootMessageEvent | ChatwootConversationEvent): string | null {
  const conversation: Conversation = 'conversation' in b && b.event.startsWith('message_') ? (b as ChatwootMessageEvent).conversation : (b as ChatwootConversationEvent)
  const source = conversation.contact_inbox?.source_id
  if (conversation.channel === 'Channel::Whatsapp' && typeof source === 'string' && /^[0-9]{6,20}$/.test(source)) return source
  const contact = conversation.meta?.sender ?? ('sender' in b && b.sender?.type === 'contact' ? b.sender : null)
  const fromPhone = waIdOfPhone(contact?.phone_number) ?? (b.event.startsWith('message_') && (b as ChatwootMessageEvent).sender?.type === 'contact' ? waIdOfPhone((b as ChatwootMessageEvent).sender?.phone_number) : null)
  if (fromPhone !== null) return fromPhone
  if (typeof contact?.identifier === 'string' && contact.identifier.length > 0) return checkId(contact.identifier, 'contact identifier')
  if (contact?.id !== undefined) return `chatwoot-contact:${String(contact.id)}`
  return null
}

export function customerOf(b: ChatwootMessageEvent | ChatwootConversationEvent, line: string, keyCustomer: CustomerKeyer): string | null {
  const raw = rawCustomerOf(b)
  return raw === null ? null : keyCustomer(line, raw)
}
