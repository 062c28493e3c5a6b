/**
 * Live operations (Prometheus): what a supervisor watches on the wall — who is waiting and for
 * how long, how fast the first replies are, the service level and its budget, agents and load,
 * CSAT, traffic, and what is alerting now.
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus'
import type { DashboardDefinition } from '../dashboard.js'
import { dashboardUrl, finish, newDashboard } from '../dashboard.js'
import { THRESHOLDS, escalationLimits, loadBandText } from '../config.js'
import { spoken } from '../../../alerting/src/rule.js'
import { prom } from '../queries.js'
import { L, LT, T, quantile, rulesOf } from '../promql.js'
import { steps, gaugePanel, barGaugePanel, row, statPanel, tablePanel, timeSeriesPanel } from '../panels.js'
import { prometheusVariables } from '../variables.js'

const UID = 'deskpulse-live'
const perMinute = (expr: string) => `${expr} * 60`
const toConversations = [{ title: 'Conversations and customers', url: dashboardUrl('deskpulse-conversations') }]

export const liveOperations: DashboardDefinition = {
  file: 'live-operations.json',
  uid: UID,
  mayBeEmpty: {
    'Firing alerts': 'no Prometheus alert firing is the normal state',
  },
  build: (s = THRESHOLDS) => {
    const STEPS = steps(s)
    const rules = rulesOf(s)
    return finish(
      newDashboard({
        uid: UID,
        title: 'deskpulse / Live operations',
        description: 'The helpdesk right now: backlog, waiting chats, first responses, service level, agents, CSAT, traffic and alerts (Prometheus).',
        from: 'now-3h',
        refresh: '10s',
        variables: prometheusVariables(),
      })
        .withRow(row('Now'))
        .withPanel(statPanel({
          title: 'Chats past the escalation limit',
          description: `Conversations that breached the escalation limit (escalate_after: ${escalationLimits(s)}) and still wait for a human: helpdesk_conversations_waiting_over_threshold. Anything above 0 pages (HelpdeskChatUnansweredFiveMinutes).`,
          unit: 'short',
          steps: STEPS.anyIsBad,
          queries: [prom(`sum(helpdesk_conversations_waiting_over_threshold{${LT}})`, { instant: true })],
          links: toConversations,
        }))
        .withPanel(statPanel({
          title: 'Oldest waiting',
          description: `Now minus the earliest waiting start over all waiting conversations (docs/kpis.md "Point-in-time state"); orange from the ${s.warningSeconds} s warning, red from the ${s.breachSeconds} s breach (escalate_after).`,
          unit: 's',
          steps: STEPS.waiting,
          queries: [prom(`max(helpdesk_oldest_waiting_seconds{${LT}})`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Awaiting first response',
          description: 'Waiting conversations that have had no human reply yet.',
          unit: 'short',
          steps: STEPS.neutral,
          queries: [prom(`sum(helpdesk_conversations_awaiting_first_response{${LT}})`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Service level (1 h)',
          description: `Share of the first responses of the last hour within the ${s.frtTargetSeconds} s FRT target (recording rules line_team:helpdesk_first_responses*:rate1h); red under the ${s.sloObjective * 100} % objective.`,
          unit: 'percentunit',
          steps: STEPS.serviceLevel,
          decimals: 1,
          queries: [prom(`1 - sum(${rules.late1h}{${LT}}) / (sum(${rules.firstResponses1h}{${LT}}) > 0)`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: `Error budget remaining (${s.sloWindowDays} d)`,
          description: `Share of the ${s.sloWindowDays}-day first-response error budget left for the selected lines and teams (slo.window_days): 1 − (late / all first responses over ${s.sloWindowDays} days) / (1 − objective). 100 % untouched, 0 spent, negative overspent.`,
          unit: 'percentunit',
          steps: STEPS.budget,
          decimals: 1,
          queries: [prom(`1 - (sum(${rules.late28d}{${LT}}) / (sum(${rules.firstResponses28d}{${LT}}) > 0)) / scalar(${rules.budget})`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'CSAT (24 h)',
          description: 'CSAT % of the responses received in the last 24 hours: (4s + 5s) / responses (docs/kpis.md "Outcomes").',
          unit: 'percentunit',
          steps: STEPS.goodShare,
          decimals: 1,
          queries: [prom(`sum(increase(helpdesk_csat_responses_total{${LT},score=~"4|5"}[24h])) / (sum(increase(helpdesk_csat_responses_total{${LT}}[24h])) > 0)`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Service windows closing within 1 h',
          description: "Waiting conversations whose WhatsApp 24-hour customer service window closes within the hour: answer them before the business can no longer reply freely.",
          unit: 'short',
          steps: STEPS.anyIsBad,
          queries: [prom(`sum(helpdesk_conversations_window_closing{${LT}})`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Missed chats (24 h)',
          description: "Conversations whose customer was still waiting when the 24-hour service window closed, over the last 24 hours (0 when none).",
          unit: 'short',
          steps: STEPS.anyIsBad,
          queries: [prom(`sum(increase(helpdesk_missed_conversations_total{${LT}}[24h])) or vector(0)`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Agents online',
          description: 'Agents with status online in the selected teams (the same on every processor instance: max by team, then summed).',
          unit: 'short',
          steps: [['red', null], ['green', 1]],
          queries: [prom(`sum(max by (team) (helpdesk_agents_online{${T}}))`, { instant: true })],
        }))
        .withPanel(statPanel({
          title: 'Open conversations',
          description: 'Open conversations in every backlog state.',
          unit: 'short',
          steps: STEPS.neutral,
          queries: [prom(`sum(helpdesk_conversations_open{${LT}})`, { instant: true })],
        }))
        .withPanel(gaugePanel({
          title: 'Agent load',
          description: `Mean over online agents of min(active conversations / capacity, 1), per team (docs/kpis.md "Agents"). Target band ${loadBandText(s)} (thresholds.load_band): blue under it, green in it, red above (HelpdeskAgentsOverloaded after ${spoken(s.alerts.agentLoad.for)}).`,
          unit: 'percentunit',
          steps: STEPS.loadBand,
          w: 4,
          h: 4,
          queries: [prom(`max by (team) (helpdesk_agent_load_ratio{${T}})`, { instant: true, legend: '{{team}}' })],
        }))
        .withRow(row('Backlog'))
        .withPanel(timeSeriesPanel({
          title: 'Backlog by state',
          description: 'Open conversations by state: with the bot, unassigned, awaiting an agent, awaiting the customer (docs/kpis.md "Point-in-time state").',
          unit: 'short',
          steps: STEPS.neutral,
          stack: true,
          w: 8,
          queries: [prom(`sum by (state) (helpdesk_conversations_open{${LT}})`, { legend: '{{state}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Waiting and past the escalation limit, by line and team',
          description: 'Breached conversations still waiting, per line and team, with the waiting backlog (unassigned + awaiting an agent, recording rule line_team:helpdesk_conversations_waiting:sum) behind them.',
          unit: 'short',
          steps: STEPS.anyIsBad,
          w: 8,
          queries: [
            prom(`sum by (line, team) (helpdesk_conversations_waiting_over_threshold{${LT}})`, { legend: 'breached {{line}} {{team}}' }),
            prom(`sum by (line, team) (${rules.waiting}{${LT}})`, { legend: 'waiting {{line}} {{team}}' }),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Oldest waiting, by line and team',
          description: `The oldest waiting age per line and team, against the ${s.warningSeconds} s warning and the ${s.breachSeconds} s breach (escalate_after).`,
          unit: 's',
          steps: STEPS.waiting,
          thresholdsStyle: common.GraphThresholdsStyleMode.DashedAndArea,
          w: 8,
          queries: [prom(`max by (line, team) (helpdesk_oldest_waiting_seconds{${LT}})`, { legend: '{{line}} {{team}}' })],
        }))
        .withRow(row('Responses and service level'))
        .withPanel(timeSeriesPanel({
          title: 'First response time p50 / p90 / p99',
          description: `Human first response time (helpdesk_first_response_seconds, 15-minute windows) against the ${s.frtTargetSeconds} s target; percentiles interpolate inside the histogram buckets (docs/metrics.md).`,
          unit: 's',
          steps: STEPS.frt,
          thresholdsStyle: common.GraphThresholdsStyleMode.Dashed,
          w: 8,
          queries: [
            prom(quantile(0.5, 'helpdesk_first_response_seconds', LT), { legend: 'p50' }),
            prom(quantile(0.9, 'helpdesk_first_response_seconds', LT), { legend: 'p90' }),
            prom(quantile(0.99, 'helpdesk_first_response_seconds', LT), { legend: 'p99' }),
          ],
          links: toConversations,
        }))
        .withPanel(timeSeriesPanel({
          title: 'Service level vs objective',
          description: `Share of first responses within ${s.frtTargetSeconds} s over the last hour, and the objective (overall:helpdesk_slo_objective:ratio).`,
          unit: 'percentunit',
          steps: STEPS.serviceLevel,
          thresholdsStyle: common.GraphThresholdsStyleMode.Dashed,
          max: 1,
          w: 8,
          queries: [
            prom(`1 - sum(${rules.late1h}{${LT}}) / (sum(${rules.firstResponses1h}{${LT}}) > 0)`, { legend: 'service level (1 h)' }),
            prom(rules.objective, { legend: 'objective' }),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: 'SLO error ratio and burn threshold',
          description: 'Late share of first responses over 1 h and 5 min per line and team (the HelpdeskFirstResponseSLOBurn windows), and the ratio at which it pages.',
          unit: 'percentunit',
          steps: STEPS.badShare,
          w: 8,
          queries: [
            prom(`${rules.errorRatio1h}{${LT}}`, { legend: '1 h {{line}} {{team}}' }),
            prom(`${rules.errorRatio5m}{${LT}}`, { legend: '5 m {{line}} {{team}}' }),
            prom(rules.pageThreshold, { legend: 'page threshold' }),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: `Error budget remaining (${s.sloWindowDays} d) by line and team`,
          description: `${rules.budgetRemaining28d}, and the whole helpdesk (overall:…): 1 untouched, 0 spent.`,
          unit: 'percentunit',
          steps: STEPS.budget,
          thresholdsStyle: common.GraphThresholdsStyleMode.Dashed,
          w: 12,
          queries: [
            prom(`${rules.budgetRemaining28d}{${LT}}`, { legend: '{{line}} {{team}}' }),
            prom(rules.overallBudgetRemaining28d, { legend: 'all lines' }),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Time to assignment and next response p90',
          description: 'p90 of the time from opening (or handoff) to the first assignment, and of the next response time (each later waiting period).',
          unit: 's',
          steps: STEPS.frt,
          w: 12,
          queries: [
            prom(quantile(0.9, 'helpdesk_assignment_seconds', LT), { legend: 'assignment p90' }),
            prom(quantile(0.9, 'helpdesk_next_response_seconds', LT), { legend: 'next response p90' }),
          ],
        }))
        .withRow(row('Agents'))
        .withPanel(timeSeriesPanel({
          title: 'Agents online by team',
          description: 'Agents with status online (helpdesk_agents_online).',
          unit: 'short',
          steps: STEPS.neutral,
          w: 8,
          queries: [prom(`max by (team) (helpdesk_agents_online{${T}})`, { legend: '{{team}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Agent load and occupancy by team',
          description: `Load (mean of min(active / capacity, 1)) and occupancy (share of online agents with an active conversation), with the ${loadBandText(s)} target band (thresholds.load_band) shaded.`,
          unit: 'percentunit',
          steps: STEPS.loadBand,
          thresholdsStyle: common.GraphThresholdsStyleMode.LineAndArea,
          max: 1,
          w: 8,
          queries: [
            prom(`max by (team) (helpdesk_agent_load_ratio{${T}})`, { legend: 'load {{team}}' }),
            prom(`max by (team) (helpdesk_agent_occupancy_ratio{${T}})`, { legend: 'occupancy {{team}}' }),
          ],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Active conversations by team',
          description: "Open conversations not awaiting the customer, assigned to the team's agents.",
          unit: 'short',
          steps: STEPS.neutral,
          w: 8,
          queries: [prom(`sum by (team) (helpdesk_agent_active_conversations{${T}})`, { legend: '{{team}}' })],
        }))
        .withRow(row('Traffic and CSAT'))
        .withPanel(timeSeriesPanel({
          title: 'Messages in and out per minute',
          description: 'WhatsApp messages per minute (5-minute rate) by direction and sender kind: customer in; agent, bot, automation and app out.',
          unit: 'suffix: msg/min',
          steps: STEPS.neutral,
          stack: true,
          w: 8,
          queries: [prom(perMinute(`sum by (direction, sender_kind) (rate(helpdesk_messages_total{${L}}[$__rate_interval]))`), { legend: '{{direction}} {{sender_kind}}' })],
        }))
        .withPanel(timeSeriesPanel({
          title: 'Conversations opened and resolved per minute',
          description: 'Conversations opened, and resolutions by who resolved them (agent, bot, automation, timeout), per minute.',
          unit: 'suffix: /min',
          steps: STEPS.neutral,
          w: 8,
          queries: [
            prom(perMinute(`sum(rate(helpdesk_conversations_opened_total{${L}}[$__rate_interval]))`), { legend: 'opened' }),
            prom(perMinute(`sum by (resolved_by) (rate(helpdesk_conversations_resolved_total{${LT}}[$__rate_interval]))`), { legend: 'resolved by {{resolved_by}}' }),
          ],
        }))
        .withPanel(barGaugePanel({
          title: 'CSAT scores (24 h)',
          description: 'CSAT responses received in the last 24 hours by score, 1 to 5.',
          unit: 'short',
          steps: STEPS.neutral,
          decimals: 0,
          queries: [prom(`sum by (score) (increase(helpdesk_csat_responses_total{${LT}}[24h]))`, { instant: true, legend: '{{score}}' })],
        }))
        .withRow(row('Alerts'))
        .withPanel(timeSeriesPanel({
          title: 'Escalation warnings and breaches per hour',
          description: 'Escalations fired (helpdesk_escalations_total) per hour, by level, per line and team.',
          unit: 'suffix: /h',
          steps: STEPS.neutral,
          w: 8,
          queries: [prom(`sum by (level) (rate(helpdesk_escalations_total{${LT}}[15m])) * 3600`, { legend: '{{level}}' })],
        }))
        .withPanel(statPanel({
          title: 'Per-chat escalations open',
          description: 'HelpdeskChatEscalation alerts (warnings and breaches) the processor holds open in Alertmanager: deskpulse_alerts_active, 0 without ALERTMANAGER_URL.',
          unit: 'short',
          steps: STEPS.anyIsBad,
          w: 4,
          h: 8,
          queries: [prom('sum(deskpulse_alerts_active) or vector(0)', { instant: true })],
        }))
        .withPanel(tablePanel({
          title: 'Firing alerts',
          description: 'Prometheus alerts firing now (ALERTS), with their labels; per-chat escalations are in Alertmanager.',
          unit: 'none',
          steps: STEPS.anyIsBad,
          w: 12,
          h: 8,
          queries: [prom('ALERTS{alertstate="firing"}', { instant: true, format: prometheus.PromQueryFormat.Table })],
        }))
        .build(),
    )
  },
}
