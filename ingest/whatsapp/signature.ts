import { createHmac, timingSafeEqual } from 'node:crypto'
import { ERRORS, ingestError } from '../errors.js'

const PREFIX = 'sha256='

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
  const given = Buffer.from(header.slice(PREFIX.length), 'hex')
  if (given.length !== 32) throw ingestError(ERRORS.SIGNATURE, 'X-Hub-Signature-256 must be sha256=<64 hex digits>')
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
