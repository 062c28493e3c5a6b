import { createHmac, timingSafeEqual } from 'node:crypto'
import { ERRORS, ingestError } from '../errors.js'

const PREFIX = 'sha256='
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/

/**
 * Checks `X-Hub-Signature-256` against HMAC-SHA256 of the raw bytes under each app secret
 * (several during a rotation). Meta escapes non-ASCII and `/` in the body, so the bytes as
 * received are hashed, never a re-serialisation. Throws a coded 401 on failure.
 */
export function verifySignature(raw: Buffer, header: string | string[] | undefined, secrets: readonly string[]): void {
  if (secrets.length === 0) throw ingestError(ERRORS.NOT_CONFIGURED, 'no WhatsApp app secret is configured')
  if (typeof header !== 'string' || header.length === 0) {
    throw ingestError(ERRORS.SIGNATURE_MISSING, 'missing X-Hub-Signature-256 header')
  }
  if (!header.startsWith(PREFIX)) throw ingestError(ERRORS.SIGNATURE, 'X-Hub-Signature-256 must be sha256=<hex>')
  // Exactly 64 hex digits: Buffer.from(…, 'hex') stops at the first non-hex character, so a
  // digest followed by junk would otherwise pass.
  const hex = header.slice(PREFIX.length)
  if (!HEX_DIGEST.test(hex)) throw ingestError(ERRORS.SIGNATURE, 'X-Hub-Signature-256 must be sha256=<64 hex digits>')
  const given = Buffer.from(hex, 'hex')
  let ok = false
  // Every secret is tried, so timing does not tell which one matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(raw).digest()
    ok = timingSafeEqual(expected, given) || ok
  }
  if (!ok) throw ingestError(ERRORS.SIGNATURE, 'X-Hub-Signature-256 does not match the body')
}

/** The header value Meta would send for these bytes (tests, `deskpulse simulate`). */
export function signBody(raw: Buffer | string, secret: string): string {
  return PREFIX + createHmac('sha256', secret).update(raw).digest('hex')
}
