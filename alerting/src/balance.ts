/**
 * The workload-balance alert (docs/advice.md, docs/alerting.md): an agent over capacity while a
 * teammate has room, for advice.imbalanced_for_seconds. The core decides both conditions
 * (processor/core/rebalance.ts) into helpdesk_agents_over_capacity; the rule only waits.
 * Its own group, built from the deployment config.
 */
import type { Config } from '../../schemas/config.js'
import { alert, duration, spoken, text, type RuleGroup } from './rule.js'

export const balanceAlertsGroup = (config: Config): RuleGroup => {
  const forSeconds = config.advice.imbalanced_for_seconds
  return {
    name: 'deskpulse-balance-alerts',
    rules: [
      alert(config.monitoring.runbook_base, {
        alert: 'HelpdeskWorkloadImbalanced',
        comment: text(
          'Each processor instance weighs the conversations of the partitions it owns; the highest',
          'instance counts (max), as one agent over capacity anywhere is the imbalance.',
        ),
        expr: 'max by (team) (helpdesk_agents_over_capacity) > 0\n',
        for: duration(forSeconds),
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Team {{ $labels.team }}: {{ $value }} agent(s) over capacity while a teammate has room',
          description: text(
            `{{ $value }} online agent(s) of team {{ $labels.team }} have held more active chats than their capacity for ${spoken(forSeconds)}`,
            'while another online agent of the team is loaded below advice.spare_below{{ with printf "max(helpdesk_team_load_spread{team=%q})" $labels.team | query }}',
            '(load spread {{ . | first | value | humanizePercentage }}){{ end }}.',
            'GET /v1/advice/rebalance?team={{ $labels.team }} on the processor lists the chats to move and to whom.',
          ),
        },
      }),
    ],
  }
}
