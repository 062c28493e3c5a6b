/**
 * Agents (Prometheus now, ClickHouse over the range): who is online, how loaded each team is
 * against the 85–90 % band, and per agent the conversations, first response, resolution, CSAT,
 * online time, occupancy and load (docs/kpis.md "Agents"). Per-agent figures come from ClickHouse:
 * Prometheus has no per-agent series (docs/metrics.md).
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { DashboardDefinition } from '../dashboard.js'
import { dashboardUrl, finish, newDashboard } from '../dashboard.js'
import { THRESHOLDS, loadBandText } from '../config.js'
import { prom, sql } from '../queries.js'
import { T } from '../promql.js'
import { steps, barGaugePanel, gaugePanel, row, statPanel, tablePanel, timeSeriesPanel } from '../panels.js'
import { clickhouseVariables } from '../variables.js'
import { conversationsInRange, csatShare, lineFilter, serviceLevel, teamFilter } from '../sql.js'

const UID = 'deskpulse-agents'

/** The rows of `agent_minute` in the range for the selected teams (filtered before any alias). */
const agentMinuteRows = `SELECT * FROM agent_minute FINAL WHERE $__timeFilter(minute) AND ${teamFilter()}`

/**
 * Per agent and partition over the range, from `agent_minute` (cumulative per partition): the
 * online, occupied and load seconds are differences of the totals; the status, active
 * conversations and capacity are those of the last minute. `online_seconds_total` is the same
 * in every partition (each hears every status); occupied and load count each partition's own
 * conversations, so they are summed over partitions and capped at the online time.
 */
const agentPartitions = `
SELECT agent, partition, any(team) AS team,
  argMax(online, minute) AS online_now, argMax(active, minute) AS active_now, argMax(capacity, minute) AS capacity_now,
  max(online_seconds_total) - min(online_seconds_total) AS online_s,
  max(occupied_seconds_total) - min(occupied_seconds_total) AS occupied_s,
  max(load_seconds_total) - min(load_seconds_total) AS load_s
FROM (${agentMinuteRows})
GROUP BY agent, partition`

/** Each agent's state at each minute: online, active conversations (all partitions), capacity. */
const agentMinutes = `
SELECT minute, agent, any(team) AS team, max(online) AS is_online, sum(active) AS active, greatest(max(capacity), 1) AS capacity
FROM (${agentMinuteRows})
GROUP BY minute, agent`

const toConversations = [{ title: 'Conversations of ${__data.fields.team}', url: `${dashboardUrl('deskpulse-conversations').replace('&${team:queryparam}', '')}&var-team=\${__data.fields.team}` }]

export const agents: DashboardDefinition = {
  file: 'agents.json',
  uid: UID,
  mayBeEmpty: {},
  build: (s = THRESHOLDS) => {
    const STEPS = steps(s)
    return finish(
      newDashboard({
        uid: UID,
        title: 'deskpulse / Agents',
        description: `Agents online and team load now (Prometheus); per agent over the time range: conversations, first response, resolution, CSAT, online time, occupancy and load against the ${loadBandText(s)} band (ClickHouse).`,
        from: 'now-24h',
        refresh: '1m',
        variables: clickhouseVariables(),
      })
        .withRow(row('Now'))
        .withPanel(statPanel({
          title: 'Agents online',
          description: 'Agents with status online in the selected teams.',
          unit: 'short',
          steps: [['red', null], ['green', 1]],
          w: 4,
          h: 6,
          queries: [prom(`sum(max by (team) (helpdesk_agents_online{${T}}))`, { instant: true })],
        }))
        .withPanel(gaugePanel({
          title: 'Load by team',
          description: `Mean over online agents of min(active conversations / capacity, 1). Target band ${loadBandText(s)}: blue under it, green in it, red above.`,
          unit: 'percentunit',
          steps: STEPS.loadBand,
          w: 7,
          queries: [prom(`max by (team) (helpdesk_agent_load_ratio{${T}})`, { instant: true, legend: '{{team}}' })],
        }))
        .withPanel(gaugePanel({
          title: 'Occupancy by team',
          description: 'Share of online agents with at least one active conversation (open and not awaiting the customer).',
          unit: 'percentunit',
          steps: STEPS.loadBand,
          w: 7,
          queries: [prom(`max by (team) (helpdesk_agent_occupancy_ratio{${T}})`, { instant: true, legend: '{{team}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Active conversations and agents online',
          description: 'Active conversations assigned to each team’s agents, and the team’s agents online.',
          unit: 'short',
          steps: STEPS.neutral,
          w: 6,
          h: 6,
          queries: [
            prom(`sum by (team) (helpdesk_agent_active_conversations{${T}})`, { legend: 'active {{team}}' }),
            prom(`max by (team) (helpdesk_agents_online{${T}})`, { legend: 'online {{team}}' }),
          ],
        }))
        .withRow(row('Per agent'))
        .withPanel(tablePanel({
          title: 'Agents: conversations, response, resolution, CSAT',
          description: 'Per agent, the conversations opened in the range that were last assigned to them (docs/kpis.md credits CSAT to the last assigned agent): resolved, first response p50/p90 and service level, next response p50, first resolution p50, CSAT, breaches.',
          unit: 'short',
          steps: STEPS.neutral,
          h: 10,
          links: toConversations,
          columns: {
            'FRT p50': { unit: 's', steps: STEPS.frt, color: true },
            'FRT p90': { unit: 's', steps: STEPS.frt, color: true },
            'service level': { unit: 'percentunit', decimals: 1, steps: STEPS.serviceLevel, color: true },
            'NRT p50': { unit: 's', steps: STEPS.frt },
            'resolution p50': { unit: 's' },
            CSAT: { unit: 'percentunit', decimals: 1, steps: STEPS.goodShare, color: true },
            'CSAT mean': { unit: 'none', decimals: 2 },
            breaches: { unit: 'short', steps: STEPS.anyIsBad, color: true },
          },
          sortBy: { column: 'conversations', desc: true },
          queries: [sql(`
SELECT agent, any(team) AS team, count() AS conversations, countIf(first_resolved_at IS NOT NULL) AS resolved,
  quantile(0.5)(frt_seconds) AS "FRT p50", quantile(0.9)(frt_seconds) AS "FRT p90", ${serviceLevel(s.frtTargetSeconds)} AS "service level",
  quantileArray(0.5)(nrt_seconds) AS "NRT p50", quantile(0.5)(resolution_seconds) AS "resolution p50",
  count(csat) AS "CSAT responses", ${csatShare()} AS CSAT, avg(csat) AS "CSAT mean", sum(breaches) AS breaches
FROM (${conversationsInRange()} AND agent != '')
GROUP BY agent
ORDER BY conversations DESC`)],
        }))
        .withPanel(tablePanel({
          title: 'Agents: online time, occupancy, load',
          description: `Per agent over the range (agent_minute): time online, occupancy (share of online time with an active conversation) and load (online-time average of min(active / capacity, 1)) against the ${loadBandText(s)} band; status, active conversations and capacity at the range's last minute.`,
          unit: 'short',
          steps: STEPS.neutral,
          h: 10,
          links: toConversations,
          columns: {
            'online time': { unit: 's' },
            occupancy: { unit: 'percentunit', decimals: 1, steps: STEPS.loadBand, color: true },
            load: { unit: 'percentunit', decimals: 1, steps: STEPS.loadBand, color: true },
          },
          queries: [sql(`
SELECT agent, any(team) AS team, if(max(online_now) = 1, 'online', 'not online') AS status, sum(active_now) AS "active now", max(capacity_now) AS capacity,
  max(online_s) AS "online time",
  least(sum(occupied_s), max(online_s)) / nullIf(max(online_s), 0) AS occupancy,
  least(sum(load_s), max(online_s)) / nullIf(max(online_s), 0) AS load
FROM (${agentPartitions})
GROUP BY agent
ORDER BY team, agent`)],
        }))
        .withPanel(barGaugePanel({
          title: 'First response p90 by agent',
          description: `90th percentile of each agent's first responses in the range, against the ${s.frtTargetSeconds} s target.`,
          unit: 's',
          steps: STEPS.frt,
          rows: true,
          w: 8,
          h: 10,
          queries: [sql(`SELECT agent, quantile(0.9)(frt_seconds) AS "FRT p90" FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()} AND agent != '' AND frt_seconds IS NOT NULL GROUP BY agent ORDER BY "FRT p90" DESC`)],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Agents online over time',
          description: 'Agents online per team, averaged over each interval (agent_minute).',
          unit: 'short',
          steps: STEPS.neutral,
          w: 8,
          h: 10,
          queries: [sql(`SELECT $__timeInterval(minute) AS time, team, avg(n) AS online FROM (SELECT minute, team, countIf(is_online = 1) AS n FROM (${agentMinutes}) GROUP BY minute, team) GROUP BY time, team ORDER BY time`, 'timeseries')],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Team load over time',
          description: `Load of each team's online agents at each minute's end (min(active / capacity, 1), averaged), with the ${loadBandText(s)} band shaded.`,
          unit: 'percentunit',
          steps: STEPS.loadBand,
          thresholdsStyle: common.GraphThresholdsStyleMode.LineAndArea,
          max: 1,
          w: 8,
          h: 10,
          queries: [sql(`SELECT $__timeInterval(minute) AS time, team, avg(l) AS load FROM (SELECT minute, team, avgIf(least(active / capacity, 1), is_online = 1) AS l FROM (${agentMinutes}) GROUP BY minute, team HAVING countIf(is_online = 1) > 0) GROUP BY time, team ORDER BY time`, 'timeseries')],
        }))
        .build(),
    )
  },
}
