import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { signChatwoot } from '../../ingest/chatwoot/signature.js'

export const CHATWOOT_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/chatwoot/', import.meta.url))
export const TEST_CHATWOOT_SECRET = 'test-chatwoot-secret-0123456789'
/** The fixtures' inbox 7 is this line (adapters.chatwoot.inboxes). */
export const CHATWOOT_LINE = '106540352242922'
export const CHATWOOT_INBOXES = { '7': CHATWOOT_LINE }

export const chatwootFixture = (file: string) => readFileSync(path.join(CHATWOOT_FIXTURES_DIR, file))

export interface ChatwootPost {
  secret?: string | null
  timestamp?: number
  delivery?: string
  headers?: Record<string, string>
}

/** POSTs raw bytes to /webhooks/chatwoot, signed as Chatwoot signs them unless `secret` is null. */
export async function postChatwoot(baseUrl: string, raw: string | Buffer, o: ChatwootPost = {}) {
  const secret = o.secret === undefined ? TEST_CHATWOOT_SECRET : o.secret
  const signed = secret === null ? {} : signChatwoot(raw, secret, o.timestamp)
  return fetch(`${baseUrl}/webhooks/chatwoot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed, ...(o.delivery ? { 'x-chatwoot-delivery': o.delivery } : {}), ...o.headers },
    body: raw,
  })
}

export const chatwootIngestOptions = (over: Partial<{ allowUnsigned: boolean; secrets: string[] }> = {}) => ({
  chatwoot: { secrets: over.secrets ?? [TEST_CHATWOOT_SECRET], allowUnsigned: over.allowUnsigned ?? false, toleranceSeconds: 300, inboxes: CHATWOOT_INBOXES },
})
