/**
 * What Grafana 11.6 and grafana-clickhouse-datasource v4.10 do to a panel's query text before it
 * reaches the database, reproduced so that the panel test runs exactly what Grafana would run:
 *
 * 1. ClickHouse only, in the plugin's frontend (src/data/CHDatasource.ts `applyConditionalAll`):
 *    `$__conditionalAll(condition, $var)` becomes `1=1` when the variable is All, else `condition`.
 * 2. Grafana's template service (scenes `sceneInterpolator`): `$var`, `${var}`, `${var:format}`
 *    and the built-ins `$__from`, `$__to`, `$__interval`, `$__range` … For a variable without an
 *    explicit format each datasource formats the value: ClickHouse joins several values as
 *    `'a','b'` and leaves one as is (CHDatasource `format`); Prometheus makes a regex,
 *    `(a|b)` (`interpolateQueryExpr`). All with a custom all value (`.*`) is that value, unformatted
 *    (scenes `CustomAllValue`); All without one is every option.
 * 3. ClickHouse only, in the plugin's backend (pkg/macros/macros.go through sqlutil.Interpolate):
 *    `$__timeFilter(col)` → `col >= toDateTime(from) AND col <= toDateTime(to)`, `$__interval_s`,
 *    `$__timeInterval(col)`, `$__fromTime` … with sqlutil's way of finding a macro's arguments:
 *    the first parenthesis after the macro name, wherever it is, unless a `)` comes first.
 */

export interface TimeRange {
  /** Epoch milliseconds. */
  from: number
  to: number
}

/** A template variable's state: its options (what its query returned) and what is selected. */
export interface VariableState {
  name: string
  multi: boolean
  includeAll: boolean
  allValue?: string
  /** `'$__all'` for All, else the selected values. */
  current: '$__all' | string[]
  options: string[]
}

export interface QueryContext {
  range: TimeRange
  /** The request's interval (Grafana: the range over the panel's data points, rounded). */
  intervalMs: number
  variables: VariableState[]
}

/** Grafana's rangeUtil.roundInterval: a raw interval (ms) to the nearest "nice" one. */
export function roundInterval(ms: number): number {
  const steps: Array<[number, number]> = [
    [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1_500, 1_000], [3_500, 2_000], [7_500, 5_000],
    [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000], [210_000, 120_000],
    [450_000, 300_000], [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000], [2_700_000, 1_800_000],
    [5_400_000, 3_600_000], [9_000_000, 7_200_000], [16_200_000, 10_800_000], [32_400_000, 21_600_000],
    [86_400_000, 43_200_000], [604_800_000, 86_400_000], [1_814_400_000, 604_800_000], [3_628_800_000, 2_592_000_000],
  ]
  for (const [below, nice] of steps) if (ms < below) return nice
  return 31_536_000_000
}

/** The interval Grafana sends with a panel's queries: range / data points, rounded, at least `minMs`. */
export const grafanaInterval = (range: TimeRange, maxDataPoints = 1_000, minMs = 1) => Math.max(roundInterval((range.to - range.from) / maxDataPoints), minMs)

// ---------------------------------------------------------------------------------------------
// 1. $__conditionalAll (the ClickHouse plugin's frontend)

/** CHDatasource.getMacroArgs: the arguments from the `(` at `argsIndex`, split at depth-1 commas. */
function macroArgs(query: string, argsIndex: number): string[] {
  const args: string[] = []
  const re = /\(|\)|,/g
  let depth = 0
  let lastEnd = 1
  const sub = query.substring(argsIndex)
  for (let m = re.exec(sub); m !== null; m = re.exec(sub)) {
    if (m[0] === '(') depth++
    else if (m[0] === ')') depth--
    if (m[0] === ',' && depth === 1) {
      args.push(sub.substring(lastEnd, re.lastIndex - 1))
      lastEnd = re.lastIndex
    }
    if (depth === 0) {
      args.push(sub.substring(lastEnd, re.lastIndex - 1))
      return args
    }
  }
  return []
}

export function applyConditionalAll(sql: string, variables: VariableState[]): string {
  const macro = '$__conditionalAll('
  let index = sql.lastIndexOf(macro)
  while (index !== -1) {
    const params = macroArgs(sql, index + macro.length - 1)
    if (params.length !== 2) return sql
    const name = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(params[1]!.trim())
    let phrase = params[0]!
    if (name) {
      const v = variables.find((x) => x.name === name[0])
      const value = v ? (v.current === '$__all' ? '$__all' : v.current.join(',')) : undefined
      if (value === '' || value === '$__all') phrase = '1=1'
    }
    sql = sql.replace(`${macro}${params[0]},${params[1]})`, phrase)
    index = sql.lastIndexOf(macro)
  }
  return sql
}

// ---------------------------------------------------------------------------------------------
// 2. Template variables (Grafana's interpolation)

type Formatter = (value: string | string[]) => string
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v])
const regexEscape = (s: string) => s.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&')

/** Grafana's variable formats (scenes formatRegistry) used in SQL and PromQL. */
const FORMATS: Record<string, Formatter> = {
  raw: (v) => list(v).join(','),
  csv: (v) => list(v).join(','),
  pipe: (v) => list(v).join('|'),
  singlequote: (v) => list(v).map((s) => `'${s.replace(/'/g, "\\'")}'`).join(','),
  doublequote: (v) => list(v).map((s) => `"${s.replace(/"/g, '\\"')}"`).join(','),
  sqlstring: (v) => list(v).map((s) => `'${s.replace(/'/g, "''")}'`).join(','),
  regex: (v) => (Array.isArray(v) ? (v.length === 1 ? regexEscape(v[0]!) : `(${v.map(regexEscape).join('|')})`) : regexEscape(v)),
}

/** The datasource's own formatting of a variable without an explicit format. */
const DEFAULT_FORMAT: Record<'clickhouse' | 'prometheus', (v: string | string[], variable: VariableState) => string> = {
  // CHDatasource.format
  clickhouse: (v) => (Array.isArray(v) ? `'${v.join("','")}'` : v),
  // Prometheus interpolateQueryExpr (prometheusSpecialRegexEscape for multi/All variables)
  prometheus: (v, variable) => {
    const escape = (s: string) => s.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&')
    if (!variable.multi && !variable.includeAll) return list(v).join(',')
    if (typeof v === 'string') return escape(v)
    return v.length === 1 ? escape(v[0]!) : `(${v.map(escape).join('|')})`
  },
}

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g

/** Replaces variables and built-ins as Grafana does before a query is sent. */
export function interpolate(text: string, ctx: QueryContext, datasource: 'clickhouse' | 'prometheus'): string {
  const { range, intervalMs } = ctx
  const rangeSeconds = Math.round((range.to - range.from) / 1000)
  const builtins: Record<string, string> = {
    __from: String(range.from),
    __to: String(range.to),
    __interval: `${Math.max(1, Math.round(intervalMs / 1000))}s`,
    __interval_ms: String(intervalMs),
    __range: `${rangeSeconds}s`,
    __range_s: String(rangeSeconds),
    __range_ms: String(range.to - range.from),
  }
  return text.replace(VARIABLE, (match, n1?: string, n2?: string, f2?: string, n3?: string, _path?: string, f3?: string) => {
    const name = n1 ?? n2 ?? n3!
    const format = f2 ?? f3
    if (builtins[name] !== undefined && !ctx.variables.some((v) => v.name === name)) return builtins[name]!
    const variable = ctx.variables.find((v) => v.name === name)
    if (!variable) return match
    if (variable.current === '$__all' && variable.allValue !== undefined && variable.includeAll) {
      // scenes CustomAllValue: the custom all value as it is, whatever the format (but text).
      return format === 'text' ? 'All' : variable.allValue
    }
    const value = variable.current === '$__all' ? variable.options : variable.multi ? variable.current : (variable.current[0] ?? '')
    if (format) {
      const formatter = FORMATS[format.split(':')[0]!]
      if (!formatter) throw new Error(`variable format ${format} is not reproduced by test/helpers/grafana-macros.ts`)
      return formatter(value)
    }
    return DEFAULT_FORMAT[datasource](value, variable)
  })
}

// ---------------------------------------------------------------------------------------------
// 3. The ClickHouse plugin's backend macros (pkg/macros/macros.go, sqlutil.Interpolate)

type Macro = (args: string[], ctx: QueryContext) => string
const seconds = (ms: number) => Math.floor(ms / 1000)
const dateTime = (ms: number) => `toDateTime(${seconds(ms)})`
const dateTime64 = (ms: number) => `fromUnixTimestamp64Milli(${ms})`
const date = (ms: number) => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`
const rfc3339 = (ms: number) => new Date(seconds(ms) * 1000).toISOString().replace('.000Z', 'Z')
function arity(args: string[], n: number, name: string) {
  if (args.length !== n) throw new Error(`macro $__${name}: unexpected number of arguments: expected ${n} argument${n > 1 ? 's' : ''}, received ${args.length}`)
}

const MACROS: Record<string, Macro> = {
  fromTime: (_a, c) => dateTime(c.range.from),
  toTime: (_a, c) => dateTime(c.range.to),
  fromTime_ms: (_a, c) => dateTime64(c.range.from),
  toTime_ms: (_a, c) => dateTime64(c.range.to),
  timeFilter: (a, c) => (arity(a, 1, 'timeFilter'), `${a[0]} >= ${dateTime(c.range.from)} AND ${a[0]} <= ${dateTime(c.range.to)}`),
  timeFilter_ms: (a, c) => (arity(a, 1, 'timeFilter_ms'), `${a[0]} >= ${dateTime64(c.range.from)} AND ${a[0]} <= ${dateTime64(c.range.to)}`),
  dateFilter: (a, c) => (arity(a, 1, 'dateFilter'), `${a[0]} >= ${date(c.range.from)} AND ${a[0]} <= ${date(c.range.to)}`),
  dateTimeFilter: (a, c) => (arity(a, 2, 'dateTimeFilter'), `(${a[0]} >= ${date(c.range.from)} AND ${a[0]} <= ${date(c.range.to)}) AND (${a[1]} >= ${dateTime(c.range.from)} AND ${a[1]} <= ${dateTime(c.range.to)})`),
  timeInterval: (a, c) => (arity(a, 1, 'timeInterval'), `toStartOfInterval(toDateTime(${a[0]}), INTERVAL ${Math.max(seconds(c.intervalMs), 1)} second)`),
  timeInterval_ms: (a, c) => (arity(a, 1, 'timeInterval_ms'), `toStartOfInterval(toDateTime64(${a[0]}, 3), INTERVAL ${Math.max(c.intervalMs, 1)} millisecond)`),
  interval_s: (_a, c) => String(Math.max(seconds(c.intervalMs), 1)),
  // sqlutil's defaults for what the plugin does not define
  timeFrom: (a, c) => (arity(a, 1, 'timeFrom'), `${a[0]} >= '${rfc3339(c.range.from)}'`),
  timeTo: (a, c) => (arity(a, 1, 'timeTo'), `${a[0]} <= '${rfc3339(c.range.to)}'`),
  table: () => '',
  column: () => '',
}
MACROS.dt = MACROS.dateTimeFilter!

/** sqlutil getMacroMatches: each occurrence of `$__name` with the text of its arguments. */
function macroMatches(input: string, name: string): Array<{ text: string; args: string | null }> {
  const out: Array<{ text: string; args: string | null }> = []
  const re = new RegExp(`\\$__${name}\\b`, 'g')
  for (let m = re.exec(input); m !== null; m = re.exec(input)) {
    const rest = input.slice(m.index)
    let depth = 0
    let argStart = 0
    let end = 0
    for (let i = 0; i < rest.length; i++) {
      if (depth === 0 && end > 0) break
      const ch = rest[i]
      if (ch === '(') {
        depth++
        if (argStart === 0) argStart = i + 1
      } else if (ch === ')') {
        if (depth === 0) {
          end = 0
          break
        }
        depth--
        end = i + 1
      }
    }
    if (end === 0) end = m[0].length
    out.push({ text: rest.slice(0, end), args: argStart > 0 ? rest.slice(argStart, end - 1) : null })
  }
  return out
}

export function expandClickHouseMacros(sql: string, ctx: QueryContext): string {
  for (const [name, macro] of Object.entries(MACROS)) {
    for (const match of macroMatches(sql, name)) {
      const args = match.args === null ? [] : match.args.split(',').map((a) => a.trim())
      sql = sql.split(match.text).join(macro(args, ctx))
    }
  }
  return sql
}

/** A ClickHouse panel query as the plugin sends it to ClickHouse. */
export const clickhouseQueryText = (rawSql: string, ctx: QueryContext) =>
  expandClickHouseMacros(interpolate(applyConditionalAll(rawSql, ctx.variables), ctx, 'clickhouse'), ctx)

/** A PromQL panel query as Grafana sends it to Prometheus. */
export function prometheusQueryText(expr: string, ctx: QueryContext, scrapeIntervalMs: number): string {
  // Prometheus datasource: $__rate_interval = max($__interval + scrape interval, 4 × scrape interval).
  const rateInterval = Math.max(ctx.intervalMs + scrapeIntervalMs, 4 * scrapeIntervalMs)
  return interpolate(expr.replace(/\$__rate_interval\b|\$\{__rate_interval\}/g, `${Math.round(rateInterval / 1000)}s`), ctx, 'prometheus')
}
