import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

export const DIALOG360_TEST_TOKEN = 'dialog360-test-token-0123456789'
export const DIALOG360_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/360dialog/', import.meta.url))

export const dialog360Fixture = (name: string) => readFileSync(path.join(DIALOG360_FIXTURES_DIR, name), 'utf8')
export const dialog360FixtureNames = () => readdirSync(DIALOG360_FIXTURES_DIR).filter((f) => f.endsWith('.json')).sort()

/** POSTs a body to an ingest's 360dialog route with the bearer token 360dialog is configured to send. */
export async function postDialog360(baseUrl: string, raw: string | Buffer, token: string | null = DIALOG360_TEST_TOKEN, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}/webhooks/360dialog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body: raw,
  })
}
