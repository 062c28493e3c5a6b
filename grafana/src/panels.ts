/**
 * Shared panel helpers: every panel gets a title, a description saying what it answers, a unit,
 * thresholds, its datasource and its queries named A, B, C …; the kinds below add their display.
 */
import * as cog from '@grafana/grafana-foundation-sdk/cog'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as gauge from '@grafana/grafana-foundation-sdk/gauge'
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import * as table from '@grafana/grafana-foundation-sdk/table'
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap'
import { DATASOURCES, type DashboardThresholds } from './config.js'
import { ClickHouseQueryBuilder, type QueryBuilder } from './queries.js'

/** Threshold steps, lowest first: `[color, from]`, the first from `null` (minus infinity). */
export type Steps = ReadonlyArray<readonly [color: string, from: number | null]>

export const thresholds = (steps: Steps) =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps.map(([color, value]) => ({ color, value })))

/** Thresholds the dashboards share, named after the KPI rule they draw (docs/kpis.md), for a deployment config. */
export const steps = (s: DashboardThresholds) => ({
  /** Counts where any is bad: a chat past the escalation limit, a missed chat. */
  anyIsBad: [['green', null], ['red', 1]],
  /** Plain counts and rates with no target: one neutral colour. */
  neutral: [['blue', null]],
  /** A waiting age: warning at escalate_after − warn_before (240 s), breach at escalate_after (300 s). */
  waiting: [['green', null], ['orange', s.warningSeconds], ['red', s.breachSeconds]],
  /** A first response: within the frt_target (60 s) green, past it orange, past the breach red. */
  frt: [['green', null], ['orange', s.frtTargetSeconds], ['red', s.breachSeconds]],
  /** A service level (0–1) against the objective. */
  serviceLevel: [['red', null], ['green', s.sloObjective]],
  /** Error budget left (1 untouched, 0 spent). */
  budget: [['red', null], ['orange', 0], ['green', 0.25]],
  /** Agent load and occupancy: under the load_band (85–90 %) blue, in it green, above it red. */
  loadBand: [['blue', null], ['green', s.loadBand.low], ['red', s.loadBand.high]],
  /** A good share (CSAT, FCR, containment, delivery): red under 70 %, yellow under 85 %. */
  goodShare: [['red', null], ['yellow', 0.7], ['green', 0.85]],
  /** A bad share (failed deliveries, rejections): green under 2 %, red from 5 %. */
  badShare: [['green', null], ['orange', 0.02], ['red', 0.05]],
  /** Processor lag: the DeskpulseProcessorLagging alert's warning (60 s) and critical (escalate_after) lags. */
  lag: [['green', null], ['orange', s.alerts.processorLag.warningSeconds], ['red', s.alerts.processorLag.criticalSeconds]],
  /** Sentiment in [−1, 1]: negative below thresholds.negative_below (−0.25). */
  sentiment: [['red', null], ['yellow', s.negativeBelow], ['green', 0.25]],
  /** A health flag: 0 is down. */
  up: [['red', null], ['green', 1]],
}) as const satisfies Record<string, Steps>

export interface PanelSpec {
  title: string
  /** What the panel answers, and how it is computed (shown as the panel's info tooltip). */
  description: string
  unit: string
  steps: Steps
  queries: QueryBuilder[]
  w?: number
  h?: number
  decimals?: number
  min?: number
  max?: number
  noValue?: string
  /** Links of the values (drill-down), e.g. to another dashboard with the same variables. */
  links?: Array<{ title: string; url: string }>
  overrides?: Array<{ matcher: dashboard.MatcherConfig; properties: dashboard.DynamicConfigValue[] }>
}

const datasourceOf = (queries: QueryBuilder[]) => (queries[0] instanceof ClickHouseQueryBuilder ? { ...DATASOURCES.clickhouse } : { ...DATASOURCES.prometheus })

/** The settings every panel kind shares (the SDK's builders have the same methods, not a common type). */
interface CommonBuilder {
  title(title: string): this
  description(description: string): this
  datasource(datasource: dashboard.DataSourceRef): this
  withTarget(target: cog.Builder<cog.Dataquery>): this
  unit(unit: string): this
  thresholds(thresholds: cog.Builder<dashboard.ThresholdsConfig>): this
  height(h: number): this
  span(w: number): this
  decimals(decimals: number): this
  min(min: number): this
  max(max: number): this
  noValue(noValue: string): this
  dataLinks(links: cog.Builder<dashboard.DashboardLink>[]): this
  withOverride(override: { matcher: dashboard.MatcherConfig; properties: dashboard.DynamicConfigValue[] }): this
}

function apply<B extends CommonBuilder>(b: B, s: PanelSpec, w: number, h: number): B {
  b.title(s.title).description(s.description).datasource(datasourceOf(s.queries)).unit(s.unit).thresholds(thresholds(s.steps)).span(s.w ?? w).height(s.h ?? h)
  s.queries.forEach((q, i) => b.withTarget(q.refId(String.fromCharCode(65 + i))))
  if (s.decimals !== undefined) b.decimals(s.decimals)
  if (s.min !== undefined) b.min(s.min)
  if (s.max !== undefined) b.max(s.max)
  if (s.noValue !== undefined) b.noValue(s.noValue)
  if (s.links) b.dataLinks(s.links.map((l) => new dashboard.DashboardLinkBuilder(l.title).url(l.url)))
  for (const o of s.overrides ?? []) b.withOverride(o)
  return b
}

export function statPanel(s: PanelSpec & { graph?: boolean; mappings?: dashboard.ValueMapping[] }) {
  const b = apply(new stat.PanelBuilder(), s, 4, 4)
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(s.graph ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
  if (s.mappings) b.mappings(s.mappings)
  return b
}

export function gaugePanel(s: PanelSpec) {
  return apply(new gauge.PanelBuilder(), { min: 0, max: 1, ...s }, 6, 6)
    .showThresholdMarkers(true)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
}

/** Bars of series (Prometheus), or of table rows with `rows` (SQL: one bar per row, named by its text column). */
export function barGaugePanel(s: PanelSpec & { rows?: boolean }) {
  return apply(new bargauge.PanelBuilder(), s, 8, 8)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(s.rows ? new common.ReduceDataOptionsBuilder().values(true).calcs([]) : new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
}

export interface TimeSeriesSpec extends PanelSpec {
  /** How the thresholds are drawn: a line at the target, or the band shaded. */
  thresholdsStyle?: common.GraphThresholdsStyleMode
  stack?: boolean
  bars?: boolean
}

export function timeSeriesPanel(s: TimeSeriesSpec) {
  const b = apply(new timeseries.PanelBuilder(), s, 12, 8)
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(s.thresholdsStyle ?? common.GraphThresholdsStyleMode.Off))
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .fillOpacity(s.stack || s.bars ? 60 : 10)
    .spanNulls(false)
  if (s.stack) b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
  if (s.bars) b.drawStyle(common.GraphDrawStyle.Bars)
  return b
}

/** A data link on a column's cells, opened in a new tab (e.g. `${__value.raw}`: the cell is the URL). */
export interface CellLink {
  title: string
  url: string
}

export interface TableSpec extends PanelSpec {
  /** Per column: unit, thresholds and a coloured cell (the figure a reader scans for). */
  columns?: Record<string, { unit?: string; steps?: Steps; color?: boolean; decimals?: number; width?: number; link?: CellLink; empty?: string }>
  sortBy?: { column: string; desc: boolean }
}

export function tablePanel(s: TableSpec) {
  const b = apply(new table.PanelBuilder(), s, 24, 10)
    .cellHeight(common.TableCellHeight.Sm)
    .filterable(true)
    .showHeader(true)
  for (const [name, c] of Object.entries(s.columns ?? {})) {
    const properties: dashboard.DynamicConfigValue[] = []
    if (c.unit) properties.push({ id: 'unit', value: c.unit })
    if (c.decimals !== undefined) properties.push({ id: 'decimals', value: c.decimals })
    if (c.width) properties.push({ id: 'custom.width', value: c.width })
    if (c.steps) properties.push({ id: 'thresholds', value: thresholds(c.steps).build() })
    if (c.color) properties.push({ id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground, mode: common.TableCellBackgroundDisplayMode.Gradient } })
    if (c.link) properties.push({ id: 'links', value: [{ title: c.link.title, url: c.link.url, targetBlank: true }] })
    // What an empty cell shows (an empty text, e.g. no helpdesk link for that row).
    if (c.empty !== undefined) properties.push({ id: 'mappings', value: [{ type: 'special', options: { match: 'empty', result: { text: c.empty } } }] })
    b.overrideByName(name, properties)
  }
  if (s.sortBy) b.sortBy([new common.TableSortByFieldStateBuilder().displayName(s.sortBy.column).desc(s.sortBy.desc)])
  return b
}

/**
 * A heatmap of already-bucketed data: one time field and one numeric field per y bucket (the
 * field names are the bucket labels, taken as categories), drawn as they are (`calculate: false`).
 */
export function heatmapPanel(s: PanelSpec & { yUnit?: string; valueName: string }) {
  return apply(new heatmap.PanelBuilder(), s, 24, 9)
    .calculate(false)
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().value(s.valueName).layout(common.HeatmapCellLayout.Unknown))
    .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges').scale(heatmap.HeatmapColorScale.Exponential).exponent(0.5).steps(64).fill('dark-orange').reverse(false))
    .yAxis(new heatmap.YAxisConfigBuilder().axisPlacement(common.AxisPlacement.Left).unit(s.yUnit ?? 'none'))
    .cellGap(1)
    .showValue(common.VisibilityMode.Never)
    .showLegend()
    .mode(common.TooltipDisplayMode.Single)
}

export function row(title: string) {
  return new dashboard.RowBuilder(title)
}
