/**
 * Conversations and customers (ClickHouse): when customers write, what about, how fast each kind
 * of request and each team answers and resolves, FCR and repeat contacts, sentiment, missed
 * chats, and the conversations behind the figures (the slowest and the breached, with timings).
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { DashboardDefinition } from '../dashboard.js'
import { finish, newDashboard } from '../dashboard.js'
import { THRESHOLDS, escalationLimits, type DashboardThresholds } from '../config.js'
import { sql } from '../queries.js'
import { steps, barGaugePanel, heatmapPanel, row, statPanel, tablePanel, timeSeriesPanel } from '../panels.js'
import { clickhouseVariables, timezoneVariable } from '../variables.js'
import { categoryName, conversationsInRange, csatShare, kpiMinutesInRange, lineFilter, serviceLevel, teamFilter } from '../sql.js'

const UID = 'deskpulse-conversations'
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'))
const DAYS = "['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']"
const TZ = '${tz:singlequote}'
const byHour = HOURS.map((h) => `countIf(toHour(opened_at, ${TZ}) = ${Number(h)}) AS "${h}"`).join(', ')

/**
 * Each conversation of the range with `repeat` = 1 when the same customer opened another
 * conversation on the line within repeat_window (7 days) before it: a repeat contact. The window
 * looks back before the range so that a range's first conversations see their predecessors.
 * `$__fromTime` and `$__toTime` sit right before a `)`: the plugin takes the first parenthesis
 * after an argument-less macro as its arguments (sqlutil getMacroMatches), so `$__toTime AND
 * line IN ('a')` would swallow the filter (docs/grafana.md "Writing SQL panels").
 */
const withRepeat = (s: DashboardThresholds) => `
SELECT opened_at, dateDiff('second', lagInFrame(opened_at, 1, toDateTime64(0, 3, 'UTC')) OVER (PARTITION BY line, customer ORDER BY opened_at), opened_at) <= ${s.repeatWindowDays * 86_400} AS repeat
FROM conversations FINAL
WHERE (opened_at >= ($__fromTime - INTERVAL ${s.repeatWindowDays} DAY)) AND (opened_at <= $__toTime) AND ${lineFilter()} AND ${teamFilter()}`

/** FCR verdicts (fcr_verdicts) of the conversations last resolved in the range. */
const verdictsResolvedInRange = `
FROM (SELECT conversation_id, assumeNotNull(resolved_at) AS resolved_at FROM conversations FINAL WHERE $__timeFilter(resolved_at) AND ${lineFilter()} AND ${teamFilter()}) AS c
INNER JOIN (SELECT conversation_id, fcr FROM fcr_verdicts FINAL) AS v ON v.conversation_id = c.conversation_id`

const timingsBy = (s: DashboardThresholds, key: string, label: string) => `
SELECT ${key} AS "${label}", count() AS conversations,
  quantile(0.5)(frt_seconds) AS "FRT p50", quantile(0.9)(frt_seconds) AS "FRT p90", ${serviceLevel(s.frtTargetSeconds)} AS "service level",
  quantile(0.5)(resolution_seconds) AS "resolution p50", quantile(0.9)(resolution_seconds) AS "resolution p90",
  sum(breaches) AS breaches, ${csatShare()} AS CSAT
FROM conversations FINAL
WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()}
GROUP BY "${label}" ORDER BY conversations DESC`

const timingColumns = (STEPS: ReturnType<typeof steps>) => ({
  'FRT p50': { unit: 's', steps: STEPS.frt, color: true },
  'FRT p90': { unit: 's', steps: STEPS.frt, color: true },
  'service level': { unit: 'percentunit', steps: STEPS.serviceLevel, color: true, decimals: 1 },
  'resolution p50': { unit: 's' },
  'resolution p90': { unit: 's' },
  breaches: { unit: 'short', steps: STEPS.anyIsBad, color: true },
  CSAT: { unit: 'percentunit', steps: STEPS.goodShare, color: true, decimals: 1 },
})

/**
 * The conversation in the helpdesk: `helpdesk_url` is rendered from the line's
 * lines.<id>.helpdesk_url when the row is written, so the cell is the link ('' shows as —).
 */
const HELPDESK_COLUMN = { link: { title: 'Open in the helpdesk', url: '${__value.raw}' }, empty: '—' }

/** Helpdesk links of the conversations that escalated in the range (they may have opened before it). */
const helpdeskLinksOfEscalations = `SELECT conversation_id, helpdesk_url FROM conversations FINAL WHERE conversation_id IN (SELECT conversation_id FROM escalations WHERE $__timeFilter(waiting_since) AND ${lineFilter()})`

export const conversations: DashboardDefinition = {
  file: 'conversations.json',
  uid: UID,
  mayBeEmpty: {},
  build: (s = THRESHOLDS) => {
    const STEPS = steps(s)
    return finish(
      newDashboard({
        uid: UID,
        title: 'deskpulse / Conversations and customers',
        description: 'Conversations opened in the time range: peak hours, request types, first response and resolution by type and team, FCR, repeat contacts, sentiment, missed chats, and the slowest and breached conversations (ClickHouse).',
        from: 'now-30d',
        refresh: '5m',
        variables: [...clickhouseVariables(), timezoneVariable(s.timezone)],
      })
        .withRow(row('Summary'))
        .withPanel(statPanel({
          title: 'Conversations opened',
          description: 'Conversations opened in the time range (one row per conversation in `conversations`).',
          unit: 'short',
          steps: STEPS.neutral,
          queries: [sql(conversationsInRange('count() AS conversations'))],
        }))
        .withPanel(statPanel({
          title: 'FRT p90',
          description: `90th percentile of the human first response time of the conversations opened in the range; orange past the ${s.frtTargetSeconds} s target.`,
          unit: 's',
          steps: STEPS.frt,
          queries: [sql(conversationsInRange('quantile(0.9)(frt_seconds) AS "FRT p90"'))],
        }))
        .withPanel(statPanel({
          title: 'Service level',
          description: `Share of first responses within ${s.frtTargetSeconds} s (docs/kpis.md "Service level and SLO"), against the ${s.sloObjective * 100} % objective.`,
          unit: 'percentunit',
          steps: STEPS.serviceLevel,
          decimals: 1,
          queries: [sql(conversationsInRange(`${serviceLevel(s.frtTargetSeconds)} AS "service level"`))],
        }))
        .withPanel(statPanel({
          title: 'First-contact resolution',
          description: `FCR % of the conversations last resolved in the range whose verdict is final: resolved once, at most one agent, no new conversation within ${s.repeatWindowDays} days (docs/kpis.md "Outcomes"). Verdicts fall ${s.repeatWindowDays} days after the resolution, so the newest week is mostly pending.`,
          unit: 'percentunit',
          steps: STEPS.goodShare,
          decimals: 1,
          queries: [sql(`SELECT avg(v.fcr) AS FCR ${verdictsResolvedInRange}`)],
        }))
        .withPanel(statPanel({
          title: 'Repeat contacts',
          description: `Share of the conversations opened in the range whose customer had another conversation on the line in the ${s.repeatWindowDays} days before.`,
          unit: 'percentunit',
          steps: [['green', null], ['orange', 0.15], ['red', 0.3]],
          decimals: 1,
          queries: [sql(`SELECT avg(repeat) AS "repeat contacts" FROM (${withRepeat(s)}) WHERE $__timeFilter(opened_at)`)],
        }))
        .withPanel(statPanel({
          title: 'Missed chats',
          description: "Conversations opened in the range whose customer was still waiting when WhatsApp's 24-hour customer service window closed.",
          unit: 'short',
          steps: STEPS.anyIsBad,
          queries: [sql(conversationsInRange('sum(missed) AS missed'))],
        }))
        .withRow(row('When customers write'))
        .withPanel(heatmapPanel({
          title: 'Peak hours: conversations opened per day and hour',
          description: 'Conversations opened per day (x) and hour of the day (y), in the time zone of the `tz` variable (the line’s time zone).',
          unit: 'short',
          steps: STEPS.neutral,
          valueName: 'conversations',
          yUnit: 'none',
          w: 14,
          queries: [sql(`SELECT toStartOfDay(opened_at, ${TZ}) AS time, ${byHour} FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} GROUP BY time ORDER BY time`, 'timeseries')],
        }))
        .withPanel(tablePanel({
          title: 'Peak hours by day of week',
          description: 'Conversations opened per day of the week × hour of the day over the whole range, in the `tz` time zone: the staffing matrix.',
          unit: 'short',
          steps: [['transparent', null], ['light-orange', 1], ['orange', 5], ['red', 10]],
          w: 10,
          h: 9,
          overrides: [{ matcher: { id: 'byRegexp', options: '^\\d\\d$' }, properties: [{ id: 'custom.cellOptions', value: { type: 'color-background', mode: 'gradient' } }, { id: 'custom.width', value: 34 }] }],
          queries: [sql(`SELECT ${DAYS}[toDayOfWeek(opened_at, 0, ${TZ})] AS day, ${byHour} FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} GROUP BY day ORDER BY indexOf(${DAYS}, day)`)],
        }))
        .withRow(row('Request types and teams'))
        .withPanel(timeSeriesPanel({
          title: 'Volume by request type',
          description: 'Conversations opened per interval by request type (tag, bot menu choice or keywords; docs/kpis.md "Volume and mix").',
          unit: 'short',
          steps: STEPS.neutral,
          stack: true,
          bars: true,
          w: 16,
          queries: [sql(`SELECT $__timeInterval(opened_at) AS time, ${categoryName()} AS category, count() AS conversations FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} GROUP BY time, category ORDER BY time`, 'timeseries')],
        }))
        .withPanel(barGaugePanel({
          title: 'Request types',
          description: 'Conversations opened in the range by request type.',
          unit: 'short',
          steps: STEPS.neutral,
          rows: true,
          queries: [sql(`SELECT ${categoryName()} AS category, count() AS conversations FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} GROUP BY category ORDER BY conversations DESC`)],
        }))
        .withPanel(tablePanel({
          title: 'FRT and resolution by request type',
          description: `Per request type: conversations, first response p50/p90 (orange past ${s.frtTargetSeconds} s), service level, first resolution p50/p90, breaches, CSAT.`,
          unit: 'short',
          steps: STEPS.neutral,
          w: 12,
          h: 9,
          columns: timingColumns(STEPS),
          queries: [sql(timingsBy(s, categoryName(), 'request type'))],
        }))
        .withPanel(tablePanel({
          title: 'FRT and resolution by team',
          description: 'The same figures per team (the team the conversation was last assigned to).',
          unit: 'short',
          steps: STEPS.neutral,
          w: 12,
          h: 9,
          columns: timingColumns(STEPS),
          queries: [sql(timingsBy(s, 'team', 'team'))],
        }))
        .withPanel(timeSeriesPanel({
          title: 'First response p50 / p90 over time',
          description: `First response times by when the reply was sent (kpi_minute samples), against the ${s.frtTargetSeconds} s target.`,
          unit: 's',
          steps: STEPS.frt,
          thresholdsStyle: common.GraphThresholdsStyleMode.Dashed,
          queries: [sql(`SELECT $__timeInterval(minute) AS time, quantile(0.5)(s) AS "FRT p50", quantile(0.9)(s) AS "FRT p90" FROM (${kpiMinutesInRange('minute, arrayJoin(frt_samples) AS s')}) GROUP BY time ORDER BY time`, 'timeseries')],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Resolution time p50 / p90 over time',
          description: 'First resolution times by when the conversation was resolved (kpi_minute samples).',
          unit: 's',
          steps: STEPS.neutral,
          queries: [sql(`SELECT $__timeInterval(minute) AS time, quantile(0.5)(s) AS "resolution p50", quantile(0.9)(s) AS "resolution p90" FROM (${kpiMinutesInRange('minute, arrayJoin(resolution_samples) AS s')}) GROUP BY time ORDER BY time`, 'timeseries')],
        }))
        .withRow(row('Outcomes'))
        .withPanel(timeSeriesPanel({
          title: 'FCR and repeat contacts by day',
          description: 'FCR % of the verdicts of conversations resolved each day, and the share of each day’s new conversations that were repeat contacts.',
          unit: 'percentunit',
          steps: STEPS.goodShare,
          max: 1,
          w: 8,
          queries: [
            sql(`SELECT toStartOfDay(c.resolved_at) AS time, avg(v.fcr) AS FCR ${verdictsResolvedInRange} GROUP BY time ORDER BY time`, 'timeseries'),
            sql(`SELECT toStartOfDay(opened_at) AS time, avg(repeat) AS "repeat contacts" FROM (${withRepeat(s)}) WHERE $__timeFilter(opened_at) GROUP BY time ORDER BY time`, 'timeseries'),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Customer sentiment',
          description: 'Mean sentiment of the customers’ texts (−1 to 1; below −0.25 is negative) of the conversations opened per interval.',
          unit: 'none',
          steps: STEPS.sentiment,
          min: -1,
          max: 1,
          decimals: 2,
          w: 8,
          queries: [sql(`SELECT $__timeInterval(opened_at) AS time, sum(sentiment_sum) / nullIf(sum(sentiment_count), 0) AS "mean sentiment" FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} GROUP BY time ORDER BY time`, 'timeseries')],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Missed chats and breaches',
          description: `Per interval of opening: conversations missed (the 24-hour window closed while the customer waited), breaches and warnings of the escalation limit (escalate_after: ${escalationLimits(s)}).`,
          unit: 'short',
          steps: STEPS.anyIsBad,
          bars: true,
          w: 8,
          queries: [sql(`SELECT $__timeInterval(opened_at) AS time, sum(missed) AS missed, sum(breaches) AS breaches, sum(warnings) AS warnings FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} GROUP BY time ORDER BY time`, 'timeseries')],
        }))
        .withPanel(barGaugePanel({
          title: 'CSAT distribution',
          description: 'CSAT scores of the conversations opened in the range (the last response of each).',
          unit: 'short',
          steps: STEPS.neutral,
          rows: true,
          w: 8,
          queries: [sql(conversationsInRange("concat(toString(csat), ' ★') AS score, count() AS responses") + ' AND csat IS NOT NULL GROUP BY score ORDER BY score')],
        }))
        .withPanel(tablePanel({
          title: 'Sentiment by request type',
          description: 'Mean sentiment and the share of negative customer texts per request type.',
          unit: 'none',
          steps: STEPS.sentiment,
          w: 16,
          h: 8,
          columns: { 'mean sentiment': { unit: 'none', decimals: 2, steps: STEPS.sentiment, color: true }, 'negative texts': { unit: 'percentunit', decimals: 1 } },
          queries: [sql(`SELECT ${categoryName()} AS "request type", sum(sentiment_count) AS texts, sum(sentiment_sum) / nullIf(sum(sentiment_count), 0) AS "mean sentiment", sum(negative_messages) / nullIf(sum(sentiment_count), 0) AS "negative texts" FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} GROUP BY "request type" ORDER BY texts DESC`)],
        }))
        .withRow(row('Drill-down'))
        .withPanel(tablePanel({
          title: 'Slowest and breached conversations',
          description: `The conversations behind the figures: breached, missed, or first answered after ${s.frtTargetSeconds} s, or still unanswered — worst first, with every timing (seconds) and outcome. The id is opaque (line|customer hash#opening); "helpdesk" opens the chat in the helpdesk (the line's helpdesk_url, when the helpdesk reported its conversation id).`,
          unit: 'short',
          steps: STEPS.neutral,
          h: 12,
          columns: {
            FRT: { unit: 's', steps: STEPS.frt, color: true },
            assignment: { unit: 's' },
            resolution: { unit: 's' },
            breaches: { unit: 'short', steps: STEPS.anyIsBad, color: true },
            missed: { unit: 'short', steps: STEPS.anyIsBad, color: true },
            sentiment: { unit: 'none', decimals: 2, steps: STEPS.sentiment },
            opened: { unit: 'dateTimeAsIso' },
            'waiting since': { unit: 'dateTimeAsIso' },
            helpdesk: HELPDESK_COLUMN,
          },
          queries: [sql(`
SELECT opened_at AS opened, line, team, if(agent = '', '—', agent) AS agent, ${categoryName()} AS "request type", state,
  waiting_since AS "waiting since", frt_seconds AS FRT, assignment_seconds AS assignment, resolution_seconds AS resolution,
  warnings, breaches, missed, reopened, csat AS CSAT, sentiment_mean AS sentiment, messages_in AS "in", messages_out AS "out", conversation_id AS conversation, helpdesk_url AS helpdesk
FROM conversations FINAL
WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()}
  AND (breaches > 0 OR missed = 1 OR frt_seconds > ${s.frtTargetSeconds} OR (open = 1 AND waiting_since IS NOT NULL AND frt_seconds IS NULL))
ORDER BY breaches + missed DESC, frt_seconds IS NULL DESC, frt_seconds DESC
LIMIT 200`)],
        }))
        .withPanel(tablePanel({
          title: 'Escalations',
          description: `Every escalation warning and breach of the range (table escalations; breach at escalate_after: ${escalationLimits(s)}): when the customer started waiting, when it fired, how it ended (answered, retracted or still firing) and how long the customer waited; "helpdesk" opens the chat in the helpdesk when its link is known.`,
          unit: 'short',
          steps: STEPS.neutral,
          h: 10,
          columns: {
            waited: { unit: 's', steps: STEPS.waiting, color: true },
            'waiting since': { unit: 'dateTimeAsIso' },
            fired: { unit: 'dateTimeAsIso' },
            helpdesk: HELPDESK_COLUMN,
          },
          queries: [sql(`
SELECT waiting_since AS "waiting since", fired_at AS fired, level, line, team, agent, outcome,
  dateDiff('second', waiting_since, coalesce(ended_at, now64(3))) AS waited, e.conversation_id AS conversation, h.helpdesk_url AS helpdesk
FROM (SELECT * FROM escalations FINAL WHERE $__timeFilter(waiting_since) AND ${lineFilter()} AND ${teamFilter()}) AS e
LEFT JOIN (${helpdeskLinksOfEscalations}) AS h ON h.conversation_id = e.conversation_id
ORDER BY fired_at DESC
LIMIT 200`)],
        }))
        .build(),
    )
  },
}
