/**
 * Deep links to the helpdesk (issue 16): the helpdesk's own conversation id that events may carry
 * (`helpdesk_conversation`, docs/events.md) and the link built from a line's `helpdesk_url`
 * template (docs/configuration.md). The one place that checks the id and fills the template:
 * the alert, the wallboard and the ClickHouse rows all link through `helpdeskUrl`.
 */
import { Type } from '@sinclair/typebox'

export const CONVERSATION_PLACEHOLDER = '{conversation}'
export const HELPDESK_CONVERSATION_MAX_LENGTH = 64
export const HELPDESK_URL_MAX_LENGTH = 2048

/**
 * Id characters only (letters, digits, `.` `_` `:` `~` `-`): no spaces, slashes, control
 * characters or markup, so the id is safe in a URL, a label and a log line as it is.
 */
export const HELPDESK_CONVERSATION_PATTERN = `^[A-Za-z0-9._:~-]{1,${HELPDESK_CONVERSATION_MAX_LENGTH}}$`
const ID = new RegExp(HELPDESK_CONVERSATION_PATTERN)

export const HelpdeskConversation = Type.String({
  pattern: HELPDESK_CONVERSATION_PATTERN,
  description:
    "the helpdesk's own id of the conversation (Chatwoot's display id), for deep links: 1–64 of A–Z a–z 0–9 . _ : ~ -, no run of 9 or more digits and not the customer's number",
})

/** A run this long could be a phone number (national numbers are mostly 8–10 digits, wa_ids 10–15). */
const PHONE_LIKE = /[0-9]{9,}/
/** Seven digits of the customer's own number inside the id give the number away. */
const CUSTOMER_DIGITS = 7
const DIGIT_RUNS = /[0-9]{7,}/g

/**
 * Why `id` may not be stored, or null when it may. `customer`: the customer's wa_id (or
 * user_id) as the sender gave it, before it is keyed: an id holding seven or more of its digits
 * in a row is that customer's number in another form, and is refused.
 */
export function helpdeskConversationProblem(id: string, customer: string | null = null): string | null {
  if (!ID.test(id)) return `must be 1–${HELPDESK_CONVERSATION_MAX_LENGTH} of A–Z a–z 0–9 . _ : ~ -`
  if (PHONE_LIKE.test(id)) return 'holds 9 or more digits in a row, which could be a phone number (never stored)'
  const digits = customer?.replace(/[^0-9]/g, '') ?? ''
  if (digits.length >= CUSTOMER_DIGITS) {
    for (const [run] of id.matchAll(DIGIT_RUNS)) {
      for (let i = 0; i + CUSTOMER_DIGITS <= run.length; i++) {
        if (digits.includes(run.slice(i, i + CUSTOMER_DIGITS))) return "holds the customer's number (never stored)"
      }
    }
  }
  return null
}

/** The template filled with the id, URL-encoded: an id can never change the link's host or path. */
export const renderHelpdeskUrl = (template: string, id: string): string => template.replaceAll(CONVERSATION_PLACEHOLDER, encodeURIComponent(id))

/**
 * Why a `helpdesk_url` template is unusable, or null: it must contain `{conversation}`, be an
 * absolute http(s) URL once filled, and the id must not reach its scheme or host.
 */
export function helpdeskUrlProblem(template: string): string | null {
  if (!template.includes(CONVERSATION_PLACEHOLDER)) return `must contain ${CONVERSATION_PLACEHOLDER} (where the helpdesk's conversation id goes)`
  if (template.length > HELPDESK_URL_MAX_LENGTH) return `longer than ${HELPDESK_URL_MAX_LENGTH} characters`
  const urls: URL[] = []
  for (const id of ['1', 'x-2']) {
    try {
      urls.push(new URL(renderHelpdeskUrl(template, id)))
    } catch {
      return 'is not an absolute URL (https://…)'
    }
  }
  const [a, b] = urls as [URL, URL]
  if (a.protocol !== 'https:' && a.protocol !== 'http:') return `must be an http or https URL, not ${a.protocol}`
  if (a.origin !== b.origin || a.username || a.password) return `${CONVERSATION_PLACEHOLDER} must be in the path, query or fragment, and the URL must carry no user or password`
  return null
}

/** The lines' templates, as the config has them (`lines.<id>.helpdesk_url`). */
export type HelpdeskUrlTemplates = Readonly<Record<string, { readonly helpdesk_url?: string | undefined }>>

/** The deep link of a conversation: its line's template filled with the helpdesk's id, or null when either is missing. */
export function helpdeskUrl(lines: HelpdeskUrlTemplates, line: string, conversation: string | null | undefined): string | null {
  if (!conversation) return null
  const template = Object.hasOwn(lines, line) ? lines[line]!.helpdesk_url : undefined
  return template === undefined ? null : renderHelpdeskUrl(template, conversation)
}
