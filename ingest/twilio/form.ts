/**
 * Twilio posts `application/x-www-form-urlencoded`. The signature covers every parameter as
 * decoded, including ones deskpulse does not read and ones sent twice, so the form is kept whole:
 * name → every value, in order.
 */
import { ERRORS, ingestError } from '../errors.js'

export type TwilioForm = ReadonlyMap<string, readonly string[]>

/** Parses the raw body (URLSearchParams: `+` is a space, percent-escapes are UTF-8). */
export function parseForm(raw: Buffer): TwilioForm {
  const form = new Map<string, string[]>()
  for (const [name, value] of new URLSearchParams(raw.toString('utf8'))) {
    const values = form.get(name)
    if (values) values.push(value)
    else form.set(name, [value])
  }
  return form
}

/** The one value of a parameter; absent or empty → null, sent twice → a coded 400 naming it. */
export function single(form: TwilioForm, name: string): string | null {
  const values = form.get(name)
  if (values === undefined) return null
  if (values.length > 1) throw ingestError(ERRORS.NOT_WHATSAPP, `${name}: sent ${values.length} times; Twilio sends it once`)
  return values[0] === '' ? null : values[0]!
}
