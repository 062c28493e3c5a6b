/**
 * What a privacy audit searches stored bytes for: every phone number a set of WhatsApp payloads
 * holds, in every form it could be stored in. Shared by the ingest's audit
 * (test/integration/ingest-pii-audit.test.ts) and any audit of later stores (ClickHouse).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

/** Fields of a webhook whose value is a customer's or the business's phone number. */
const NUMBER_FIELDS = new Set(['wa_id', 'from', 'recipient_id', 'display_phone_number', 'to', 'phone_number', 'phone', 'new_wa_id', 'message_template_button_phone_number'])
/** Shorter digit strings are ids, codes or placeholders (123456), not numbers to look for. */
const MIN_DIGITS = 8

/** A wamid (or call id) is `wamid.` + base64 of a binary record that holds the number. */
const isMetaId = (s: string) => /^wa[a-z]*id\.[A-Za-z0-9+/=_-]+$/.test(s)

function walk(v: unknown, visit: (key: string, value: string) => void, key = ''): void {
  if (Array.isArray(v)) for (const x of v) walk(x, visit, key)
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, visit, k)
  else if (typeof v === 'string' || typeof v === 'number') visit(key, String(v))
}

export interface PhoneData {
  /** Digit strings of every number found (deduplicated). */
  numbers: string[]
  /** Every wamid / wacid string found. */
  metaIds: string[]
}

/**
 * The numbers and Meta ids of these payloads: values of the number fields, digit runs in texts
 * (a system message says "changed from 972987654321 to …") and digit runs inside the base64 of
 * wamids. A value equal to a phone_number_id is left out: that is Meta's id of the business line,
 * stored on purpose as the `line`, and some fixtures reuse one placeholder for both.
 */
export function phoneDataOf(payloads: readonly unknown[]): PhoneData {
  const numbers = new Set<string>()
  const metaIds = new Set<string>()
  const lines = new Set<string>()
  for (const p of payloads) {
    walk(p, (key, value) => {
      if (key === 'phone_number_id') lines.add(value)
      if (isMetaId(value)) {
        metaIds.add(value)
        const decoded = Buffer.from(value.slice(value.indexOf('.') + 1), 'base64').toString('latin1')
        for (const run of decoded.match(/\d{8,15}/g) ?? []) numbers.add(run)
      }
      const digits = value.replace(/[\s+()-]/g, '')
      if (NUMBER_FIELDS.has(key) && /^\d+$/.test(digits) && digits.length >= MIN_DIGITS) numbers.add(digits)
      if (key === 'body') for (const run of value.match(/\d{8,15}/g) ?? []) numbers.add(run)
    })
  }
  for (const line of lines) numbers.delete(line)
  return { numbers: [...numbers].sort(), metaIds: [...metaIds].sort() }
}

/**
 * The strings under which these numbers would be found in stored bytes: the digits, and the
 * base64 and base64url of the digits at each of the 3 byte alignments (a number inside a
 * base64-encoded record starts at any byte offset; only the characters that depend on the
 * number's bytes alone are kept, so a match does not depend on the neighbouring bytes).
 */
export function phoneForms(numbers: readonly string[]): string[] {
  const forms = new Set<string>()
  for (const n of numbers) {
    forms.add(n)
    for (let k = 0; k < 3; k++) {
      const bytes = Buffer.concat([Buffer.alloc(k), Buffer.from(n, 'latin1')])
      const start = Math.ceil((8 * k) / 6)
      const end = Math.floor((8 * bytes.length) / 6)
      for (const enc of ['base64', 'base64url'] as const) forms.add(bytes.toString(enc).slice(start, end))
    }
  }
  return [...forms]
}

/** Every file under `dir`, recursively, with its bytes (as latin1, so any byte maps to one char). */
export function filesUnder(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = []
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name)
    if (statSync(file).isDirectory()) out.push(...filesUnder(file))
    else out.push({ file, text: readFileSync(file).toString('latin1') })
  }
  return out
}

/** Which of `needles` occur in `text` (empty: none). */
export const findAny = (text: string, needles: readonly string[]): string[] => needles.filter((s) => text.includes(s))
