/**
 * Grafana's dashboard JSON (schema version 41, Grafana 11.6) as a JSON Schema (TypeBox), for the
 * parts these dashboards use — checked at run time on the generated files, beside the SDK's
 * TypeScript types at compile time. Stricter than Grafana where it costs nothing: every panel
 * must have a datasource, queries, a unit and thresholds.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const DataSourceRef = Type.Object({ type: Type.String({ minLength: 1 }), uid: Type.String({ minLength: 1 }) })

const GridPos = Type.Object({
  x: Type.Integer({ minimum: 0, maximum: 23 }),
  y: Type.Integer({ minimum: 0 }),
  w: Type.Integer({ minimum: 1, maximum: 24 }),
  h: Type.Integer({ minimum: 1 }),
})

const Threshold = Type.Object({ color: Type.String({ minLength: 1 }), value: Type.Union([Type.Number(), Type.Null()]) })
const ThresholdsConfig = Type.Object({
  mode: Type.Union([Type.Literal('absolute'), Type.Literal('percentage')]),
  steps: Type.Array(Threshold, { minItems: 1 }),
})

const PrometheusQuery = Type.Object(
  {
    refId: Type.String({ pattern: '^[A-Z]$' }),
    datasource: DataSourceRef,
    expr: Type.String({ minLength: 1 }),
    editorMode: Type.Optional(Type.Union([Type.Literal('code'), Type.Literal('builder')])),
    legendFormat: Type.Optional(Type.String()),
    instant: Type.Optional(Type.Boolean()),
    range: Type.Optional(Type.Boolean()),
    format: Type.Optional(Type.Union([Type.Literal('time_series'), Type.Literal('table'), Type.Literal('heatmap')])),
  },
  { additionalProperties: false },
)

/** grafana-clickhouse-datasource v4 `CHSqlQuery` (src/types/sql.ts). */
const ClickHouseQuery = Type.Object(
  {
    refId: Type.String({ pattern: '^[A-Z]$' }),
    datasource: DataSourceRef,
    editorType: Type.Literal('sql'),
    pluginVersion: Type.String({ minLength: 1 }),
    queryType: Type.Union([Type.Literal('table'), Type.Literal('timeseries')]),
    format: Type.Union([Type.Literal(0), Type.Literal(1)]),
    rawSql: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
)

export const PANEL_TYPES = ['stat', 'gauge', 'bargauge', 'timeseries', 'table', 'heatmap'] as const

const Panel = Type.Object({
  type: Type.Union(PANEL_TYPES.map((t) => Type.Literal(t))),
  id: Type.Integer({ minimum: 1 }),
  title: Type.String({ minLength: 1 }),
  description: Type.String({ minLength: 1 }),
  datasource: DataSourceRef,
  gridPos: GridPos,
  targets: Type.Array(Type.Union([PrometheusQuery, ClickHouseQuery]), { minItems: 1 }),
  fieldConfig: Type.Object({
    defaults: Type.Object({ unit: Type.String({ minLength: 1 }), thresholds: ThresholdsConfig }),
    overrides: Type.Array(Type.Object({ matcher: Type.Object({ id: Type.String(), options: Type.Optional(Type.Unknown()) }), properties: Type.Array(Type.Object({ id: Type.String(), value: Type.Optional(Type.Unknown()) })) })),
  }),
  options: Type.Record(Type.String(), Type.Unknown()),
})

const RowPanel = Type.Object({
  type: Type.Literal('row'),
  id: Type.Integer({ minimum: 1 }),
  title: Type.String({ minLength: 1 }),
  collapsed: Type.Boolean(),
  gridPos: GridPos,
  panels: Type.Array(Panel),
})

const VariableModel = Type.Object({
  type: Type.Union(['query', 'adhoc', 'groupby', 'constant', 'datasource', 'interval', 'textbox', 'custom', 'system'].map((t) => Type.Literal(t))),
  name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
  label: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  query: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())])),
  datasource: Type.Optional(DataSourceRef),
  current: Type.Optional(Type.Object({ text: Type.Union([Type.String(), Type.Array(Type.String())]), value: Type.Union([Type.String(), Type.Array(Type.String())]) })),
  multi: Type.Optional(Type.Boolean()),
  includeAll: Type.Optional(Type.Boolean()),
  allValue: Type.Optional(Type.String()),
  refresh: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])),
  sort: Type.Optional(Type.Integer({ minimum: 0, maximum: 8 })),
})

export const DashboardSchema = Type.Object({
  uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }),
  title: Type.String({ minLength: 1 }),
  description: Type.String(),
  schemaVersion: Type.Integer({ minimum: 39 }),
  tags: Type.Array(Type.String()),
  editable: Type.Boolean(),
  timezone: Type.String(),
  refresh: Type.String(),
  time: Type.Object({ from: Type.String({ minLength: 1 }), to: Type.String({ minLength: 1 }) }),
  templating: Type.Object({ list: Type.Array(VariableModel) }),
  annotations: Type.Object({ list: Type.Optional(Type.Array(Type.Unknown())) }),
  links: Type.Array(Type.Object({ title: Type.String(), type: Type.Union([Type.Literal('link'), Type.Literal('dashboards')]) })),
  panels: Type.Array(Type.Union([RowPanel, Panel]), { minItems: 1 }),
})
export type DashboardJson = Static<typeof DashboardSchema>

/** The schema errors of a parsed dashboard, as `path: message` lines (none when it is valid). */
export function schemaErrors(json: unknown): string[] {
  return [...Value.Errors(DashboardSchema, json)].map((e) => `${e.path || '/'}: ${e.message}`)
}
