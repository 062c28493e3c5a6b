/**
 * What every generated rule carries besides its own text (the monitoring-mixin conventions):
 * the deployment's job and extra selector in every series selector (alerting/src/selectors.ts),
 * and each alert's `dashboard_url`, the Grafana dashboard to open first, with the alert's line and
 * team selected when it has them.
 */
import type { AlertingRule, RuleGroup } from './rule.js'
import { jobOf, joinMatchers, withMatchers } from './selectors.js'
import type { RuleThresholds } from './thresholds.js'

/** The dashboard (grafana/src/dashboards, by uid) each alert links; the Watchdog has none. */
export const ALERT_DASHBOARDS: Readonly<Record<string, string | null>> = {
  HelpdeskChatUnansweredFiveMinutes: 'deskpulse-live',
  HelpdeskFirstResponseSLOBurn: 'deskpulse-live',
  HelpdeskBacklogGrowing: 'deskpulse-live',
  HelpdeskAgentsOverloaded: 'deskpulse-agents',
  HelpdeskLineSilent: 'deskpulse-live',
  DeskpulseIngestRejecting: 'deskpulse-pipeline',
  DeskpulseProcessorLagging: 'deskpulse-pipeline',
  DeskpulseStoreBehind: 'deskpulse-pipeline',
  DeskpulseDown: 'deskpulse-pipeline',
  DeskpulseAlertmanagerPostsFailing: 'deskpulse-pipeline',
  WhatsappNumberQualityDowngraded: 'deskpulse-bots-delivery',
  WhatsappTemplateBlocked: 'deskpulse-bots-delivery',
  HelpdeskUnderstaffedSoon: 'deskpulse-forecast',
  HelpdeskWorkloadImbalanced: 'deskpulse-advice',
  Watchdog: null,
}

/** `${grafana_url}/d/<uid>`, with `var-line`/`var-team` when the alert's summary names them. */
export function dashboardUrl(t: Pick<RuleThresholds, 'grafanaUrl'>, a: AlertingRule): string | undefined {
  const uid = ALERT_DASHBOARDS[a.alert]
  if (uid === undefined) throw new Error(`${a.alert}: no entry in ALERT_DASHBOARDS (alerting/src/links.ts)`)
  if (uid === null) return undefined
  const vars = ['line', 'team'].filter((l) => a.annotations.summary.includes(`$labels.${l}`)).map((l) => `var-${l}={{ $labels.${l} }}`)
  return `${t.grafanaUrl.replace(/\/$/, '')}/d/${uid}${vars.length ? `?${vars.join('&')}` : ''}`
}

/** The rule groups with the deployment's selectors in every expression and each alert's dashboard link. */
export function withConventions(groups: RuleGroup[], t: RuleThresholds): RuleGroup[] {
  const matchersFor = (metric: string) => {
    const job = jobOf(metric)
    return job ? joinMatchers(`job="${t.jobs[job]}"`, t.selector) : null
  }
  return groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => {
      const expr = withMatchers(r.expr, matchersFor)
      if (!('alert' in r)) return { ...r, expr }
      const url = dashboardUrl(t, r)
      return { ...r, expr, annotations: { ...r.annotations, ...(url ? { dashboard_url: url } : {}) } }
    }),
  }))
}
