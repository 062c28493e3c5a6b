/**
 * The figures the dashboards draw their lines at, from the deployment config the processor reads
 * (schemas/config.ts): `deskpulse dashboards --config FILE` builds a deployment's dashboards, and
 * the committed grafana/dashboards/*.json are the default config's (`npm run dashboards`).
 */
import { defaultConfig, type Config } from '../../schemas/config.js'
import { ruleThresholds } from '../../alerting/src/thresholds.js'

export const dashboardThresholds = (config: Config) => ({
  /** docs/kpis.md "Service level and SLO": first responses within this count toward the service level. */
  frtTargetSeconds: config.thresholds.frt_target,
  /** docs/kpis.md "The five-minute rule": a waiting chat breaches here (`escalate_after`)… */
  breachSeconds: config.thresholds.escalate_after,
  /** …or here when its newest waiting message is negative (`escalate_after_negative`)… */
  breachNegativeSeconds: config.thresholds.escalate_after_negative,
  /** …and is warned `warn_before` earlier. */
  warningSeconds: config.thresholds.escalate_after - config.thresholds.warn_before,
  /** The service-level objective (`slo.objective`, 90 % by default) and its window (`slo.window_days`). */
  sloObjective: config.slo.objective,
  sloWindowDays: config.slo.window_days,
  /** docs/kpis.md "Agents": the target band of load (`thresholds.load_band`). */
  loadBand: { low: config.thresholds.load_band.low, high: config.thresholds.load_band.high },
  /** docs/kpis.md "First-contact resolution": verdicts fall this long after the resolution. */
  repeatWindowDays: config.thresholds.repeat_window / 86_400,
  /** A text is negative below this sentiment score (`thresholds.negative_below`). */
  negativeBelow: config.thresholds.negative_below,
  /** Default of the `tz` variable (`monitoring.dashboard_timezone`). */
  timezone: config.monitoring.dashboard_timezone,
  /** Prometheus job names (`monitoring.jobs`). */
  jobs: config.monitoring.jobs,
  /** The automation advice's target containment and minimum volume (`advice`, docs/advice.md). */
  advice: { targetContainment: config.advice.target_containment, minConversations: config.advice.min_conversations },
  /** Extra matchers of every deskpulse selector (`monitoring.selector`). */
  selector: config.monitoring.selector,
  /** The alert rules' figures the pipeline panels draw (alerting/src/thresholds.ts). */
  alerts: ruleThresholds(config),
})

export type DashboardThresholds = ReturnType<typeof dashboardThresholds>

/**
 * The escalation limits in the descriptions' words, from the config (docs/kpis.md "The five-minute
 * rule" is configurable: escalate_after, escalate_after_negative): "300 s; 180 s for a negative chat".
 */
export const escalationLimits = (s: DashboardThresholds): string =>
  s.breachNegativeSeconds === s.breachSeconds ? `${s.breachSeconds} s` : `${s.breachSeconds} s; ${s.breachNegativeSeconds} s for a negative chat`

const hundredths = (ratio: number) => Math.round(ratio * 1000) / 10

/** A ratio in the descriptions' words: 0.85 is "85 %", 0.875 "87.5 %". */
export const pct = (ratio: number): string => `${hundredths(ratio)} %`

/** The load band (`thresholds.load_band`) in the descriptions' words: "85–90 %". */
export const loadBandText = (s: DashboardThresholds): string => `${hundredths(s.loadBand.low)}–${pct(s.loadBand.high)}`

/** The figures of the committed dashboards: the configuration's defaults. */
export const THRESHOLDS: DashboardThresholds = dashboardThresholds(defaultConfig())

/**
 * Datasource UIDs fixed in grafana/provisioning/datasources/deskpulse.yml: the default of the
 * dashboards' datasource variables (grafana/src/conventions.ts), which panels name instead.
 */
export const PROVISIONED_DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'deskpulse-prometheus' },
  clickhouse: { type: 'grafana-clickhouse-datasource', uid: 'deskpulse-clickhouse' },
} as const

/**
 * What panels, queries and variables name as their datasource: the dashboard's datasource
 * variable of that type (`${prometheus_datasource}`, `${clickhouse_datasource}`), so that the
 * dashboards import into any Grafana. New panels use these, never a fixed UID.
 */
export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: '${prometheus_datasource}' },
  clickhouse: { type: 'grafana-clickhouse-datasource', uid: '${clickhouse_datasource}' },
} as const

/** The ClickHouse plugin version docker-compose.yml installs; written into its queries. */
export const CLICKHOUSE_PLUGIN_VERSION = '4.10.1'

/** Default of the `tz` variable in the committed dashboards: the peak-hours view is drawn in the line's time zone. */
export const DEFAULT_TIMEZONE = THRESHOLDS.timezone

export const DASHBOARD_TAG = 'deskpulse'
