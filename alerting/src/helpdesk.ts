/**
 * The helpdesk's own alerts (docs/architecture.md "Alerts"): unanswered chats, the first-response SLO
 * (slo.ts), the waiting backlog and agent load; and the backlog's recording rule. Built for the
 * thresholds of one deployment config (thresholds.ts).
 */
import { alert, lastWindow, percent, spoken, text, type AlertingRule, type RuleGroup } from './rule.js'
import { sloAlerts } from './slo.js'
import type { RuleThresholds } from './thresholds.js'

export const WAITING = 'line_team:helpdesk_conversations_waiting:sum'

export const BACKLOG_GROUP: RuleGroup = {
  name: 'deskpulse-backlog',
  rules: [
    {
      record: WAITING,
      comment: text(
        'Waiting backlog (docs/kpis.md "Point-in-time state"): conversations waiting for a human, assigned or',
        'not. Summed over processor instances (each reports its own partitions).',
      ),
      expr: 'sum by (line, team) (helpdesk_conversations_open{state=~"unassigned|awaiting_agent"})',
    },
  ],
}

/** The escalation limits in the annotations' words: "5 minutes (3 minutes for a negative chat)". */
export const escalationLimits = ({ unanswered }: RuleThresholds): string =>
  unanswered.escalateAfterNegativeSeconds === unanswered.escalateAfterSeconds
    ? spoken(unanswered.escalateAfterSeconds)
    : `${spoken(unanswered.escalateAfterSeconds)}; ${spoken(unanswered.escalateAfterNegativeSeconds)} for a negative chat`

const chatUnanswered = (t: RuleThresholds): AlertingRule =>
  alert(t.runbookBase, {
    // The name is pinned by docs/architecture.md "Alerts"; the limit it fires at is escalate_after (docs/glossary.md).
    alert: 'HelpdeskChatUnansweredFiveMinutes',
    comment: text(
      'The processor already decided the breach (docs/kpis.md "The five-minute rule": escalate_after, negative',
      'sentiment, business hours); the aggregate fires on the first evaluation that sees one. Per-chat',
      'HelpdeskChatEscalation alerts come from the processor directly.',
    ),
    expr: 'sum by (line, team) (helpdesk_conversations_waiting_over_threshold) > 0',
    for: t.unanswered.for,
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Chats unanswered past the escalation limit on line {{ $labels.line }}, team {{ $labels.team }}',
      description: text(
        '{{ $value }} conversation(s) on line {{ $labels.line }} (team {{ $labels.team }}) have',
        `waited longer than the escalation limit (escalate_after: ${escalationLimits(t)}) without`,
        'a human reply{{ with printf "max(helpdesk_oldest_waiting_seconds{line=%q,team=%q})" $labels.line $labels.team | query }};',
        'the oldest has waited {{ . | first | value | humanizeDuration }}{{ end }}.',
      ),
    },
  })

const backlogGrowing = ({ runbookBase, backlog }: RuleThresholds): AlertingRule =>
  alert(runbookBase, {
    alert: 'HelpdeskBacklogGrowing',
    comment: 'Growth on the slope of the waiting backlog, on a backlog worth alerting on (alerting/src/thresholds.ts backlog).',
    expr: `deriv(${WAITING}[${backlog.slopeWindow}]) * 60 > ${backlog.growthPerMinute}
and
${WAITING} >= ${backlog.minWaiting}
`,
    for: backlog.for,
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Waiting backlog growing on line {{ $labels.line }}, team {{ $labels.team }}',
      description: text(
        'The conversations waiting for an agent on line {{ $labels.line }} (team',
        '{{ $labels.team }}) have grown by {{ $value | printf "%.1f" }} per minute over',
        `${lastWindow(backlog.slopeWindow)}{{ with printf "${WAITING}{line=%q,team=%q}" $labels.line $labels.team | query }};`,
        '{{ . | first | value }} are waiting now{{ end }}.',
      ),
    },
  })

const agentsOverloaded = ({ runbookBase, agentLoad }: RuleThresholds): AlertingRule =>
  alert(runbookBase, {
    alert: 'HelpdeskAgentsOverloaded',
    comment: text(
      'One series per team and processor instance; the highest instance counts. Load above the top of',
      'the target band (docs/kpis.md "Agents"; thresholds.load_band).',
    ),
    expr: `max by (team) (helpdesk_agent_load_ratio) > ${agentLoad.band.high}`,
    for: agentLoad.for,
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Agents of team {{ $labels.team }} overloaded',
      description: text(
        `The online agents of team {{ $labels.team }} have been above ${percent(agentLoad.band.high)} of their capacity`,
        `for ${spoken(agentLoad.for)} (load {{ $value | humanizePercentage }}; target band ${Math.round(agentLoad.band.low * 1000) / 10}-${percent(agentLoad.band.high)}).`,
      ),
    },
  })

export const helpdeskAlertsGroup = (t: RuleThresholds): RuleGroup => ({
  name: 'deskpulse-helpdesk-alerts',
  rules: [chatUnanswered(t), ...sloAlerts(t), backlogGrowing(t), agentsOverloaded(t)],
})
