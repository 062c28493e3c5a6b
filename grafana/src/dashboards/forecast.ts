/**
 * Forecast and staffing (Prometheus; docs/forecast.md "Live"): the forecast arrivals of the current
 * interval with their 80 % band against what arrived, and the agents each team needs against the
 * agents online. Its own dashboard, so that it merges apart from the others.
 */
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import type { DashboardDefinition } from '../dashboard.js'
import { finish, newDashboard } from '../dashboard.js'
import { THRESHOLDS } from '../config.js'
import { prom } from '../queries.js'
import { L, T } from '../promql.js'
import { row, statPanel, timeSeriesPanel } from '../panels.js'
import { prometheusVariables } from '../variables.js'

const UID = 'deskpulse-forecast'
/** Forecast counts are per forecast interval: scaled to an hour, to sit beside the hourly increase. */
const PER_HOUR = '* 3600 / scalar(max(helpdesk_forecast_interval_seconds))'
const FORECAST = (metric: string) => `sum by (line) (max by (line, team) (${metric}{horizon="current",${L},${T}})) ${PER_HOUR}`
const PENDING = 'no forecast yet: the processor computes the first one a second after it starts, from ClickHouse (docs/forecast.md)'

const bound = (name: string): { matcher: dashboard.MatcherConfig; properties: dashboard.DynamicConfigValue[] } => ({
  matcher: { id: 'byRegexp', options: `^${name} .*` },
  properties: [
    { id: 'custom.lineStyle', value: { fill: 'dash', dash: [6, 4] } },
    { id: 'custom.fillOpacity', value: 0 },
  ],
})

export const forecast: DashboardDefinition = {
  file: 'forecast.json',
  uid: UID,
  mayBeEmpty: {
    'Forecast vs actual (per hour)': PENDING,
    'Required vs online agents': PENDING,
    'Agents required next interval': PENDING,
  },
  build: (_s = THRESHOLDS) =>
    finish(
      newDashboard({
        uid: UID,
        title: 'deskpulse / Forecast and staffing',
        description: 'The forecast of new conversations (80 % band) against what arrived, and the agents each team needs (Erlang C over chat slots) against the agents online. docs/forecast.md',
        from: 'now-24h',
        refresh: '1m',
        variables: prometheusVariables(),
      })
        .withRow(row('Forecast'))
        .withPanel(timeSeriesPanel({
          title: 'Forecast vs actual (per hour)',
          description: 'Per line: the forecast new conversations of the interval in progress (solid) and its 80 % prediction interval (dashed), scaled to an hour, against the conversations opened over the last hour. Actual outside the band for hours: check the backtest (deskpulse forecast) and the calendar (holidays).',
          unit: 'short',
          steps: [['green', null]],
          w: 24,
          queries: [
            prom(FORECAST('helpdesk_forecast_conversations'), { legend: 'forecast {{line}}' }),
            prom(FORECAST('helpdesk_forecast_conversations_lower'), { legend: '80 % low {{line}}' }),
            prom(FORECAST('helpdesk_forecast_conversations_upper'), { legend: '80 % high {{line}}' }),
            prom(`sum by (line) (increase(helpdesk_conversations_opened_total{${L}}[1h]))`, { legend: 'actual {{line}}' }),
          ],
          overrides: [bound('80 % low'), bound('80 % high')],
        }))
        .withRow(row('Staffing'))
        .withPanel(timeSeriesPanel({
          title: 'Required vs online agents',
          description: 'Per team: agents the forecast needs in the interval in progress and in the next one (forecast.service_level within forecast.target_seconds, occupancy ≤ forecast.max_occupancy; before shrinkage), against the agents online. HelpdeskUnderstaffedSoon fires when the next interval needs more than are online.',
          unit: 'short',
          steps: [['green', null]],
          w: 16,
          thresholdsStyle: common.GraphThresholdsStyleMode.Off,
          queries: [
            prom(`max by (team) (helpdesk_agents_required{horizon="current",${T}})`, { legend: 'required {{team}}' }),
            prom(`max by (team) (helpdesk_agents_required{horizon="next",${T}})`, { legend: 'required next {{team}}' }),
            prom(`max by (team) (helpdesk_agents_online{${T}})`, { legend: 'online {{team}}' }),
          ],
          overrides: [bound('required next')],
        }))
        .withPanel(statPanel({
          title: 'Agents required next interval',
          description: 'Per team: agents needed in the next forecast interval minus agents online now; above 0 (red) the team is short.',
          unit: 'short',
          steps: [['green', null], ['red', 1]],
          w: 8,
          h: 8,
          queries: [prom(`max by (team) (helpdesk_agents_required{horizon="next",${T}}) - on (team) (max by (team) (helpdesk_agents_online) or max by (team) (helpdesk_agents_required{horizon="next"}) * 0)`, { instant: true, legend: '{{team}}' })],
        }))
        .build(),
    ),
}
