import { createHmac } from 'node:crypto'

/**
 * The customer key of KPIS.md "Entities": HMAC-SHA256 of `line:id` under the deployment's
 * secret, so analytics never hold a phone number and one number on two lines is two customers.
 */
export function createCustomerKeyer(piiKey: string): (line: string | null, id: string) => string {
  return (line, id) => createHmac('sha256', piiKey).update(`${line ?? ''}:${id}`).digest('hex')
}
export type CustomerKeyer = ReturnType<typeof createCustomerKeyer>
