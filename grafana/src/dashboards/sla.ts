/**
 * SLA policies (docs/sla.md): hit rate per policy and target, misses by team, targets running now
 * (at risk), escalations by level (warning, breach and each escalation step). Outcomes come from
 * ClickHouse (`sla_outcomes`, with line and team); what runs now from Prometheus.
 */
import type { DashboardDefinition } from '../dashboard.js'
import { finish, newDashboard } from '../dashboard.js'
import { THRESHOLDS } from '../config.js'
import { prom, sql } from '../queries.js'
import { LT } from '../promql.js'
import { row, tablePanel, timeSeriesPanel, statPanel } from '../panels.js'
import { clickhouseVariables } from '../variables.js'
import { lineFilter, teamFilter } from '../sql.js'

const UID = 'deskpulse-sla'
const OUTCOMES = `FROM sla_outcomes FINAL WHERE $__timeFilter(decided_at) AND ${lineFilter()} AND ${teamFilter()}`

export const sla: DashboardDefinition = {
  file: 'sla.json',
  uid: UID,
  mayBeEmpty: {
    'Targets running now (at risk)': 'no SLA target is running: nobody waits',
    'Escalations by level (per hour)': 'no escalation fired in the range',
    'Missed targets by team': 'no target missed in the range',
  },
  build: (_s = THRESHOLDS) =>
    finish(
      newDashboard({
        uid: UID,
        title: 'deskpulse / SLA policies',
        description: 'Hit rate per SLA policy and target (first response, next response, resolution), misses by team, targets running now, and escalations by level including the escalation steps. docs/sla.md',
        from: 'now-7d',
        refresh: '1m',
        variables: clickhouseVariables(),
      })
        .withRow(row('Outcomes'))
        .withPanel(tablePanel({
          title: 'Hit rate by policy and target',
          description: 'Logged SLA outcomes in the range (docs/sla.md "Outcomes"): per policy (default = the thresholds) and target, hits, misses and the hit rate. A miss is logged when its target closes; misses of chats still waiting are in deskpulse report.',
          queries: [sql(`SELECT policy, target, countIf(outcome = 'hit') AS hit, countIf(outcome = 'missed') AS missed, hit / nullIf(hit + missed, 0) AS "hit rate" ${OUTCOMES} GROUP BY policy, target ORDER BY policy, target`)],
          unit: 'short',
          steps: [['green', null]],
          columns: { 'hit rate': { unit: 'percentunit', decimals: 1, steps: [['red', null], ['orange', 0.8], ['green', 0.9]], color: true } },
          w: 16,
          h: 9,
        }))
        .withPanel(statPanel({
          title: 'Hit rate, every policy',
          description: 'All logged outcomes in the range: hits / (hits + misses).',
          unit: 'percentunit',
          steps: [['red', null], ['orange', 0.8], ['green', 0.9]],
          w: 8,
          h: 9,
          queries: [sql(`SELECT countIf(outcome = 'hit') / nullIf(count(), 0) AS "hit rate" ${OUTCOMES}`)],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Missed targets by team',
          description: 'SLA misses per interval and team, at each miss\'s own moment.',
          unit: 'short',
          steps: [['green', null]],
          w: 24,
          queries: [sql(`SELECT $__timeInterval(decided_at) AS time, team, count() AS missed FROM sla_outcomes FINAL WHERE outcome = 'missed' AND $__timeFilter(decided_at) AND ${lineFilter()} AND ${teamFilter()} GROUP BY time, team ORDER BY time`, 'timeseries')],
        }))
        .withRow(row('Now'))
        .withPanel(timeSeriesPanel({
          title: 'Targets running now (at risk)',
          description: 'SLA targets still running (helpdesk_sla_active), per policy and target: chats whose first response, next response or resolution is not yet due.',
          unit: 'short',
          steps: [['green', null]],
          w: 12,
          queries: [prom('sum by (policy, target) (helpdesk_sla_active)', { legend: '{{policy}} {{target}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Escalations by level (per hour)',
          description: 'Per-chat escalations fired per hour by level: warning, breach, then each sla.escalation_steps name (supervisor, manager, …).',
          unit: 'short',
          steps: [['green', null]],
          w: 12,
          queries: [prom(`sum by (level) (increase(helpdesk_escalations_total{${LT}}[1h]))`, { legend: '{{level}}' })],
        }))
        .build(),
    ),
}
