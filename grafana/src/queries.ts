/**
 * Panel queries: PromQL through the SDK's Prometheus builder, SQL through a builder of the
 * grafana-clickhouse-datasource query (the SDK has no ClickHouse package; the fields are the
 * plugin's `CHSqlQuery`, src/types/sql.ts of grafana/clickhouse-datasource v4).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus'
import { CLICKHOUSE_PLUGIN_VERSION, DATASOURCES } from './config.js'

/** sqlds' FormatQueryOption: 0 time series (long frames pivoted to wide), 1 table. */
export type ClickHouseFormat = 'timeseries' | 'table'

export interface ClickHouseQuery extends cog.Dataquery {
  refId: string
  datasource: { type: string; uid: string }
  editorType: 'sql'
  pluginVersion: string
  queryType: ClickHouseFormat
  format: 0 | 1
  rawSql: string
}

export class ClickHouseQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: ClickHouseQuery

  constructor(rawSql: string, format: ClickHouseFormat = 'table') {
    this.internal = {
      refId: '',
      datasource: { ...DATASOURCES.clickhouse },
      editorType: 'sql',
      pluginVersion: CLICKHOUSE_PLUGIN_VERSION,
      queryType: format,
      format: format === 'timeseries' ? 0 : 1,
      rawSql: rawSql.trim(),
      _implementsDataqueryVariant() {},
    }
  }

  refId(refId: string): this {
    this.internal.refId = refId
    return this
  }

  build(): ClickHouseQuery {
    return this.internal
  }
}

export interface PromOptions {
  /** Legend template, e.g. `{{state}}`. */
  legend?: string
  /** One value at the end of the range (stat, gauge, table panels) instead of a range query. */
  instant?: boolean
  /** `table` for a table of labels and values. */
  format?: prometheus.PromQueryFormat
}

export function prom(expr: string, o: PromOptions = {}): prometheus.DataqueryBuilder {
  const b = new prometheus.DataqueryBuilder()
    .datasource({ ...DATASOURCES.prometheus })
    .expr(expr.trim())
    .editorMode(prometheus.QueryEditorMode.Code)
    .legendFormat(o.legend ?? '__auto')
  if (o.instant) b.instant()
  else b.range()
  if (o.format) b.format(o.format)
  return b
}

export const sql = (rawSql: string, format: ClickHouseFormat = 'table') => new ClickHouseQueryBuilder(rawSql, format)

/** Either builder, so panels can name their queries A, B, C … */
export type QueryBuilder = prometheus.DataqueryBuilder | ClickHouseQueryBuilder
