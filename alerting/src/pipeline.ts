/**
 * The pipeline's own health (docs/architecture.md "Alerts"): ingest rejections, processor lag, the
 * store writers behind, and a part down or missing from Prometheus.
 */
import { alert, lastWindow, spoken, text, type AlertingRule, type RuleGroup } from './rule.js'
import type { RuleThresholds } from './thresholds.js'

/** The requests that can be rejected: Prometheus scrapes and health probes left out. */
const REQUESTS = 'deskpulse_ingest_requests_total{route!~"/metrics|/healthz|/readyz"}'

const ingestRejecting = ({ runbookBase, ingestRejection }: RuleThresholds): AlertingRule => alert(runbookBase, {
  alert: 'DeskpulseIngestRejecting',
  comment: text(
    'Rejections over the requests that can be rejected (Prometheus scrapes and health probes left',
    'out). The counters have no `line`: one alert for the whole ingest (alerting/src/thresholds.ts ingestRejection).',
  ),
  expr: `sum(rate(deskpulse_ingest_rejected_total[${ingestRejection.window}]))
  / sum(rate(${REQUESTS}[${ingestRejection.window}]))
> ${ingestRejection.share}
and
sum(increase(${REQUESTS}[${ingestRejection.window}])) >= ${ingestRejection.minRequests}
`,
  for: ingestRejection.for,
  labels: { severity: 'warning' },
  annotations: {
    summary: 'Ingest rejecting {{ $value | humanizePercentage }} of requests',
    description: text(
      'The ingest rejected {{ $value | humanizePercentage }} of webhook and event requests over',
      `${lastWindow(ingestRejection.window)}{{ with query "topk(1, sum by (reason) (rate(deskpulse_ingest_rejected_total[${ingestRejection.window}])))" }};`,
      'most rejected reason: {{ . | first | label "reason" }}{{ end }}.',
    ),
  },
})

const lagExpr = (s: number) => `max by (job, instance) (deskpulse_processor_lag_seconds) > ${s}`

const processorLagging = ({ runbookBase, processorLag }: RuleThresholds): AlertingRule[] => [
  alert(runbookBase, {
    alert: 'DeskpulseProcessorLagging',
    comment: 'Lag that makes KPIs and escalations visibly late (alerting/src/thresholds.ts processorLag).',
    expr: lagExpr(processorLag.warningSeconds),
    for: processorLag.for,
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Processor {{ $labels.instance }} is {{ $value | humanizeDuration }} behind',
      description: text(
        `The processor {{ $labels.instance }} has been working on events more than ${spoken(processorLag.warningSeconds)} old`,
        `for ${spoken(processorLag.for)} (now {{ $value | humanizeDuration }}): KPIs, dashboards and per-chat`,
        'escalations are late by as much.',
      ),
    },
  }),
  alert(runbookBase, {
    alert: 'DeskpulseProcessorLagging',
    comment: 'Past the escalation limit itself (escalate_after): per-chat escalations can no longer be on time.',
    expr: lagExpr(processorLag.criticalSeconds),
    for: processorLag.for,
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Processor {{ $labels.instance }} is {{ $value | humanizeDuration }} behind',
      description: text(
        `The processor {{ $labels.instance }} has been working on events more than ${spoken(processorLag.criticalSeconds)}`,
        `old for ${spoken(processorLag.for)} (now {{ $value | humanizeDuration }}): unanswered chats are paged`,
        `later than the escalation limit (escalate_after, ${spoken(processorLag.criticalSeconds)}) promises.`,
      ),
    },
  }),
]

const storeBehind = ({ runbookBase, storeLag }: RuleThresholds): AlertingRule => alert(runbookBase, {
  alert: 'DeskpulseStoreBehind',
  comment: text(
    'The ClickHouse writers behind the live cores (ClickHouse down, slow or unreachable): the history is late,',
    'the live path is not (alerting/src/thresholds.ts storeLag).',
  ),
  expr: `max by (job, instance) (deskpulse_processor_store_lag_seconds) > ${storeLag.seconds}
`,
  for: storeLag.for,
  labels: { severity: 'warning' },
  annotations: {
    summary: 'ClickHouse writes of {{ $labels.instance }} are {{ $value | humanizeDuration }} behind',
    description: text(
      `The processor {{ $labels.instance }} has not written the last {{ $value | humanizeDuration }} of events to ClickHouse`,
      `for ${spoken(storeLag.for)}: reports and the ClickHouse dashboards are late by as much. Alerts, metrics and the`,
      'wallboard are live; the stream holds the backlog until ClickHouse takes it.',
    ),
  },
})

const deskpulseDown = ({ runbookBase, down, jobs, selector }: RuleThresholds): AlertingRule => {
  const JOBS = [jobs.ingest, jobs.processor]
  const extra = selector ? `,${selector}` : ''
  return alert(runbookBase, {
    alert: 'DeskpulseDown',
    comment: text(
      'A target failing its scrapes, or a job missing from Prometheus altogether (scrape configuration or',
      'service discovery): absent() gives a series with only `job`.',
    ),
    expr: [`up{job=~"${JOBS.join('|')}"${extra}} == 0`, ...JOBS.map((job) => `or absent(up{job="${job}"${extra}})`)].join('\n') + '\n',
    for: down.for,
    labels: { severity: 'critical' },
    annotations: {
      summary: '{{ $labels.job }} down{{ with $labels.instance }} at {{ . }}{{ end }}',
      description: text(
        '{{ if $labels.instance }}Prometheus has failed to scrape {{ $labels.job }} at',
        `{{ $labels.instance }} for ${spoken(down.for)}{{ else }}Prometheus has had no scrape target for job`,
        `{{ $labels.job }} for ${spoken(down.for)}: check the scrape configuration and service`,
        `discovery{{ end }}.{{ if eq $labels.job "${jobs.processor}" }} While the processor is`,
        'down no KPI moves and no chat is escalated.{{ else }} While the ingest is down',
        'webhooks and helpdesk events are refused (WhatsApp retries its webhooks).{{ end }}',
      ),
    },
  })
}

export const pipelineAlertsGroup = (t: RuleThresholds): RuleGroup => ({
  name: 'deskpulse-pipeline-alerts',
  rules: [ingestRejecting(t), ...processorLagging(t), storeBehind(t), deskpulseDown(t)],
})
