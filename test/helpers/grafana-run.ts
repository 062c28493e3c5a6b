/**
 * Runs dashboard panel queries the way Grafana would (test/helpers/grafana-macros.ts does the
 * expansion): PromQL against Prometheus's HTTP API, SQL against ClickHouse; says whether a result
 * holds data; and lists the metric names a PromQL expression reads.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { clickhouseQueryText, grafanaInterval, prometheusQueryText, type QueryContext, type TimeRange, type VariableState } from './grafana-macros.js'

export interface Target {
  refId: string
  datasource: { uid: string; type: string }
  expr?: string
  instant?: boolean
  rawSql?: string
}

export interface QueryOutcome {
  /** The query as sent. */
  query: string
  error?: string
  /** Whether the result has a value: a sample that is not NaN, or a row with a non-null figure. */
  hasData: boolean
  rows: number
  /** The first rows or series, abbreviated: what the panel would show. */
  sample?: string
}

interface PromResponse {
  status: string
  error?: string
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }> }
}

export async function runPrometheus(promUrl: string, t: Target, ctx: QueryContext, scrapeIntervalMs: number): Promise<QueryOutcome> {
  const query = prometheusQueryText(t.expr!, ctx, scrapeIntervalMs)
  const params = new URLSearchParams({ query })
  let url: string
  if (t.instant) {
    params.set('time', String(ctx.range.to / 1000))
    url = `${promUrl}/api/v1/query`
  } else {
    params.set('start', String(ctx.range.from / 1000))
    params.set('end', String(ctx.range.to / 1000))
    params.set('step', `${Math.max(ctx.intervalMs, scrapeIntervalMs) / 1000}s`)
    url = `${promUrl}/api/v1/query_range`
  }
  const res = await fetch(url, { method: 'POST', body: params })
  const body = (await res.json()) as PromResponse
  if (body.status !== 'success') return { query, error: `${res.status} ${body.error ?? ''}`, hasData: false, rows: 0 }
  const result = body.data!.result
  const samples = result.flatMap((s) => (s.value ? [s.value] : (s.values ?? [])))
  const sample = JSON.stringify(result.slice(0, 3).map((r) => ({ ...r.metric, value: (r.value ?? r.values?.at(-1))?.[1] }))).slice(0, 400)
  return { query, hasData: samples.some(([, v]) => v !== 'NaN'), rows: result.length, sample }
}

export async function runClickHouse(client: ClickHouseClient, t: Target, ctx: QueryContext): Promise<QueryOutcome> {
  const query = clickhouseQueryText(t.rawSql!, ctx)
  try {
    const rs = await client.query({ query, format: 'JSONCompact' })
    const { meta, data } = (await rs.json()) as unknown as { meta: Array<{ name: string }>; data: unknown[][] }
    const figures = meta.map((m, i) => (m.name === 'time' ? -1 : i)).filter((i) => i >= 0)
    const hasData = data.some((row) => figures.some((i) => row[i] !== null && row[i] !== 'nan' && row[i] !== 'NaN'))
    const sample = JSON.stringify(data.slice(0, 3).map((row) => Object.fromEntries(meta.map((m, i) => [m.name, row[i]])))).slice(0, 400)
    return { query, hasData, rows: data.length, sample }
  } catch (err) {
    return { query, error: (err as Error).message.split('\n')[0]!, hasData: false, rows: 0 }
  }
}

/** The values a variable query returns: `label_values(selector, label)` (Prometheus) or a SQL query's first column. */
export async function variableOptions(
  v: { query?: unknown; datasource?: { uid?: string; type?: string } },
  deps: { promUrl: string; clickhouse: ClickHouseClient },
  ctx: QueryContext,
): Promise<string[]> {
  const query = String(v.query)
  if (v.datasource?.type === 'prometheus') {
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(query)
    if (!m) throw new Error(`not a label_values query: ${query}`)
    const params = new URLSearchParams({ 'match[]': prometheusQueryText(m[1]!, ctx, 1_000), start: String(ctx.range.from / 1000), end: String(ctx.range.to / 1000) })
    const body = (await (await fetch(`${deps.promUrl}/api/v1/label/${m[2]}/values?${params}`)).json()) as { status: string; data: string[]; error?: string }
    if (body.status !== 'success') throw new Error(`${query}: ${body.error}`)
    return body.data
  }
  const rs = await deps.clickhouse.query({ query: clickhouseQueryText(query, ctx), format: 'JSONCompact' })
  return ((await rs.json()) as unknown as { data: unknown[][] }).data.map((r) => String(r[0]))
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan'])

/** The metric names (and recording rules) a PromQL expression reads. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
  const names = new Set<string>()
  for (const m of stripped.matchAll(/(?<![\w:.$])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    const name = m[1]!
    if (!PROMQL_WORDS.has(name.toLowerCase())) names.add(name)
  }
  return [...names]
}

/** A query context over `range` with the variables as given. */
export const contextFor = (range: TimeRange, variables: VariableState[], maxDataPoints?: number): QueryContext => ({ range, intervalMs: grafanaInterval(range, maxDataPoints), variables })
