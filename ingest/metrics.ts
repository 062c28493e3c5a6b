import { Counter, Histogram, Registry } from 'prom-client'
import { collectNodeMetrics } from '../runtime/default-metrics.js'
import { ERRORS } from './errors.js'
import { initAccountUpdates } from './account-updates.js'

/** The ingest's series (ARCHITECTURE.md "Metrics"), on a registry of its own. */
export function createIngestMetrics() {
  const registry = new Registry()
  collectNodeMetrics(registry)
  const rejected = new Counter({
    name: 'deskpulse_ingest_rejected_total',
    help: 'Requests rejected by the ingest, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  // Every reason exists from the start at 0: rate() and increase() then count the first rejection too.
  for (const reason of [...Object.values(ERRORS).map((e) => e.reason), 'bad_request', 'internal']) rejected.inc({ reason }, 0)
  const timestampsClamped = new Counter({
    name: 'deskpulse_ingest_timestamps_clamped_total',
    help: 'Webhook item timestamps replaced by the receive time: future (beyond ingest.max_future_skew_seconds) or invalid',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  for (const reason of ['future', 'invalid']) timestampsClamped.inc({ reason }, 0)
  const chatwootIgnored = new Counter({
    name: 'deskpulse_ingest_chatwoot_ignored_total',
    help: 'Chatwoot webhooks answered 200 that derive no event: unknown_inbox (not in adapters.chatwoot.inboxes), event (not one deskpulse reads), private (notes), activity, no_change',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  for (const reason of ['unknown_inbox', 'event', 'private', 'activity', 'no_change']) chatwootIgnored.inc({ reason }, 0)
  const accountUpdates = new Counter({
    name: 'deskpulse_whatsapp_account_updates_total',
    help: 'WhatsApp account webhooks an operator acts on, by field (phone_number_quality_update, message_template_status_update) and Meta event',
    labelNames: ['field', 'event'] as const,
    registers: [registry],
  })
  initAccountUpdates(accountUpdates)
  return {
    registry,
    accountUpdates,
    rejected,
    chatwootIgnored,
    requests: new Counter({
      name: 'deskpulse_ingest_requests_total',
      help: 'HTTP requests answered by the ingest, by route and status code',
      labelNames: ['route', 'code'] as const,
      registers: [registry],
    }),
    published: new Counter({
      name: 'deskpulse_ingest_events_published_total',
      help: 'Canonical events JetStream acknowledged as new, by kind (duplicates are counted apart)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'deskpulse_ingest_events_duplicate_total',
      help: 'Canonical events JetStream already held (same event id: a retried request), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    timestampsClamped,
    publishSeconds: new Histogram({
      name: 'deskpulse_ingest_publish_seconds',
      help: 'Time from publish to JetStream acknowledgement of one event',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  }
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>
