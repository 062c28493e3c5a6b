/**
 * The first-response SLO (docs/kpis.md "Service level and SLO"): recording rules for the error ratio
 * over the burn-rate windows and the SLO window, and HelpdeskFirstResponseSLOBurn.
 *
 * A "bad event" is a first response slower than `frt_target`:
 *   late = helpdesk_first_response_seconds_count - helpdesk_first_responses_within_target_total
 * The error ratio is late / all first responses over a window; the error budget is
 * 1 - objective; the burn rate is error ratio / budget.
 */
import { alert, duration, lastWindow, seconds, text, type AlertingRule, type Duration, type RecordingRule, type RuleGroup } from './rule.js'
import { THRESHOLDS, type BurnRateTier, type RuleThresholds } from './thresholds.js'

type Slo = RuleThresholds['slo']

export const OBJECTIVE = 'overall:helpdesk_slo_objective:ratio'
export const BUDGET = 'overall:helpdesk_first_response_error_budget:ratio'
const threshold = (tier: 'page' | 'ticket') => `overall:helpdesk_first_response_slo_${tier}:error_ratio_threshold`

/** The SLO window (`slo.window_days`) as a range and a name suffix: `28d`. */
export const sloWindow = (windowDays: number): Duration => duration(windowDays * 86_400)
/** The SLO window of the default config (the committed rules and dashboards). */
export const SLO_WINDOW: Duration = sloWindow(THRESHOLDS.slo.windowDays)

/** Recording-rule names per window; `op` is `rate` (burn-rate windows) or `increase` (SLO window). */
export const firstResponses = (op: string, w: Duration) => `line_team:helpdesk_first_responses:${op}${w}`
export const firstResponsesLate = (op: string, w: Duration) => `line_team:helpdesk_first_responses_late:${op}${w}`
export const errorRatio = (level: 'line_team' | 'overall', w: Duration) => `${level}:helpdesk_first_response_errors:ratio_rate${w}`

/**
 * All first responses minus those within target, per line and team. A line/team whose counter of
 * responses within target has no series yet (no response was ever within target) counts 0 within
 * target, not "no data".
 */
const lateExpr = (all: string, op: string, w: Duration) => `clamp_min(
  ${all}
    - (sum by (line, team) (${op}(helpdesk_first_responses_within_target_total[${w}])) or ${all} * 0),
  0
)
`

function windowRules(w: Duration): RecordingRule[] {
  const all = firstResponses('rate', w)
  const late = firstResponsesLate('rate', w)
  return [
    { record: all, expr: `sum by (line, team) (rate(helpdesk_first_response_seconds_count[${w}]))` },
    { record: late, expr: lateExpr(all, 'rate', w) },
    { record: errorRatio('line_team', w), expr: `${late} / (${all} > 0)` },
    { record: errorRatio('overall', w), expr: `sum(${late}) / (sum(${all}) > 0)` },
  ]
}

/** The windows of both burn-rate tiers, shortest first. */
const burnWindows = (slo: Slo) =>
  [...new Set([slo.page.shortWindow, slo.page.longWindow, slo.ticket.shortWindow, slo.ticket.longWindow])].sort((a, b) => seconds(a) - seconds(b))

const burnRateGroup = (slo: Slo): RuleGroup => ({
  name: 'deskpulse-first-response-slo',
  comment: text(
    'First-response service level (docs/kpis.md "Service level and SLO"): the share of first responses',
    'within `frt_target`. The error ratio is late / all first responses over a window; the error',
    'budget is 1 - objective; the burn rate is error ratio / budget (alerting/src/slo.ts).',
  ),
  rules: [
    {
      record: OBJECTIVE,
      comment: text(
        'The objective comes from the processor\'s configuration (`slo.objective`); the',
        `configured objective (${slo.objectiveFallback}) when the gauge is missing, so the SLO rules never go silent.`,
      ),
      expr: `max(helpdesk_slo_objective_ratio) or vector(${slo.objectiveFallback})`,
    },
    { record: BUDGET, expr: `1 - ${OBJECTIVE}` },
    {
      record: threshold('page'),
      comment: text(
        `Burn-rate thresholds as error ratios (multiwindow multi-burn-rate: page at ${slo.page.burnRate}x,`,
        `ticket at ${slo.ticket.burnRate}x; alerting/src/thresholds.ts slo.page, slo.ticket). An error ratio cannot`,
        'exceed 1, so with a loose objective the factor times the budget would be unreachable: the',
        'threshold is capped at 1 (docs/alerting.md "The burn-rate cap").',
      ),
      expr: `clamp_max(${slo.page.burnRate} * ${BUDGET}, 1)`,
    },
    { record: threshold('ticket'), expr: `clamp_max(${slo.ticket.burnRate} * ${BUDGET}, 1)` },
    ...burnWindows(slo).flatMap((w, i) => {
      const rules = windowRules(w)
      if (i === 0)
        rules[0]!.comment = text(
          'Per window: all first responses, the late ones, the error ratio (per line/team and overall).',
          'A line/team with no series of responses within target counts 0 within target, not "no data".',
          'Windows with no first response give no error ratio (not NaN).',
        )
      return rules
    }),
  ],
})

const sloWindowGroup = (slo: Slo): RuleGroup => ({
  name: `deskpulse-first-response-slo-${sloWindow(slo.windowDays)}`,
  comment: text(
    `The ${slo.windowDays}-day SLO window (the configuration's \`slo.window_days\`): service level and the`,
    'share of the error budget left (1 = untouched, 0 = spent, negative = overspent). Evaluated every',
    '5 minutes: the long range over the raw counters is the costly query here, and the figure moves slowly.',
  ),
  interval: '5m',
  rules: (() => {
    const w = sloWindow(slo.windowDays)
    const all = firstResponses('increase', w)
    const late = firstResponsesLate('increase', w)
    const level = `line_team:helpdesk_first_response_service_level:ratio${w}`
    const overallLevel = `overall:helpdesk_first_response_service_level:ratio${w}`
    const remaining = (series: string) => `1 - (1 - ${series})\n  / on () group_left () ${BUDGET}\n`
    return [
      { record: all, expr: `sum by (line, team) (increase(helpdesk_first_response_seconds_count[${w}]))` },
      { record: late, expr: lateExpr(all, 'increase', w) },
      { record: level, expr: `1 - ${late} / (${all} > 0)` },
      { record: overallLevel, expr: `1 - sum(${late}) / (sum(${all}) > 0)` },
      { record: `line_team:helpdesk_first_response_error_budget_remaining:ratio${w}`, expr: remaining(level) },
      { record: `overall:helpdesk_first_response_error_budget_remaining:ratio${w}`, expr: remaining(overallLevel) },
    ]
  })(),
})

export const sloRecordingGroups = ({ slo }: RuleThresholds): RuleGroup[] => [burnRateGroup(slo), sloWindowGroup(slo)]

/** How soon the SLO window's budget is gone at a tier's burn rate, in the description's words. */
function exhaustion(slo: Slo, tier: BurnRateTier): string {
  const days = slo.windowDays / tier.burnRate
  if (days <= 3) return 'within days'
  if (days <= 7) return 'within a week'
  return `within ${Math.ceil(days / 7)} weeks`
}

function burnAlert(t: RuleThresholds, name: 'page' | 'ticket', tier: BurnRateTier): AlertingRule {
  const { slo } = t
  const page = name === 'page'
  const over = (w: Duration) => `${errorRatio('line_team', w)}\n    >= on () group_left () ${threshold(name)}`
  return alert(t.runbookBase, {
    alert: 'HelpdeskFirstResponseSLOBurn',
    comment: text(
      `${page ? 'Fast' : 'Slow'} burn: ${tier.burnRate}x the budget over ${tier.longWindow} and ${tier.shortWindow}, at least`,
      `${tier.minFirstResponses} first responses in ${lastWindow(tier.longWindow).replace('the last ', 'the ')} (alerting/src/thresholds.ts slo.${name}).`,
    ),
    expr: `(
  ${over(tier.longWindow)}
)
and
(
  ${over(tier.shortWindow)}
)
and
(${firstResponses('rate', tier.longWindow)} * ${seconds(tier.longWindow)} >= ${tier.minFirstResponses})
`,
    labels: { severity: page ? 'critical' : 'warning', long_window: tier.longWindow },
    annotations: {
      summary: `First-response SLO burning${page ? ' fast' : ''} on line {{ $labels.line }}, team {{ $labels.team }}`,
      description: text(
        '{{ $value | humanizePercentage }} of first responses on line {{ $labels.line }}',
        `(team {{ $labels.team }}) missed the FRT target over ${lastWindow(tier.longWindow)}, and over`,
        `${lastWindow(tier.shortWindow)}{{ with query "${BUDGET}" }}; the`,
        `objective allows {{ . | first | value | humanizePercentage }}{{ end }}. Left alone, the ${slo.windowDays}-day error budget is gone ${exhaustion(slo, tier)}.`,
      ),
    },
  })
}

export const sloAlerts = (t: RuleThresholds): AlertingRule[] => [burnAlert(t, 'page', t.slo.page), burnAlert(t, 'ticket', t.slo.ticket)]
