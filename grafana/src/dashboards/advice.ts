/**
 * Supervisor advice (docs/advice.md): workload balance live (Prometheus), utilisation against the
 * load band per agent and hour, and the automation ranking of categories × lines (ClickHouse).
 * Its own dashboard, so that it merges apart from the others. The SQL is store/advice.ts's, with
 * the dashboard's time range and team in place of the CLI's window.
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import type { DashboardDefinition } from '../dashboard.js'
import { finish, newDashboard } from '../dashboard.js'
import { THRESHOLDS, loadBandText, pct } from '../config.js'
import { prom, sql } from '../queries.js'
import { T } from '../promql.js'
import { steps, row, tablePanel, timeSeriesPanel } from '../panels.js'
import { clickhouseVariables } from '../variables.js'
import { lineFilter, teamFilter } from '../sql.js'
import { SHARES, automationSql, minutesSql } from '../../../store/advice.js'

const UID = 'deskpulse-advice'

export const advice: DashboardDefinition = {
  file: 'advice.json',
  uid: UID,
  mayBeEmpty: {
    'Bot is hurting here': 'needs a category × line with at least advice.min_conversations bot conversations in the range',
  },
  build: (s = THRESHOLDS) => {
    const STEPS = steps(s)
    // In parentheses: sqlutil takes the next (…) after an argument-less macro as its arguments.
    const minutes = minutesSql({ from: '($__fromTime)', until: '($__toTime)', low: String(s.loadBand.low), high: String(s.loadBand.high), where: teamFilter() })
    const shares = (total = 'online_s') => `load_s / nullIf(${total}, 0) AS utilisation, in_s / nullIf(${total}, 0) AS "in band", above_s / nullIf(${total}, 0) AS above, below_s / nullIf(${total}, 0) AS below`
    const bandColumns = {
      'online time': { unit: 's' },
      utilisation: { unit: 'percentunit', decimals: 1, steps: STEPS.loadBand, color: true },
      'in band': { unit: 'percentunit', decimals: 1, steps: STEPS.goodShare, color: true },
      above: { unit: 'percentunit', decimals: 1 },
      below: { unit: 'percentunit', decimals: 1 },
    }
    const t = s.advice.targetContainment
    // docs/advice.md "Automation advice": E = min(H, max(0, ⌊t·N⌋ − C)); hours = E × median handle / 3600.
    const automation = `
SELECT category, line, n AS conversations, bot / nullIf(n, 0) AS "bot share", contained / nullIf(bot, 0) AS containment, handoffs / nullIf(bot, 0) AS "handoff rate",
  if(handled > 0, handle_p50, NULL) AS "handle p50", fcr_yes / nullIf(fcr_final, 0) AS FCR, csat_pos / nullIf(csat_n, 0) AS CSAT, csat_bot_pos / nullIf(csat_bot_n, 0) AS "CSAT after bot",
  least(human, greatest(0, toInt64(floor(${t} * n + 1e-9)) - contained)) AS "extra contained",
  if(handled > 0, "extra contained" * handle_p50 / 3600, 0) AS "agent-hours saved"
FROM (${automationSql(`$__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()}`)})`
    const shareColumns = {
      'bot share': { unit: 'percentunit', decimals: 1 },
      containment: { unit: 'percentunit', decimals: 1, steps: STEPS.goodShare, color: true },
      'handoff rate': { unit: 'percentunit', decimals: 1 },
      'handle p50': { unit: 's' },
      FCR: { unit: 'percentunit', decimals: 1, steps: STEPS.goodShare, color: true },
      CSAT: { unit: 'percentunit', decimals: 1, steps: STEPS.goodShare, color: true },
      'CSAT after bot': { unit: 'percentunit', decimals: 1, steps: STEPS.goodShare, color: true },
      'agent-hours saved': { unit: 'h', decimals: 1 },
    }
    return finish(
      newDashboard({
        uid: UID,
        title: 'deskpulse / Supervisor advice',
        description: 'Workload balance (who is over capacity while a teammate has room), utilisation against the load band, and which request types to automate next. docs/advice.md',
        from: 'now-7d',
        refresh: '1m',
        variables: clickhouseVariables(),
      })
        .withRow(row('Workload balance (live)'))
        .withPanel(timeSeriesPanel({
          title: 'Workload spread and agents over capacity',
          description: 'Per team: highest minus lowest utilisation (active ÷ capacity) among the online agents, and the agents over capacity while a teammate has room (HelpdeskWorkloadImbalanced fires on the latter). GET /v1/advice/rebalance?team= lists the moves.',
          unit: 'short',
          steps: STEPS.neutral,
          thresholdsStyle: common.GraphThresholdsStyleMode.Off,
          w: 24,
          h: 8,
          queries: [
            prom(`max by (team) (helpdesk_team_load_spread{${T}})`, { legend: 'spread {{team}}' }),
            prom(`max by (team) (helpdesk_agents_over_capacity{${T}})`, { legend: 'over capacity {{team}}' }),
          ],
        }))
        .withRow(row('Utilisation against the band'))
        .withPanel(tablePanel({
          title: 'Utilisation per agent',
          description: `Per agent over the range (agent_minute): online time, time-weighted utilisation, and the shares of online time in minutes inside the ${loadBandText(s)} band, above and below it (docs/advice.md "Utilisation").`,
          unit: 'short',
          steps: STEPS.neutral,
          w: 12,
          h: 10,
          columns: bandColumns,
          sortBy: { column: 'above', desc: true },
          queries: [sql(`SELECT agent, team, online_s AS "online time", ${shares()} FROM (SELECT agent, any(team) AS team, ${SHARES} FROM (${minutes}) WHERE on_s > 0 GROUP BY agent) ORDER BY agent`)],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Share of time in the band per hour',
          description: `Per team and hour: share of the online time in minutes inside the ${loadBandText(s)} band, and the time-weighted utilisation.`,
          unit: 'percentunit',
          steps: STEPS.loadBand,
          max: 1,
          w: 12,
          h: 10,
          queries: [sql(`SELECT hour AS time, team, in_s / nullIf(online_s, 0) AS "in band", load_s / nullIf(online_s, 0) AS utilisation FROM (SELECT team, toStartOfHour(minute) AS hour, ${SHARES} FROM (${minutes}) WHERE on_s > 0 GROUP BY team, hour) ORDER BY time`, 'timeseries')],
        }))
        .withRow(row('Automation'))
        .withPanel(tablePanel({
          title: 'Automation value by category and line',
          description: `Categories × lines with at least ${s.advice.minConversations} conversations opened in the range, by the agent-hours a bot would save at ${pct(t)} containment: extra = min(human chats, ⌊${t} × conversations⌋ − contained), × the median handling time (assignment to first resolution). docs/advice.md "Automation advice".`,
          unit: 'short',
          steps: STEPS.neutral,
          h: 10,
          columns: shareColumns,
          sortBy: { column: 'agent-hours saved', desc: true },
          queries: [sql(`SELECT * FROM (${automation}) WHERE conversations >= ${s.advice.minConversations} ORDER BY "agent-hours saved" DESC, conversations DESC, category, line`)],
        }))
        .withPanel(tablePanel({
          title: 'Bot is hurting here',
          description: `Categories × lines with at least ${s.advice.minConversations} bot conversations, the highest handoff rate first, then the lowest CSAT after a bot: where the bot sends most customers on to a human, or leaves them unhappy.`,
          unit: 'short',
          steps: STEPS.neutral,
          h: 8,
          columns: shareColumns,
          sortBy: { column: 'handoff rate', desc: true },
          queries: [sql(`SELECT * FROM (${automation}) WHERE conversations * "bot share" >= ${s.advice.minConversations} ORDER BY "handoff rate" DESC, "CSAT after bot" ASC, category, line`)],
        }))
        .build(),
    )
  },
}
