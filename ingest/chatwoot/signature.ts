/**
 * Chatwoot's webhook signature (Chatwoot ≥ 4.11.2 for account webhooks, ≥ 4.13.0 for API inboxes
 * and agent bots; chatwoot/chatwoot PR #13573 and #13892):
 *
 *   X-Chatwoot-Timestamp: <Unix seconds when the request was sent>
 *   X-Chatwoot-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the webhook's secret>
 *   X-Chatwoot-Delivery:  <uuid, the same on every retry of one delivery>
 *
 * The timestamp is inside the signed string, so an old request cannot be given a fresh one: a
 * captured webhook replays only within the window. Older Chatwoot versions send none of these
 * headers (config `adapters.chatwoot.allow_unsigned`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { ERRORS, ingestError } from '../errors.js'

const PREFIX = 'sha256='
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/
const UNIX_SECONDS = /^\d{1,12}$/

export interface ChatwootSignatureHeaders {
  signature: string | string[] | undefined
  timestamp: string | string[] | undefined
}

export interface ChatwootVerifyOptions {
  /** CHATWOOT_WEBHOOK_SECRET, comma-separated for rotation; empty: none configured. */
  secrets: readonly string[]
  /** `adapters.chatwoot.allow_unsigned`: accept requests without a signature (old Chatwoot). */
  allowUnsigned: boolean
  /** `adapters.chatwoot.timestamp_tolerance_seconds`: how far the timestamp may be from now. */
  toleranceSeconds: number
  nowMs: number
}

const one = (h: string | string[] | undefined): string | undefined => (typeof h === 'string' && h.length > 0 ? h : undefined)

/**
 * Throws a coded 401 unless the request is signed by one of the secrets within the window, or
 * is unsigned and unsigned requests are allowed. A request that carries a signature is always
 * checked, even with `allowUnsigned`: a wrong one is an attack or a wrong secret, never an old
 * Chatwoot.
 */
export function verifyChatwootSignature(raw: Buffer, headers: ChatwootSignatureHeaders, opts: ChatwootVerifyOptions): void {
  const header = one(headers.signature)
  if (header === undefined) {
    if (opts.allowUnsigned) return
    if (opts.secrets.length === 0) {
      throw ingestError(ERRORS.NOT_CONFIGURED, 'no CHATWOOT_WEBHOOK_SECRET is configured and adapters.chatwoot.allow_unsigned is false')
    }
    throw ingestError(ERRORS.SIGNATURE_MISSING, 'missing X-Chatwoot-Signature header')
  }
  if (opts.secrets.length === 0) throw ingestError(ERRORS.NOT_CONFIGURED, 'the request is signed but no CHATWOOT_WEBHOOK_SECRET is configured')
  if (!header.startsWith(PREFIX) || !HEX_DIGEST.test(header.slice(PREFIX.length))) {
    throw ingestError(ERRORS.SIGNATURE, 'X-Chatwoot-Signature must be sha256=<64 hex digits>')
  }
  const timestamp = one(headers.timestamp)
  if (timestamp === undefined) throw ingestError(ERRORS.SIGNATURE_MISSING, 'missing X-Chatwoot-Timestamp header')
  if (!UNIX_SECONDS.test(timestamp)) throw ingestError(ERRORS.SIGNATURE_STALE, 'X-Chatwoot-Timestamp must be Unix seconds')
  const skew = Math.abs(opts.nowMs / 1000 - Number(timestamp))
  if (skew > opts.toleranceSeconds) {
    throw ingestError(ERRORS.SIGNATURE_STALE, `X-Chatwoot-Timestamp is ${Math.round(skew)} s from now, more than ${opts.toleranceSeconds} s (adapters.chatwoot.timestamp_tolerance_seconds)`)
  }
  const given = Buffer.from(header.slice(PREFIX.length), 'hex')
  let ok = false
  // Every secret is tried, so timing does not tell which one matched.
  for (const secret of opts.secrets) {
    ok = timingSafeEqual(macOf(raw, timestamp, secret), given) || ok
  }
  if (!ok) throw ingestError(ERRORS.SIGNATURE, 'X-Chatwoot-Signature does not match the timestamp and body')
}

function macOf(raw: Buffer | string, timestamp: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest()
}

/** The headers Chatwoot would send for these bytes (tests, `deskpulse simulate --via chatwoot`). */
export function signChatwoot(raw: Buffer | string, secret: string, timestamp = Math.floor(Date.now() / 1000)): { 'x-chatwoot-signature': string; 'x-chatwoot-timestamp': string } {
  const ts = String(timestamp)
  return { 'x-chatwoot-signature': PREFIX + macOf(raw, ts, secret).toString('hex'), 'x-chatwoot-timestamp': ts }
}
