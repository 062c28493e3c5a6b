import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { twilioSignature } from '../../ingest/twilio/signature.js'

export const TWILIO_TEST_TOKEN = 'twilio-test-auth-token-0123456789'
/** Twilio's public WhatsApp Sandbox number, and its Magic test number, as two lines. */
export const TWILIO_LINE = 'tw-line-1'
export const TWILIO_NUMBERS: Record<string, string> = { 'whatsapp:+14155238886': TWILIO_LINE, 'whatsapp:+15005550006': 'tw-line-2' }

export const TWILIO_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/twilio/', import.meta.url))

/** A fixture: the form parameters of one request, in the order Twilio documents them. */
export const twilioFixture = (name: string) => JSON.parse(readFileSync(path.join(TWILIO_FIXTURES_DIR, name), 'utf8')) as Record<string, string>
export const twilioFixtureNames = () => readdirSync(TWILIO_FIXTURES_DIR).filter((f) => f.endsWith('.json')).sort()

const formOf = (params: Record<string, string> | [string, string][]) => (Array.isArray(params) ? params : Object.entries(params))

/** The parameters as a form-map (what the signature is computed over). */
export const formMap = (params: Record<string, string> | [string, string][]) => {
  const m = new Map<string, string[]>()
  for (const [k, v] of formOf(params)) m.set(k, [...(m.get(k) ?? []), v])
  return m
}

export interface TwilioPost {
  /** The URL signed (default: the URL posted to). */
  signedUrl?: string
  token?: string
  /** Path and query posted to (default /webhooks/twilio). */
  path?: string
  /** Replaces the computed signature; null sends none. */
  signature?: string | null
  headers?: Record<string, string>
  /** The body as sent, when it must differ from the signed parameters. */
  body?: string
}

/** POSTs form parameters to an ingest, signed as Twilio signs them. */
export async function postTwilio(baseUrl: string, params: Record<string, string> | [string, string][], o: TwilioPost = {}) {
  const url = `${baseUrl}${o.path ?? '/webhooks/twilio'}`
  const signature = o.signature === undefined ? twilioSignature(o.token ?? TWILIO_TEST_TOKEN, o.signedUrl ?? url, formMap(params)) : o.signature
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }), ...o.headers },
    body: o.body ?? new URLSearchParams(formOf(params)).toString(),
  })
}
