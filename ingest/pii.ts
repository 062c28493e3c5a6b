import { createHmac } from 'node:crypto'

/**
 * The customer key of KPIS.md "Entities": HMAC-SHA256 of `line:id` under the deployment's
 * secret, so analytics never hold a phone number and one number on two lines is two customers.
 */
export function createCustomerKeyer(piiKey: string, opts: { cacheSize?: number } = {}): (line: string | null, id: string) => string {
  const hmac = (input: string) => createHmac('sha256', piiKey).update(input).digest('hex')
  const size = opts.cacheSize ?? 0
  if (size <= 0) return (line, id) => hmac(`${line ?? ''}:${id}`)
  // A replay keys the same customers and message ids again and again (a status per message, many
  // messages per customer): an HMAC each time was a sixth of `deskpulse replay`'s time. In memory
  // only, emptied when full.
  const cache = new Map<string, string>()
  return (line, id) => {
    const input = `${line ?? ''}:${id}`
    let out = cache.get(input)
    if (out === undefined) {
      if (cache.size >= size) cache.clear()
      cache.set(input, (out = hmac(input)))
    }
    return out
  }
}
export type CustomerKeyer = ReturnType<typeof createCustomerKeyer>

/**
 * Stands in the `line` place of the customer keyer for message ids. A line is never this: lines
 * are checked to hold no control character (ingest/limits.ts), so a message key can never equal
 * a customer key, and both are HMACs under the one DESKPULSE_PII_KEY without a second secret.
 */
export const MESSAGE_ID_DOMAIN = '\u0000message-id'

/**
 * The stored form of a WhatsApp message id (wamid) or of any id that may be one. A wamid is
 * base64 of the customer's number (`wamid.HBgLMTQxMjU1NTA4Mjk…` holds 14125550829), so it is
 * never stored: HMAC-SHA256 of `\0message-id:<id>` under the PII key, hex. Deterministic, so the
 * webhook's status for a wamid and the helpdesk's `message.sent` with the wamid the Cloud API
 * returned still carry the same `message_id`, and retried items the same event id.
 *
 * Derived from the customer keyer rather than the raw key so every caller that can key customers
 * (the ingest, `deskpulse replay`) keys message ids the same way.
 */
export const messageKeyerOf = (keyCustomer: CustomerKeyer) => (id: string): string => keyCustomer(MESSAGE_ID_DOMAIN, id)
export type MessageKeyer = ReturnType<typeof messageKeyerOf>

export const createMessageKeyer = (piiKey: string): MessageKeyer => messageKeyerOf(createCustomerKeyer(piiKey))
