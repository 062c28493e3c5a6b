/** PromQL selectors for the `line` and `team` variables, and the recording rules the panels read. */
import { BUDGET, OBJECTIVE, firstResponses, firstResponsesLate, sloWindow } from '../../alerting/src/slo.js'
import { THRESHOLDS, type DashboardThresholds } from './config.js'

/** Series with both labels (conversation gauges, FRT histograms, CSAT, escalations). */
export const LT = 'line=~"$line",team=~"$team"'
/** Series with a line only (messages, opened, statuses, bot figures). */
export const L = 'line=~"$line"'
/** Series with a team only (agents). */
export const T = 'team=~"$team"'

/** Ingest routes that are not traffic (scrapes and probes), left out of request rates. */
export const NOT_TRAFFIC = 'route!~"/metrics|/healthz|/readyz"'

/**
 * Recording rules of alerting/rules/deskpulse.rules.yml (docs/alerting.md "Recording rules"); the
 * SLO window's names come from the rules' own code, so they follow `slo.window_days` together.
 */
export const rulesOf = (s: Pick<DashboardThresholds, 'sloWindowDays'>) => {
  const SLO_WINDOW = sloWindow(s.sloWindowDays)
  return {
  firstResponses1h: 'line_team:helpdesk_first_responses:rate1h',
  late1h: 'line_team:helpdesk_first_responses_late:rate1h',
  errorRatio5m: 'line_team:helpdesk_first_response_errors:ratio_rate5m',
  errorRatio1h: 'line_team:helpdesk_first_response_errors:ratio_rate1h',
  firstResponses28d: firstResponses('increase', SLO_WINDOW),
  late28d: firstResponsesLate('increase', SLO_WINDOW),
  budgetRemaining28d: `line_team:helpdesk_first_response_error_budget_remaining:ratio${SLO_WINDOW}`,
  overallBudgetRemaining28d: `overall:helpdesk_first_response_error_budget_remaining:ratio${SLO_WINDOW}`,
  budget: BUDGET,
  objective: OBJECTIVE,
  pageThreshold: 'overall:helpdesk_first_response_slo_page:error_ratio_threshold',
  waiting: 'line_team:helpdesk_conversations_waiting:sum',
  } as const
}

/** The recording rules of the default config. */
export const RULES = rulesOf(THRESHOLDS)

/** A Prometheus selector of the deskpulse jobs (`monitoring.jobs`). */
export const jobsSelector = ({ jobs }: Pick<DashboardThresholds, 'jobs'>) => `job=~"${jobs.ingest}|${jobs.processor}"`

/** `histogram_quantile` of a helpdesk histogram over a window, for the selected lines and teams. */
export const quantile = (q: number, histogram: string, selector: string, window = '15m') =>
  `histogram_quantile(${q}, sum by (le) (rate(${histogram}_bucket{${selector}}[${window}])))`
