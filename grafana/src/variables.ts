/**
 * Template variables. Every dashboard has `line` and `team` (multi-value, with All), with the
 * same values wherever they come from, so the links between dashboards carry them over.
 *
 * How Grafana fills them in (the panel test expands them the same way, test/helpers/grafana-macros.ts):
 * - PromQL: `line=~"$line"`; All is the custom all value `.*`, several values `(a|b)`.
 * - SQL (grafana-clickhouse-datasource): always inside `$__conditionalAll(line IN (${line:singlequote}), $line)`,
 *   which the plugin turns into `1=1` for All before the variables are replaced, and otherwise
 *   into `line IN ('a','b')`. (A bare `${line:singlequote}` would give `.*` for All.)
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { DATASOURCES } from './config.js'

const ALL = { text: 'All', value: '$__all', selected: true }

function multiValue(name: 'line' | 'team', label: string, description: string) {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current(ALL)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
}

const LINE_HELP = 'WhatsApp line: the phone_number_id of the business number'
const TEAM_HELP = 'Team the conversation is assigned to (or the line’s team until an assignment names one)'

/** `line` and `team` from the processor's series (Prometheus dashboards). */
export const prometheusVariables = () => [
  multiValue('line', 'Line', LINE_HELP).datasource({ ...DATASOURCES.prometheus }).query('label_values(helpdesk_conversations_open, line)'),
  multiValue('team', 'Team', TEAM_HELP).datasource({ ...DATASOURCES.prometheus }).query('label_values(helpdesk_conversations_open{line=~"$line"}, team)'),
]

/** `line` and `team` from the conversations table (ClickHouse dashboards). */
export const clickhouseVariables = () => [
  multiValue('line', 'Line', LINE_HELP).datasource({ ...DATASOURCES.clickhouse }).query('SELECT DISTINCT line FROM conversations ORDER BY line'),
  multiValue('team', 'Team', TEAM_HELP)
    .datasource({ ...DATASOURCES.clickhouse })
    .query("SELECT DISTINCT team FROM conversations WHERE team != '' AND $__conditionalAll(line IN (${line:singlequote}), $line) ORDER BY team"),
]

/**
 * The time zone the peak-hours view is drawn in (docs/kpis.md "Volume and mix": the line's time zone);
 * its default is the config's `monitoring.dashboard_timezone`.
 */
export const timezoneVariable = (timezone: string) =>
  new dashboard.TextBoxVariableBuilder('tz')
    .label('Time zone')
    .description("IANA time zone of the peak-hours view: the line's `timezone` (or `business_hours.timezone`) in the deskpulse configuration")
    .defaultValue(timezone)
    .current({ text: timezone, value: timezone })
