/**
 * The forecast's alert (docs/forecast.md "Live", docs/alerting.md): a team whose required agents
 * for the next forecast interval exceed the agents online now. Its own group and file section,
 * built from the deployment config (forecast.understaffed_for_seconds).
 */
import type { Config } from '../../schemas/config.js'
import { alert, duration, spoken, text, type RuleGroup } from './rule.js'

/** Required agents next interval, the highest instance's (every processor computes the same forecast). */
const REQUIRED_NEXT = 'max by (team) (helpdesk_agents_required{horizon="next"})'

export const forecastAlertsGroup = (config: Config): RuleGroup => {
  const forSeconds = config.forecast.understaffed_for_seconds
  return {
    name: 'deskpulse-forecast-alerts',
    rules: [
      alert(config.monitoring.runbook_base, {
        alert: 'HelpdeskUnderstaffedSoon',
        comment: text(
          'Required agents (Erlang C on the forecast, before shrinkage) for the next interval above the',
          'agents online now. A team with no agent online has no helpdesk_agents_online series: it counts as 0.',
        ),
        expr: `${REQUIRED_NEXT}
> on (team)
(max by (team) (helpdesk_agents_online) or ${REQUIRED_NEXT} * 0)
`,
        for: duration(forSeconds),
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Team {{ $labels.team }} will be understaffed in the next forecast interval',
          description: text(
            'The forecast needs {{ $value }} agent(s) of team {{ $labels.team }} online in the next interval',
            '(forecast.service_level within forecast.target_seconds, occupancy ≤ forecast.max_occupancy){{ with printf "max(helpdesk_agents_online{team=%q})" $labels.team | query }};',
            `{{ . | first | value }} are online{{ else }}; none is online{{ end }}, and have been fewer for ${spoken(forSeconds)}.`,
          ),
        },
      }),
    ],
  }
}
