/**
 * Twilio's request signature (`X-Twilio-Signature`): base64 of HMAC-SHA1, under the account's
 * Auth Token, of the full URL Twilio called followed by every POST parameter, sorted by name,
 * as name and value with no delimiter (twilio.com/docs/usage/webhooks/webhooks-security).
 * Written here with node:crypto rather than taken from the `twilio` package: its validateRequest
 * is ~100 lines, the package is the whole REST client (axios, jsonwebtoken, dayjs, …).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { ERRORS, ingestError } from '../errors.js'
import type { TwilioForm } from './form.js'

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'https:': '443', 'http:': '80' }

/** 20 bytes of SHA-1 in base64: 27 characters and one `=`. */
const BASE64_SHA1 = /^[A-Za-z0-9+/]{27}=$/

/**
 * The string Twilio signs. A parameter sent twice is appended once per distinct value, values
 * sorted, as twilio-node's validateRequest does (Twilio's messaging webhooks send none twice).
 */
export function signedString(url: string, form: TwilioForm): string {
  let data = url
  // Default sort: UTF-16 code units, Twilio's "Unix-style case-sensitive" order for ASCII names.
  for (const name of [...form.keys()].sort()) {
    for (const value of [...new Set(form.get(name))].sort()) data += name + value
  }
  return data
}

/** The header value Twilio would send (tests, and anyone replaying a request). */
export function twilioSignature(authToken: string, url: string, form: TwilioForm): string {
  return createHmac('sha1', authToken).update(signedString(url, form), 'utf8').digest('base64')
}

/**
 * The URL as signed, with and without the scheme's default port: Twilio signs the URL as set in
 * its console, and twilio-node accepts both forms because "signature generation on the back end
 * is inconsistent" (its webhooks.ts). Only those forms, nothing looser.
 */
export function signedUrlForms(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return [url]
  }
  const defaultPort = DEFAULT_PORTS[parsed.protocol]
  // `port` is '' when absent or the default (the parser drops a default port).
  if (defaultPort === undefined || parsed.port !== '') return [url]
  const credentials = parsed.username || parsed.password ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@` : ''
  const at = (host: string) => `${parsed.protocol}//${credentials}${host}${parsed.pathname}${parsed.search}`
  // The caller's own spelling first: the parser re-encodes some characters of path and query.
  return [...new Set([url, at(parsed.hostname), at(`${parsed.hostname}:${defaultPort}`)])]
}

/**
 * Throws a coded 401 unless `header` is the signature of `url` and `form` under one of `tokens`
 * (several during an Auth Token rotation). Every token and URL form is tried, so timing says
 * nothing of which matched.
 */
export function verifyTwilioSignature(header: string | string[] | undefined, url: string, form: TwilioForm, tokens: readonly string[]): void {
  if (tokens.length === 0) throw ingestError(ERRORS.NOT_CONFIGURED, 'no Twilio Auth Token is configured (TWILIO_AUTH_TOKEN)')
  if (typeof header !== 'string' || header.length === 0) throw ingestError(ERRORS.SIGNATURE_MISSING, 'missing X-Twilio-Signature header')
  if (!BASE64_SHA1.test(header)) throw ingestError(ERRORS.SIGNATURE, 'X-Twilio-Signature must be base64 of an HMAC-SHA1 (28 characters)')
  const given = Buffer.from(header, 'base64')
  let ok = false
  for (const candidate of signedUrlForms(url)) {
    const data = signedString(candidate, form)
    for (const token of tokens) {
      ok = timingSafeEqual(createHmac('sha1', token).update(data, 'utf8').digest(), given) || ok
    }
  }
  // The URL is named (it is ours, not the sender's data) because a wrong public_url is the usual cause.
  if (!ok) throw ingestError(ERRORS.SIGNATURE, `X-Twilio-Signature does not match the parameters signed for ${url} (is adapters.twilio.public_url the URL set in Twilio?)`)
}
