/**
 * Bounds on what the ingest accepts, shared by both routes. Everything over them is a permanent
 * problem of the request (4xx), never a 503: a sender retrying it would get the same answer.
 */
import { ERRORS, ingestError } from './errors.js'

/** WhatsApp wamids are under 100 characters; helpdesk ids are the caller's keys. */
export const MAX_ID_LENGTH = 256
/** A line is a phone_number_id (15–16 digits in practice) and a metric label. */
export const MAX_LINE_LENGTH = 32
/**
 * Real payloads nest about 10 deep (entry → changes → value → messages → interactive → …). Deeper
 * JSON is refused before parsing: 100,000 levels overflow the stack of the code that walks it.
 */
export const MAX_JSON_DEPTH = 64

/** C0, DEL, C1 and the two Unicode line separators: none belongs in an id, some split headers. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const LINE = /^[\x21-\x7e]{1,32}$/

/** Throws a coded 400 naming `field` unless `value` is a usable id. */
export function checkId(value: string, field: string): string {
  if (value.length > MAX_ID_LENGTH) throw ingestError(ERRORS.INVALID_ID, `${field}: longer than ${MAX_ID_LENGTH} characters (${value.length})`)
  if (CONTROL.test(value)) throw ingestError(ERRORS.INVALID_ID, `${field}: holds a control character`)
  return value
}

/**
 * Throws a coded 400 naming `field` unless `value` is a usable line: 1–32 printable ASCII
 * characters. Meta's phone_number_ids are digits; letters are allowed because integrations and
 * their test suites use placeholders (PHONE_NUMBER_ID), and what matters is that the label is
 * short and cannot carry a control character.
 */
export function checkLine(value: string, field: string): string {
  if (!LINE.test(value)) {
    throw ingestError(ERRORS.INVALID_LINE, `${field}: must be 1–${MAX_LINE_LENGTH} printable ASCII characters without spaces`)
  }
  return value
}

/**
 * Throws a coded 400 when the JSON text nests arrays/objects deeper than `max`. One pass over the
 * bytes, no allocation, stopping at the first level too deep; brackets inside strings are skipped.
 * Not a validator: JSON.parse still decides whether it is JSON.
 */
export function assertJsonDepth(bytes: Uint8Array, max = MAX_JSON_DEPTH): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped byte (\" does not end the string)
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw ingestError(ERRORS.TOO_DEEP, `the JSON nests deeper than ${max} levels`)
    } else if (c === 0x5d || c === 0x7d) depth--
  }
}
