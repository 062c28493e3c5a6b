/**
 * Bots and delivery (Prometheus + ClickHouse): how much the bot contains and hands off, how fast
 * it answers, and whether business messages reach the customers (delivered, read, failed, and why).
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { DashboardDefinition } from '../dashboard.js'
import { finish, newDashboard } from '../dashboard.js'
import { THRESHOLDS } from '../config.js'
import { prom, sql } from '../queries.js'
import { L, LT } from '../promql.js'
import { steps, barGaugePanel, row, statPanel, tablePanel, timeSeriesPanel } from '../panels.js'
import { prometheusVariables } from '../variables.js'
import { categoryName, kpiMinutesInRange, lineFilter, teamFilter } from '../sql.js'

const UID = 'deskpulse-bots-delivery'
const increase24h = (series: string) => `sum(increase(${series}[24h]))`
const share24h = (part: string, whole: string) => `${increase24h(part)} / (${increase24h(whole)} > 0)`

/**
 * Every business message sent in the range (`events` of kind message.out) with the furthest
 * status its `message.status` events reached, never downgraded (docs/kpis.md "Delivery health"):
 * rank 1 sent, 2 delivered, 3 read, 4 played; `failed` apart (it counts before delivery only).
 */
const messagesWithStatus = `
SELECT o.at AS at, o.line AS line, o.sender_kind AS sender_kind, s.rank AS rank, s.failed AS failed
FROM (
  SELECT at, line, JSONExtractString(payload, 'message_id') AS message_id, JSONExtractString(payload, 'sender_kind') AS sender_kind
  FROM events FINAL WHERE kind = 'message.out' AND $__timeFilter(at) AND ${lineFilter()}
) AS o
LEFT JOIN (
  SELECT JSONExtractString(payload, 'message_id') AS message_id,
    max(multiIf(status = 'played', 4, status = 'read', 3, status = 'delivered', 2, status = 'sent', 1, 0)) AS rank,
    max(status = 'failed') AS failed
  FROM (SELECT payload, JSONExtractString(payload, 'status') AS status FROM events FINAL WHERE kind = 'message.status' AND $__timeFilter(at) AND ${lineFilter()})
  GROUP BY message_id
) AS s ON s.message_id = o.message_id`

export const botsDelivery: DashboardDefinition = {
  file: 'bots-delivery.json',
  uid: UID,
  mayBeEmpty: {},
  build: (s = THRESHOLDS) => {
    const STEPS = steps(s)
    return finish(
      newDashboard({
        uid: UID,
        title: 'deskpulse / Bots and delivery',
        description: 'Bot containment, handoffs and bot first response; delivery, read and failure rates of business messages and their WhatsApp error codes (Prometheus and ClickHouse).',
        from: 'now-24h',
        refresh: '1m',
        variables: prometheusVariables(),
      })
        .withRow(row('Bot'))
        .withPanel(statPanel({
          title: 'Bot containment (24 h)',
          description: 'Of the bot-answered conversations first resolved in the last 24 hours, the share no human wrote in (docs/kpis.md "Outcomes").',
          unit: 'percentunit',
          steps: [['orange', null], ['green', 0.3]],
          decimals: 1,
          queries: [prom(share24h(`helpdesk_bot_resolutions_total{${L},outcome="contained"}`, `helpdesk_bot_resolutions_total{${L}}`), { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Handoff rate (24 h)',
          description: 'Bot conversations handed to a human, over the conversations the bot answered (helpdesk_bot_first_response_seconds_count), last 24 hours.',
          unit: 'percentunit',
          steps: [['green', null], ['orange', 0.7]],
          decimals: 1,
          queries: [prom(share24h(`helpdesk_bot_handoffs_total{${LT}}`, `helpdesk_bot_first_response_seconds_count{${L}}`), { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Bot first response p90 (1 h)',
          description: 'Time from opening to the first bot message, 90th percentile over the last hour.',
          unit: 's',
          steps: [['green', null], ['orange', 5], ['red', 30]],
          queries: [prom(`histogram_quantile(0.9, sum by (le) (rate(helpdesk_bot_first_response_seconds_bucket{${L}}[1h])))`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Delivered (24 h)',
          description: 'Business messages that reached delivered, over business messages sent (helpdesk_messages_total out), last 24 hours. A message read without a delivered status counts as read only.',
          unit: 'percentunit',
          steps: STEPS.goodShare,
          decimals: 1,
          queries: [prom(share24h(`helpdesk_message_statuses_total{${L},status="delivered"}`, `helpdesk_messages_total{${L},direction="out"}`), { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Read (24 h)',
          description: 'Business messages that reached read, over business messages sent, last 24 hours.',
          unit: 'percentunit',
          steps: [['orange', null], ['green', 0.5]],
          decimals: 1,
          queries: [prom(share24h(`helpdesk_message_statuses_total{${L},status="read"}`, `helpdesk_messages_total{${L},direction="out"}`), { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Failed (24 h)',
          description: 'Business messages that failed before delivery, over business messages sent, last 24 hours.',
          unit: 'percentunit',
          steps: STEPS.badShare,
          decimals: 2,
          queries: [prom(share24h(`helpdesk_message_statuses_total{${L},status="failed"}`, `helpdesk_messages_total{${L},direction="out"}`), { instant: true })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Bot resolutions and handoffs per hour',
          description: 'First resolutions of bot-answered conversations by outcome (contained: no human wrote; human), and handoffs to a team, per hour.',
          unit: 'suffix: /h',
          steps: STEPS.neutral,
          w: 8,
          queries: [
            prom(`sum by (outcome) (rate(helpdesk_bot_resolutions_total{${L}}[15m])) * 3600`, { legend: '{{outcome}}' }),
            prom(`sum by (team) (rate(helpdesk_bot_handoffs_total{${LT}}[15m])) * 3600`, { legend: 'handoff to {{team}}' }),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Containment and handoff rate by day',
          description: 'Per day of opening (conversations): containment (bot-answered conversations resolved with no human message, over those resolved) and handoff rate (handed to a human, over bot-answered).',
          unit: 'percentunit',
          steps: [['orange', null], ['green', 0.3]],
          max: 1,
          w: 8,
          queries: [sql(`
SELECT toStartOfDay(opened_at) AS time,
  sum(contained) / nullIf(countIf(bot_answered = 1 AND first_resolved_at IS NOT NULL), 0) AS containment,
  sum(handed_off) / nullIf(sum(bot_answered), 0) AS "handoff rate"
FROM conversations FINAL
WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} AND bot_answered = 1
GROUP BY time ORDER BY time`, 'timeseries')],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Bot first response p50 / p90',
          description: 'Time from opening to the first bot message, by when the bot answered (kpi_minute samples).',
          unit: 's',
          steps: [['green', null], ['orange', 5], ['red', 30]],
          w: 8,
          queries: [sql(`SELECT $__timeInterval(minute) AS time, quantile(0.5)(s) AS "bot p50", quantile(0.9)(s) AS "bot p90" FROM (${kpiMinutesInRange('minute, arrayJoin(bot_first_samples) AS s')}) GROUP BY time ORDER BY time`, 'timeseries')],
        }))
        .withPanel(tablePanel({
          title: 'Bot outcomes by request type',
          description: 'Per request type (the bot menu choice, a tag or keywords): conversations the bot answered, containment, handoff rate, bot first response p50.',
          unit: 'short',
          steps: STEPS.neutral,
          h: 8,
          columns: {
            containment: { unit: 'percentunit', decimals: 1, steps: [['orange', null], ['green', 0.3]], color: true },
            'handoff rate': { unit: 'percentunit', decimals: 1 },
            'bot first response p50': { unit: 's' },
          },
          queries: [sql(`
SELECT ${categoryName()} AS "request type", sum(bot_answered) AS "bot answered",
  sum(contained) / nullIf(countIf(first_resolved_at IS NOT NULL), 0) AS containment,
  sum(handed_off) / nullIf(sum(bot_answered), 0) AS "handoff rate",
  quantile(0.5)(bot_first_seconds) AS "bot first response p50"
FROM conversations FINAL
WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} AND bot_answered = 1
GROUP BY "request type" ORDER BY "bot answered" DESC`)],
        }))
        .withRow(row('Delivery'))
        .withPanel(timeSeriesPanel({
          title: 'Message statuses per minute',
          description: 'Business messages reaching each status per minute (a status counts when it moves the message forward; never downgraded).',
          unit: 'suffix: msg/min',
          steps: STEPS.neutral,
          w: 12,
          queries: [prom(`sum by (status) (rate(helpdesk_message_statuses_total{${L}}[$__rate_interval])) * 60`, { legend: '{{status}}' })],
        }))
        .withPanel(barGaugePanel({
          title: 'Failures by error code (24 h)',
          description: 'Failed deliveries of the last 24 hours by WhatsApp error code (known codes; the rest "other"), e.g. 131026 undeliverable, 131047 outside the 24-hour window.',
          unit: 'short',
          steps: STEPS.anyIsBad,
          decimals: 0,
          w: 12,
          queries: [prom(`sum by (code) (increase(helpdesk_message_failures_total{${L}}[24h])) > 0`, { instant: true, legend: '{{code}}' })],
        }))
        .withPanel(tablePanel({
          title: 'Delivery by sender kind and line',
          description: 'Business messages sent in the range by who sent them, with the share that reached delivered (or further), read (or played), and failed (events table, furthest status per message).',
          unit: 'short',
          steps: STEPS.neutral,
          w: 14,
          h: 9,
          columns: {
            delivered: { unit: 'percentunit', decimals: 1, steps: STEPS.goodShare, color: true },
            read: { unit: 'percentunit', decimals: 1 },
            failed: { unit: 'percentunit', decimals: 2, steps: STEPS.badShare, color: true },
          },
          queries: [sql(`
SELECT sender_kind AS "sender kind", line, count() AS messages,
  countIf(rank >= 2) / count() AS delivered, countIf(rank >= 3) / count() AS read, countIf(failed = 1) / count() AS failed
FROM (${messagesWithStatus})
GROUP BY "sender kind", line ORDER BY messages DESC`)],
        }))
        .withPanel(tablePanel({
          title: 'Failed deliveries by error code',
          description: "WhatsApp's error codes and titles of the failed statuses in the range (events table).",
          unit: 'short',
          steps: STEPS.anyIsBad,
          w: 10,
          h: 9,
          columns: { failures: { unit: 'short', steps: STEPS.anyIsBad, color: true } },
          queries: [sql(`
SELECT JSONExtractInt(e, 'code') AS code, any(JSONExtractString(e, 'title')) AS title, count() AS failures
FROM events FINAL ARRAY JOIN JSONExtractArrayRaw(payload, 'errors') AS e
WHERE kind = 'message.status' AND JSONExtractString(payload, 'status') = 'failed' AND $__timeFilter(at) AND ${lineFilter()}
GROUP BY code ORDER BY failures DESC`)],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Delivery rates over time',
          description: 'Per interval of sending: share of business messages delivered, read and failed (furthest status per message, events table).',
          unit: 'percentunit',
          steps: STEPS.goodShare,
          max: 1,
          thresholdsStyle: common.GraphThresholdsStyleMode.Off,
          w: 24,
          queries: [sql(`
SELECT $__timeInterval(at) AS time, countIf(rank >= 2) / count() AS delivered, countIf(rank >= 3) / count() AS read, countIf(failed = 1) / count() AS failed
FROM (${messagesWithStatus})
GROUP BY time ORDER BY time`, 'timeseries')],
        }))
        .build(),
    )
  },
}
