/**
 * WhatsApp account webhooks the ingest keeps as `whatsapp.update` events (docs/events.md) that an
 * operator must act on: a number's quality rating falling (`phone_number_quality_update`) and a
 * message template paused, rejected or disabled (`message_template_status_update`). Counted on
 * `deskpulse_whatsapp_account_updates_total{field, event}` for the alerts WhatsappNumberQualityDowngraded
 * and WhatsappTemplateBlocked (docs/alerting.md). Both are account-level (no phone_number_id in
 * the payload), so there is no `line` label; the event values are Meta's, capped to the known set.
 */
import type { Counter } from 'prom-client'

/** Meta's `event` values per field (WhatsApp Cloud API webhook reference); anything else is `other`. */
export const ACCOUNT_UPDATE_EVENTS = {
  phone_number_quality_update: ['FLAGGED', 'UNFLAGGED', 'DOWNGRADE', 'UPGRADE', 'ONBOARDING'],
  message_template_status_update: ['APPROVED', 'REJECTED', 'PENDING', 'PAUSED', 'DISABLED', 'FLAGGED', 'REINSTATED', 'PENDING_DELETION', 'IN_APPEAL', 'LIMIT_EXCEEDED', 'ARCHIVED', 'LOCKED', 'UNLOCKED'],
} as const

type Field = keyof typeof ACCOUNT_UPDATE_EVENTS

const isField = (f: string): f is Field => Object.hasOwn(ACCOUNT_UPDATE_EVENTS, f)

/** Every field × event at 0 from the start, so increase() counts the first update too. */
export function initAccountUpdates(counter: Counter<'field' | 'event'>): void {
  for (const [field, events] of Object.entries(ACCOUNT_UPDATE_EVENTS)) for (const event of [...events, 'other']) counter.inc({ field, event }, 0)
}

/** Counts one acknowledged `whatsapp.update` event, if it is of a field watched here. */
export function countAccountUpdate(counter: Counter<'field' | 'event'>, field: string, event: string | null): void {
  if (!isField(field)) return
  const known: readonly string[] = ACCOUNT_UPDATE_EVENTS[field]
  const e = event?.toUpperCase() ?? ''
  counter.inc({ field, event: known.includes(e) ? e : 'other' })
}
