import { signBody } from '../../ingest/whatsapp/signature.js'

export const TEST_SECRET = 'test-app-secret-0123456789'
export const TEST_VERIFY_TOKEN = 'test-verify-token'
export const TEST_API_TOKEN = 'test-api-token-0123456789abcdef'
export const TEST_PII_KEY = 'test-pii-key-0123456789abcdef'

/** A one-message text webhook as Meta sends it (numbers and ids are test values). */
export function textWebhook(opts: { line?: string; from?: string; id?: string; ts?: number; body?: string } = {}) {
  const line = opts.line ?? '106540352242922'
  const from = opts.from ?? '393331234567'
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: line },
              contacts: [{ profile: { name: 'Test' }, wa_id: from }],
              messages: [
                {
                  from,
                  id: opts.id ?? 'wamid.HBgMMzkzMzMxMjM0NTY3FQIAEhggQTE=',
                  timestamp: String(opts.ts ?? 1764000000),
                  type: 'text',
                  text: { body: opts.body ?? 'Buongiorno, il mio ordine non è arrivato' },
                },
              ],
            },
          },
        ],
      },
    ],
  }
}

/** POSTs raw bytes signed with `secret` to an ingest's webhook route. */
export async function postSigned(baseUrl: string, raw: string | Buffer, secret = TEST_SECRET, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, secret), ...headers },
    body: raw,
  })
}

/** Meta's status webhook for a business message `id` to customer `to` (statuses[], field messages). */
export function statusWebhook(opts: { line?: string; to: string; id: string; status: string; ts: number }) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: opts.line ?? '106540352242922' },
              statuses: [{ id: opts.id, status: opts.status, timestamp: String(opts.ts), recipient_id: opts.to }],
            },
          },
        ],
      },
    ],
  }
}

/** Meta's smb_message_echoes webhook: a message typed in the WhatsApp Business app of a coexistence number. */
export function echoWebhook(opts: { line?: string; to: string; id: string; ts: number; body?: string }) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'smb_message_echoes',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: opts.line ?? '106540352242922' },
              message_echoes: [{ from: '15550783881', to: opts.to, id: opts.id, timestamp: String(opts.ts), type: 'text', text: { body: opts.body ?? 'Ciao, eccomi' } }],
            },
          },
        ],
      },
    ],
  }
}
