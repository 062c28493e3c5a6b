/** What each dashboard module exports, and the settings every deskpulse dashboard shares. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { DASHBOARD_TAG, type DashboardThresholds } from './config.js'

export interface DashboardDefinition {
  /** File name under grafana/dashboards/. */
  file: string
  uid: string
  /**
   * Panels (by title) that may rightly return no data, and why. The panel test still runs their
   * queries and fails on an error; every other panel must return data on simulated traffic.
   */
  mayBeEmpty: Readonly<Record<string, string>>
  /** The dashboard for a deployment config's figures (grafana/src/config.ts); the defaults' without. */
  build(s?: DashboardThresholds): dashboard.Dashboard
}

export interface DashboardOptions {
  uid: string
  title: string
  description: string
  /** Default time range, e.g. `now-3h`. */
  from: string
  refresh: string
  variables: cog.Builder<dashboard.VariableModel>[]
}

export function newDashboard(o: DashboardOptions): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(o.title)
    .uid(o.uid)
    .description(o.description)
    .tags([DASHBOARD_TAG])
    .editable()
    .time({ from: o.from, to: 'now' })
    .timezone('browser')
    .refresh(o.refresh)
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .timepicker(new dashboard.TimePickerBuilder().refreshIntervals(['10s', '30s', '1m', '5m', '15m', '1h']))
    .variables(o.variables)
    // The other deskpulse dashboards, keeping the time range and the line/team selection.
    .link(new dashboard.DashboardLinkBuilder('deskpulse').type(dashboard.DashboardLinkType.Dashboards).tags([DASHBOARD_TAG]).asDropdown(true).includeVars(true).keepTime(true))
}

/**
 * Stable panel ids in layout order (Grafana would otherwise number them on load), and an empty
 * annotation list (Grafana adds its built-in one on load).
 */
export function finish(d: dashboard.Dashboard): dashboard.Dashboard {
  d.annotations = { list: d.annotations.list ?? [] }
  let id = 0
  for (const p of d.panels ?? []) {
    p.id = ++id
    if (p.type === 'row') for (const inner of (p as dashboard.RowPanel).panels) inner.id = ++id
  }
  return d
}

/** A link to another deskpulse dashboard with the current time range and variables. */
export const dashboardUrl = (uid: string, extra = '') => `/d/${uid}?\${__url_time_range}&\${line:queryparam}&\${team:queryparam}${extra}`
