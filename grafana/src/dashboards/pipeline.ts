/**
 * Pipeline health (Prometheus): is deskpulse itself well — ingest rate and rejections, JetStream
 * publishing, processor lag, ClickHouse writes, alert delivery to Alertmanager, the processes.
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus'
import type { DashboardDefinition } from '../dashboard.js'
import { finish, newDashboard } from '../dashboard.js'
import { THRESHOLDS, pct } from '../config.js'
import { prom } from '../queries.js'
import { L, NOT_TRAFFIC, jobsSelector } from '../promql.js'
import { spoken } from '../../../alerting/src/rule.js'
import { steps, row, statPanel, tablePanel, timeSeriesPanel } from '../panels.js'
import { prometheusVariables } from '../variables.js'

const UID = 'deskpulse-pipeline'
const upDown: dashboard.ValueMapping[] = [
  { type: dashboard.MappingType.ValueToText, options: { '0': { text: 'down', color: 'red' }, '1': { text: 'up', color: 'green' } } },
]

export const pipeline: DashboardDefinition = {
  file: 'pipeline.json',
  uid: UID,
  mayBeEmpty: {
    'Rejections by reason': 'deskpulse_ingest_rejected_total has no series until the ingest rejects a request',
    'Alert posts to Alertmanager per minute': 'deskpulse_alertmanager_posts_total has no series until the processor posts a per-chat escalation (never without ALERTMANAGER_URL)',
    'Pipeline alerts firing': 'no DeskpulseIngestRejecting, DeskpulseProcessorLagging, DeskpulseStoreBehind or DeskpulseDown firing is the normal state',
  },
  build: (s = THRESHOLDS) => {
    const STEPS = steps(s)
    return finish(
      newDashboard({
        uid: UID,
        title: 'deskpulse / Pipeline health',
        description: 'Ingest rate and rejections, JetStream publishing, processor lag, ClickHouse writes, alert delivery and the processes (Prometheus).',
        from: 'now-1h',
        refresh: '10s',
        variables: prometheusVariables(),
      })
        .withRow(row('Status'))
        .withPanel(statPanel({
          title: 'Targets up',
          description: `Whether Prometheus scrapes the ingest and the processor (jobs ${s.jobs.ingest} and ${s.jobs.processor}; DeskpulseDown fires after ${spoken(s.alerts.down.for)} down).`,
          unit: 'none',
          steps: STEPS.up,
          mappings: upDown,
          w: 6,
          queries: [prom(`min by (job) (up{${jobsSelector(s)}})`, { instant: true, legend: '{{job}}' })],
        }))
        .withPanel(statPanel({
          title: 'Processor lag',
          description: `Age of the oldest event in the batch the processor is working on; 0 when caught up. DeskpulseProcessorLagging: ${s.alerts.processorLag.warningSeconds} s (warning), ${s.alerts.processorLag.criticalSeconds} s (critical).`,
          unit: 's',
          steps: STEPS.lag,
          queries: [prom('max(deskpulse_processor_lag_seconds)', { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'ClickHouse writes',
          description: 'Whether the last ClickHouse insert succeeded (deskpulse_processor_clickhouse_up); while it fails the store writers retry and the stream holds their backlog; alerts, metrics and the wallboard go on.',
          unit: 'none',
          steps: STEPS.up,
          mappings: [{ type: dashboard.MappingType.ValueToText, options: { '0': { text: 'failing', color: 'red' }, '1': { text: 'ok', color: 'green' } } }],
          queries: [prom('min(deskpulse_processor_clickhouse_up)', { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Rejected share (5 m)',
          description: `Rejected webhook and event requests over all of them (scrapes and probes left out); DeskpulseIngestRejecting fires above ${pct(s.alerts.ingestRejection.share)} for ${spoken(s.alerts.ingestRejection.for)}.`,
          unit: 'percentunit',
          steps: STEPS.badShare,
          decimals: 2,
          queries: [prom(`(sum(rate(deskpulse_ingest_rejected_total[$__rate_interval])) or vector(0)) / (sum(rate(deskpulse_ingest_requests_total{${NOT_TRAFFIC}}[$__rate_interval])) > 0)`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Partitions owned',
          description: 'Stream partitions processed, over all processor instances (each partition has one owner).',
          unit: 'short',
          steps: STEPS.neutral,
          queries: [prom('sum(deskpulse_processor_partitions_owned)', { instant: true })],
        }))
        .withRow(row('Ingest'))
        .withPanel(timeSeriesPanel({
          title: 'Ingest requests per second',
          description: 'Webhook and event requests by route and HTTP code.',
          unit: 'reqps',
          steps: STEPS.neutral,
          w: 8,
          queries: [prom(`sum by (route, code) (rate(deskpulse_ingest_requests_total{${NOT_TRAFFIC}}[$__rate_interval]))`, { legend: '{{route}} {{code}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Rejections by reason',
          description: 'Rejected requests per minute by reason (bad signature, bad token, invalid body …).',
          unit: 'suffix: /min',
          steps: STEPS.anyIsBad,
          w: 8,
          queries: [prom('sum by (reason) (rate(deskpulse_ingest_rejected_total[$__rate_interval])) * 60', { legend: '{{reason}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Publish to JetStream acknowledgement',
          description: 'Time from publishing an event to its JetStream acknowledgement, p50 and p99: the ingest answers 200 only after it.',
          unit: 's',
          steps: [['green', null], ['orange', 0.1], ['red', 1]],
          w: 8,
          queries: [
            prom('histogram_quantile(0.5, sum by (le) (rate(deskpulse_ingest_publish_seconds_bucket[$__rate_interval])))', { legend: 'p50' }),
            prom('histogram_quantile(0.99, sum by (le) (rate(deskpulse_ingest_publish_seconds_bucket[$__rate_interval])))', { legend: 'p99' }),
          ],
        }))
        .withRow(row('Processor'))
        .withPanel(timeSeriesPanel({
          title: 'Events published and processed per second',
          description: 'Events acknowledged by JetStream (ingest) and events consumed, written and acknowledged (processor): the gap is the backlog building or draining.',
          unit: 'suffix: ev/s',
          steps: STEPS.neutral,
          w: 8,
          queries: [
            prom('sum(rate(deskpulse_ingest_events_published_total[$__rate_interval]))', { legend: 'published' }),
            prom('sum(rate(deskpulse_events_processed_total[$__rate_interval]))', { legend: 'processed' }),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Processor lag by instance',
          description: `Per processor instance, against the ${s.alerts.processorLag.warningSeconds} s and ${s.alerts.processorLag.criticalSeconds} s alert thresholds.`,
          unit: 's',
          steps: STEPS.lag,
          thresholdsStyle: common.GraphThresholdsStyleMode.Dashed,
          w: 8,
          queries: [prom('max by (instance) (deskpulse_processor_lag_seconds)', { legend: '{{instance}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'ClickHouse write errors per minute',
          description: 'Failed ClickHouse inserts per minute (each is retried; the store writers read nothing further meanwhile, the live path goes on).',
          unit: 'suffix: /min',
          steps: STEPS.anyIsBad,
          w: 8,
          queries: [prom('sum(rate(deskpulse_clickhouse_write_errors_total[$__rate_interval])) * 60', { legend: 'write errors' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'ClickHouse writers behind',
          description: `How far the ClickHouse writers are behind the live cores, per processor instance (deskpulse_processor_store_lag_seconds); DeskpulseStoreBehind warns above ${s.alerts.storeLag.seconds} s for ${spoken(s.alerts.storeLag.for)}. Pages do not wait for them.`,
          unit: 's',
          steps: STEPS.lag,
          thresholdsStyle: common.GraphThresholdsStyleMode.Dashed,
          w: 8,
          queries: [prom('max by (instance) (deskpulse_processor_store_lag_seconds)', { legend: '{{instance}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Events processed per second by kind',
          description: 'Canonical events consumed by the processor, by kind.',
          unit: 'suffix: ev/s',
          steps: STEPS.neutral,
          stack: true,
          w: 8,
          queries: [prom('sum by (kind) (rate(deskpulse_events_processed_total[$__rate_interval]))', { legend: '{{kind}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Messages per second by line',
          description: 'WhatsApp messages the processor counted per line (both directions).',
          unit: 'suffix: msg/s',
          steps: STEPS.neutral,
          w: 8,
          queries: [prom(`sum by (line) (rate(helpdesk_messages_total{${L}}[$__rate_interval]))`, { legend: '{{line}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Checkpoint duration',
          description: 'Time the last state checkpoint took (serialise and store in the JetStream object store).',
          unit: 's',
          steps: [['green', null], ['orange', 1], ['red', 5]],
          w: 8,
          queries: [prom('max by (instance) (deskpulse_processor_checkpoint_seconds)', { legend: '{{instance}}' })],
        }))
        .withRow(row('Alert delivery and processes'))
        .withPanel(timeSeriesPanel({
          title: 'Alert posts to Alertmanager per minute',
          description: "The processor's posts of per-chat escalations to Alertmanager's /api/v2/alerts, by result.",
          unit: 'suffix: /min',
          steps: STEPS.neutral,
          w: 8,
          queries: [prom('sum by (result) (rate(deskpulse_alertmanager_posts_total[$__rate_interval])) * 60', { legend: '{{result}}' })],
        }))
        .withPanel(statPanel({
          title: 'Alertmanager post errors (1 h)',
          description: 'Failed posts to Alertmanager in the last hour: per-chat escalations are not reaching on-call (HelpdeskChatUnansweredFiveMinutes still fires from Prometheus).',
          unit: 'short',
          steps: STEPS.anyIsBad,
          h: 8,
          queries: [prom('sum(increase(deskpulse_alertmanager_posts_total{result="error"}[1h])) or vector(0)', { instant: true })],
        }))
        .withPanel(tablePanel({
          title: 'Pipeline alerts firing',
          description: 'DeskpulseIngestRejecting, DeskpulseProcessorLagging, DeskpulseStoreBehind and DeskpulseDown alerts firing now.',
          unit: 'none',
          steps: STEPS.anyIsBad,
          w: 12,
          h: 8,
          queries: [prom('ALERTS{alertstate="firing",alertname=~"Deskpulse.*"}', { instant: true, format: prometheus.PromQueryFormat.Table })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Resident memory',
          description: "Resident memory of the ingest and processor processes (Node's default process_* metrics; the job tells them apart).",
          unit: 'bytes',
          steps: STEPS.neutral,
          w: 12,
          queries: [
            prom('max by (job, instance) (process_resident_memory_bytes)', { legend: '{{job}} {{instance}}' }),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Event loop lag p99',
          description: "Node's event loop delay, p99, of the ingest and processor processes.",
          unit: 's',
          steps: [['green', null], ['orange', 0.1], ['red', 0.5]],
          w: 12,
          queries: [
            prom('max by (job, instance) (nodejs_eventloop_lag_p99_seconds)', { legend: '{{job}} {{instance}}' }),
          ],
        }))
        .build(),
    )
  },
}
