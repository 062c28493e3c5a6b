/**
 * The KPI counters and histograms of docs/metrics.md, kept per stream partition as plain data:
 * a partition's values travel in its checkpoint, so a restart or a takeover continues them
 * instead of counting the replayed events twice. The registry sums the partitions at scrape time.
 */
import type { Effect } from '../core/effects.js'
import type { CanonicalEvent } from '../../schemas/events.js'

/**
 * Seconds, from a fast reply to a day: edges on the figures people watch (60 s FRT target,
 * 180 s negative-chat breach, 240 s warning, 300 s breach). docs/metrics.md "Histograms".
 */
export const HELPDESK_BUCKETS = [5, 15, 30, 60, 120, 180, 240, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400] as const

/**
 * WhatsApp Cloud API error codes kept as label values (delivery failures); any other code is
 * `other`, so a flood of unknown codes cannot grow the series. From Meta's error-code reference.
 */
const KNOWN_ERROR_CODES = new Set([
  0, 4, 10, 100, 190, 368, 80007, 130429, 130472, 130497, 131000, 131005, 131008, 131009, 131016, 131021, 131026, 131031, 131042,
  131045, 131047, 131048, 131049, 131050, 131051, 131052, 131053, 131056, 131057, 132000, 132001, 132005, 132007, 132012, 132015,
  132016, 132068, 132069, 133000, 133004, 133010, 135000,
])
export const errorCodeLabel = (code: number) => (KNOWN_ERROR_CODES.has(code) ? String(code) : 'other')

export interface SeriesSpec {
  name: string
  help: string
  labels: readonly string[]
}

/** Counters fed by the core's effects and the processed events. */
export const COUNTERS = {
  events: { name: 'deskpulse_events_processed_total', help: 'Canonical events consumed, written and acknowledged by the processor, by kind', labels: ['kind'] },
  messages: { name: 'helpdesk_messages_total', help: 'WhatsApp messages by line, direction (in/out) and sender kind', labels: ['line', 'direction', 'sender_kind'] },
  opened: { name: 'helpdesk_conversations_opened_total', help: 'Conversations opened', labels: ['line'] },
  resolved: { name: 'helpdesk_conversations_resolved_total', help: 'Conversation resolutions (a reopened chat resolves again), by who resolved it', labels: ['line', 'team', 'resolved_by'] },
  csat: { name: 'helpdesk_csat_responses_total', help: 'CSAT responses received, by score 1-5', labels: ['line', 'team', 'score'] },
  escalations: { name: 'helpdesk_escalations_total', help: 'Escalation warnings and breaches fired (thresholds.escalate_after, warn_before)', labels: ['line', 'team', 'level'] },
  retracted: { name: 'helpdesk_escalations_retracted_total', help: 'Fired escalations withdrawn: a reply stamped before them arrived late', labels: ['line', 'team', 'level'] },
  withinTarget: { name: 'helpdesk_first_responses_within_target_total', help: 'First responses within thresholds.frt_target (service level numerator)', labels: ['line', 'team'] },
  fcr: { name: 'helpdesk_fcr_outcomes_total', help: 'Final first-contact-resolution verdicts', labels: ['line', 'outcome'] },
  botResolutions: { name: 'helpdesk_bot_resolutions_total', help: 'First resolutions of bot-answered conversations: contained (no human wrote) or human', labels: ['line', 'outcome'] },
  handoffs: { name: 'helpdesk_bot_handoffs_total', help: 'Bot conversations handed to a human', labels: ['line', 'team'] },
  statuses: { name: 'helpdesk_message_statuses_total', help: 'Business messages reaching a delivery status (never downgraded)', labels: ['line', 'status'] },
  failures: { name: 'helpdesk_message_failures_total', help: 'Failed deliveries by WhatsApp error code (known codes; the rest other)', labels: ['line', 'code'] },
  missed: { name: 'helpdesk_missed_conversations_total', help: "Conversations still waiting when WhatsApp's 24-hour service window closed", labels: ['line', 'team'] },
} as const satisfies Record<string, SeriesSpec>

export const HISTOGRAMS = {
  frt: { name: 'helpdesk_first_response_seconds', help: 'First human response time (event time)', labels: ['line', 'team'] },
  nrt: { name: 'helpdesk_next_response_seconds', help: 'Next response time, one sample per later waiting period', labels: ['line', 'team'] },
  assignment: { name: 'helpdesk_assignment_seconds', help: 'Time from opening (or bot handoff) to first assignment', labels: ['line', 'team'] },
  resolution: { name: 'helpdesk_resolution_seconds', help: 'First resolution time', labels: ['line', 'team'] },
  bot_frt: { name: 'helpdesk_bot_first_response_seconds', help: 'Bot first response time', labels: ['line'] },
} as const satisfies Record<string, SeriesSpec>

export type CounterId = keyof typeof COUNTERS
export type HistogramId = keyof typeof HISTOGRAMS

export interface CounterValue {
  labels: string[]
  value: number
}
export interface HistogramValue {
  labels: string[]
  /** Per bucket (not cumulative), then +Inf. */
  buckets: number[]
  sum: number
  count: number
}

/** Plain data for a checkpoint: label values joined by \u0001 → value. */
export interface KpiSeriesState {
  v: 1
  counters: Partial<Record<CounterId, Record<string, number>>>
  histograms: Partial<Record<HistogramId, Record<string, { buckets: number[]; sum: number; count: number }>>>
}

const SEP = '\u0001'

export class KpiSeries {
  readonly counters = new Map<CounterId, Map<string, CounterValue>>()
  readonly histograms = new Map<HistogramId, Map<string, HistogramValue>>()


  inc(id: CounterId, labels: string[], by = 1): void {
    let series = this.counters.get(id)
    if (!series) this.counters.set(id, (series = new Map()))
    const key = labels.join(SEP)
    const v = series.get(key)
    if (v) v.value += by
    else series.set(key, { labels, value: by })
  }

  observe(id: HistogramId, labels: string[], seconds: number): void {
    let series = this.histograms.get(id)
    if (!series) this.histograms.set(id, (series = new Map()))
    const key = labels.join(SEP)
    let h = series.get(key)
    if (!h) series.set(key, (h = { labels, buckets: new Array<number>(HELPDESK_BUCKETS.length + 1).fill(0), sum: 0, count: 0 }))
    let i = 0
    while (i < HELPDESK_BUCKETS.length && seconds > HELPDESK_BUCKETS[i]!) i++
    h.buckets[i]!++
    h.sum += seconds
    h.count++
  }

  countEvents(events: readonly CanonicalEvent[]): void {
    for (const e of events) {
      this.inc('events', [e.kind])
      if (e.kind === 'message.in') this.inc('messages', [e.line ?? '', 'in', 'customer'])
      else if (e.kind === 'message.out') this.inc('messages', [e.line ?? '', 'out', e.sender_kind])
    }
  }

  apply(effects: readonly Effect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'opened':
          this.inc('opened', [e.line])
          break
        case 'resolved':
          this.inc('resolved', [e.line, e.team, e.by])
          if (e.bot) this.inc('botResolutions', [e.line, e.bot])
          break
        case 'handoff':
          this.inc('handoffs', [e.line, e.team])
          break
        case 'sample':
          if (e.metric === 'bot_frt') this.observe('bot_frt', [e.line], e.seconds)
          else this.observe(e.metric, [e.line, e.team], e.seconds)
          if (e.withinTarget) this.inc('withinTarget', [e.line, e.team])
          break
        case 'escalation':
          if (e.action === 'fire') this.inc('escalations', [e.line, e.team, e.level])
          else if (e.action === 'retract') this.inc('retracted', [e.line, e.team, e.level])
          break
        case 'csat':
          this.inc('csat', [e.line, e.team, String(e.score)])
          break
        case 'fcr':
          this.inc('fcr', [e.line, e.fcr ? 'fcr' : 'not_fcr'])
          break
        case 'missed':
          this.inc('missed', [e.line, e.team])
          break
        case 'sla':
          // helpdesk_sla_outcomes_total comes from the core's tallies (registry.ts), misses from their moment.
          break
        case 'reply_inferred':
          // A business message known only from its status: nobody knows who sent it.
          this.inc('messages', [e.line, 'out', 'unknown'])
          break
        case 'status':
          this.inc('statuses', [e.line, e.status])
          if (e.status === 'failed') for (const code of e.codes.length ? e.codes : [0]) this.inc('failures', [e.line, errorCodeLabel(code)])
          break
        case 'agent_minute':
          break
      }
    }
  }

  toState(): KpiSeriesState {
    const counters: KpiSeriesState['counters'] = {}
    for (const [id, series] of this.counters) counters[id] = Object.fromEntries([...series].map(([k, v]) => [k, v.value]))
    const histograms: KpiSeriesState['histograms'] = {}
    for (const [id, series] of this.histograms) histograms[id] = Object.fromEntries([...series].map(([k, h]) => [k, { buckets: [...h.buckets], sum: h.sum, count: h.count }]))
    return { v: 1, counters, histograms }
  }

  static fromState(state: KpiSeriesState | undefined): KpiSeries {
    const out = new KpiSeries()
    if (!state) return out
    for (const [id, series] of Object.entries(state.counters) as Array<[CounterId, Record<string, number>]>) {
      out.counters.set(id, new Map(Object.entries(series).map(([k, value]) => [k, { labels: k.split(SEP), value }])))
    }
    for (const [id, series] of Object.entries(state.histograms) as Array<[HistogramId, Record<string, { buckets: number[]; sum: number; count: number }>]>) {
      out.histograms.set(id, new Map(Object.entries(series).map(([k, h]) => [k, { labels: k.split(SEP), buckets: [...h.buckets], sum: h.sum, count: h.count }])))
    }
    return out
  }
}
