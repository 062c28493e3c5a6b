import { timingSafeEqual, createHash } from 'node:crypto'

/**
 * Whether `authorization` is `Bearer <expected>`, compared in constant time over digests (the
 * token's length leaks nothing either). No expected token: everyone passes.
 */
export function bearerMatches(expected: string | undefined, authorization: string | undefined): boolean {
  if (!expected) return true
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
  if (!m) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(m[1]!).digest()
  return timingSafeEqual(a, b)
}
