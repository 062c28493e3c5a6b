/**
 * The figures the dashboards draw their lines at, from the same configuration defaults the
 * processor runs with (schemas/config.ts): change a threshold there and `npm run dashboards`
 * moves the line. Only the load band is KPIS.md's alone ("Agents": utilisation target 85–90 %).
 */
import { defaultConfig } from '../../schemas/config.js'

const config = defaultConfig()

export const THRESHOLDS = {
  /** KPIS.md "Service level and SLO": first responses within this count toward the service level. */
  frtTargetSeconds: config.thresholds.frt_target,
  /** KPIS.md "The five-minute rule": a waiting chat breaches here… */
  breachSeconds: config.thresholds.escalate_after,
  /** …and is warned this much earlier. */
  warningSeconds: config.thresholds.escalate_after - config.thresholds.warn_before,
  /** The service-level objective (90 % by default). */
  sloObjective: config.slo.objective,
  /** KPIS.md "Agents": the target band of load. */
  loadBand: { low: 0.85, high: 0.9 },
  /** KPIS.md "First-contact resolution": verdicts fall this long after the resolution. */
  repeatWindowDays: config.thresholds.repeat_window / 86_400,
} as const

/** Datasource UIDs fixed in grafana/provisioning/datasources/deskpulse.yml. */
export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'deskpulse-prometheus' },
  clickhouse: { type: 'grafana-clickhouse-datasource', uid: 'deskpulse-clickhouse' },
} as const

/** The ClickHouse plugin version docker-compose.yml installs; written into its queries. */
export const CLICKHOUSE_PLUGIN_VERSION = '4.10.1'

/** Default of the `tz` variable: the peak-hours view is drawn in the line's time zone. */
export const DEFAULT_TIMEZONE = 'Europe/Rome'

export const DASHBOARD_TAG = 'deskpulse'
