/**
 * The dashboards as code (grafana/src, docs/grafana.md): the committed grafana/dashboards/*.json
 * is exactly what the code generates; each file is a valid Grafana dashboard (JSON Schema of
 * grafana/src/schema.ts, beside the SDK's types at compile time); every panel names a
 * provisioned datasource, has queries, a unit and thresholds, and the KPI lines (the 60 s FRT
 * target, the five-minute line, the 85–90 % load band) are where they belong. Also the expansion
 * of the ClickHouse plugin's macros and Grafana's variables that the panel test relies on.
 */
import t from 'tap'
import { readFile, readdir } from 'node:fs/promises'
import { parse } from 'yaml'
import { DASHBOARDS, renderDashboard } from '../../grafana/src/index.js'
import { schemaErrors } from '../../grafana/src/schema.js'
import { THRESHOLDS } from '../../grafana/src/config.js'
import { applyConditionalAll, clickhouseQueryText, expandClickHouseMacros, interpolate, prometheusQueryText, roundInterval, type QueryContext, type VariableState } from '../helpers/grafana-macros.js'
import { metricNames } from '../helpers/grafana-run.js'

const dir = new URL('../../grafana/dashboards/', import.meta.url)
interface Target { refId: string; datasource: { uid: string; type: string }; expr?: string; rawSql?: string }
interface Panel { type: string; id: number; title: string; datasource: { uid: string; type: string }; gridPos: { x: number; y: number; w: number; h: number }; targets: Target[]; fieldConfig: { defaults: { unit: string; thresholds: { steps: Array<{ value: number | null }> } }; overrides: Array<{ properties: Array<{ id: string; value?: unknown }> }> }; panels?: Panel[] }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string; query?: unknown; current?: { value?: unknown }; multi?: boolean; includeAll?: boolean; allValue?: string; datasource?: { uid: string } }> } }

const files = await Promise.all(DASHBOARDS.map(async (d) => ({ def: d, text: await readFile(new URL(d.file, dir), 'utf8') })))
const dashboards = files.map(({ def, text }) => ({ def, json: JSON.parse(text) as Dashboard }))
const panelsOf = (d: Dashboard) => d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]))
const stepsOf = (p: Panel) => p.fieldConfig.defaults.thresholds.steps.map((s) => s.value)

t.test('the committed dashboards are what grafana/src generates (run npm run dashboards)', async (t) => {
  for (const { def, text } of files) t.equal(text, renderDashboard(def), `grafana/dashboards/${def.file} is up to date`)
  const committed = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
  t.same(committed, DASHBOARDS.map((d) => d.file).sort(), 'no stale dashboard file')
})

t.test("every dashboard is valid against Grafana's dashboard schema", async (t) => {
  for (const { json } of dashboards) t.same(schemaErrors(json), [], json.title)
  t.equal(new Set(dashboards.map((d) => d.json.uid)).size, dashboards.length, 'distinct uids')
})

t.test('every panel names its datasource variable, defaulting to a provisioned datasource, and has queries, a unit and thresholds', async (t) => {
  const provisioned = parse(await readFile(new URL('../../grafana/provisioning/datasources/deskpulse.yml', import.meta.url), 'utf8')) as { datasources: Array<{ uid: string; type: string }> }
  const uids = new Map(provisioned.datasources.map((d) => [d.uid, d.type]))
  for (const { def, json } of dashboards) {
    // `${name}` of a datasource variable → the type of the provisioned datasource it defaults to.
    const variables = new Map(json.templating.list.filter((v) => v.type === 'datasource').map((v) => [`\${${v.name}}`, uids.get(String(v.current?.value))]))
    const panels = panelsOf(json)
    const titles = panels.map((p) => p.title)
    t.same(titles.filter((x, i) => titles.indexOf(x) !== i), [], `${json.title}: panel titles are distinct`)
    const ids = json.panels.flatMap((p) => [p.id, ...(p.panels ?? []).map((q) => q.id)])
    t.equal(new Set(ids).size, ids.length, `${json.title}: panel ids are distinct`)
    for (const name of ['line', 'team']) {
      // job and instance (Prometheus dashboards) come first: grafana/src/conventions.ts.
      const v = json.templating.list.find((x) => x.name === name)
      t.ok(v?.multi && v.includeAll, `${json.title}: variable $${name}, multi-value with All`)
    }
    for (const title of Object.keys(def.mayBeEmpty)) t.ok(titles.includes(title), `${json.title}: mayBeEmpty names a panel: ${title}`)
    for (const p of panels) {
      const where = `${json.title} / ${p.title}`
      t.equal(variables.get(p.datasource.uid), p.datasource.type, `${where}: datasource ${p.datasource.uid}, a variable defaulting to a provisioned ${p.datasource.type}`)
      t.ok(p.targets.length > 0 && p.targets.every((q) => q.datasource.uid === p.datasource.uid), `${where}: queries on the panel's datasource`)
      t.ok(p.fieldConfig.defaults.unit, `${where}: unit ${p.fieldConfig.defaults.unit}`)
      t.equal(stepsOf(p)[0], null, `${where}: thresholds start at the base colour`)
      t.ok(p.gridPos.x + p.gridPos.w <= 24, `${where}: fits the 24-column grid`)
    }
    // No two panels overlap.
    const cells = new Set<string>()
    let overlaps = 0
    for (const p of json.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          if (cells.has(`${x},${y}`)) overlaps++
          cells.add(`${x},${y}`)
        }
      }
    }
    t.equal(overlaps, 0, `${json.title}: no panels overlap`)
  }
})

t.test('the KPI lines are drawn: 60 s FRT target, the five-minute line, the 85–90 % load band', async (t) => {
  const all = dashboards.flatMap(({ json }) => panelsOf(json).map((p) => ({ p, where: `${json.title} / ${p.title}`, text: JSON.stringify(p.targets) })))
  const frt = all.filter(({ p, text }) => p.fieldConfig.defaults.unit === 's' && /first_response_seconds|frt_seconds|frt_samples/.test(text) && !/bot_first/.test(text))
  t.ok(frt.length >= 4, `${frt.length} first-response panels`)
  for (const { p, where } of frt) t.ok(stepsOf(p).includes(THRESHOLDS.frtTargetSeconds), `${where}: a step at ${THRESHOLDS.frtTargetSeconds} s`)
  const overrideSteps = (p: Panel, column: RegExp) =>
    p.fieldConfig.overrides.filter((o) => column.test(JSON.stringify(o))).flatMap((o) => o.properties.filter((x) => x.id === 'thresholds').flatMap((x) => (x.value as { steps: Array<{ value: number | null }> }).steps.map((s) => s.value)))
  const frtColumns = all.filter(({ p }) => p.type === 'table' && /"FRT( p\d\d)?"/.test(JSON.stringify(p.fieldConfig.overrides)))
  t.ok(frtColumns.length >= 3, `${frtColumns.length} tables with first-response columns`)
  for (const { p, where } of frtColumns) t.ok(overrideSteps(p, /"FRT( p\d\d)?"/).includes(THRESHOLDS.frtTargetSeconds), `${where}: FRT columns coloured from ${THRESHOLDS.frtTargetSeconds} s`)
  const waiting = all.filter(({ text }) => /helpdesk_oldest_waiting_seconds/.test(text))
  t.ok(waiting.length >= 2)
  for (const { p, where } of waiting) t.ok(stepsOf(p).includes(THRESHOLDS.breachSeconds), `${where}: a step at ${THRESHOLDS.breachSeconds} s`)
  const load = all.filter(({ p, text }) => /helpdesk_agent_load_ratio/.test(text) || /\bload\b/i.test(p.title))
  t.ok(load.length >= 4, `${load.length} load panels`)
  for (const { p, where } of load) {
    const steps = [...stepsOf(p), ...overrideSteps(p, /"load"/)]
    t.ok(steps.includes(THRESHOLDS.loadBand.low) && steps.includes(THRESHOLDS.loadBand.high), `${where}: the ${THRESHOLDS.loadBand.low}–${THRESHOLDS.loadBand.high} band`)
  }
})

t.test('docs/grafana.md lists every panel and every panel allowed to be empty', async (t) => {
  const doc = await readFile(new URL('../../docs/grafana.md', import.meta.url), 'utf8')
  for (const { def, json } of dashboards) {
    for (const p of panelsOf(json)) t.ok(doc.includes(`| ${p.title} |`), `${json.title} / ${p.title}`)
    for (const title of Object.keys(def.mayBeEmpty)) t.match(doc, new RegExp(`\\| ${json.title.replace('deskpulse / ', '')} \\| ${title.replace(/[()]/g, '\\$&')} \\|`), `may be empty: ${title}`)
  }
})

// ---------------------------------------------------------------------------------------------
// The expansion the panel test runs queries through (test/helpers/grafana-macros.ts).

const range = { from: Date.UTC(2026, 10, 25, 10, 0, 0, 250), to: Date.UTC(2026, 10, 25, 16, 0, 0, 250) }
const v = (name: string, current: VariableState['current'], options = ['a', 'b', 'c']): VariableState => ({ name, multi: true, includeAll: true, allValue: '.*', current, options })
const ctx = (variables: VariableState[], intervalMs = 30_000): QueryContext => ({ range, intervalMs, variables })
const F = Math.floor(range.from / 1000)
const T = Math.floor(range.to / 1000)

t.test("the ClickHouse plugin's macros expand as pkg/macros/macros.go does", async (t) => {
  const c = ctx([])
  t.equal(expandClickHouseMacros('WHERE $__timeFilter(opened_at)', c), `WHERE opened_at >= toDateTime(${F}) AND opened_at <= toDateTime(${T})`)
  t.equal(expandClickHouseMacros('$__timeFilter_ms(at)', c), `at >= fromUnixTimestamp64Milli(${range.from}) AND at <= fromUnixTimestamp64Milli(${range.to})`)
  t.equal(expandClickHouseMacros('$__dateFilter(d)', c), "d >= toDate('2026-11-25') AND d <= toDate('2026-11-25')")
  t.equal(expandClickHouseMacros('$__timeInterval(minute)', c), 'toStartOfInterval(toDateTime(minute), INTERVAL 30 second)')
  t.equal(expandClickHouseMacros('INTERVAL $__interval_s second)', ctx([], 500)), 'INTERVAL 1 second)', '$__interval_s is at least 1')
  t.equal(expandClickHouseMacros('($__fromTime, $__toTime)', c), `(toDateTime(${F}), toDateTime(${T}))`)
  t.throws(() => expandClickHouseMacros('$__timeFilter(toDateTime(at, 3))', c), /expected 1 argument, received 2/, 'arguments split at every comma, as sqlutil does')
  t.equal(
    expandClickHouseMacros("at <= $__toTime AND line IN ('a')", c),
    `at <= toDateTime(${T})`,
    'a macro without parentheses takes the next parenthesis as its arguments (sqlutil), swallowing the text up to it',
  )
})

t.test("Grafana's variables: All, several values, the plugins' formats", async (t) => {
  const sql = "WHERE $__conditionalAll(line IN (${line:singlequote}), $line) AND $__conditionalAll(team IN (${team:singlequote}), $team)"
  t.equal(applyConditionalAll(sql, [v('line', '$__all'), v('team', ['x'])]), "WHERE 1=1 AND team IN (${team:singlequote})")
  t.equal(clickhouseQueryText(sql, ctx([v('line', '$__all'), v('team', '$__all')])), 'WHERE 1=1 AND 1=1')
  t.equal(clickhouseQueryText(sql, ctx([v('line', ['a', "o'b"]), v('team', ['x'])])), "WHERE line IN ('a','o\\'b') AND team IN ('x')")
  t.equal(interpolate('IN (${line:singlequote})', ctx([v('line', '$__all')]), 'clickhouse'), 'IN (.*)', 'a custom all value is not formatted: hence $__conditionalAll')
  t.equal(interpolate('IN ($line)', ctx([{ ...v('line', '$__all'), allValue: undefined } as VariableState]), 'clickhouse'), "IN ('a','b','c')", 'All without a custom value: every option')
  t.equal(interpolate('toHour(t, ${tz:singlequote})', ctx([{ name: 'tz', multi: false, includeAll: false, current: ['Europe/Rome'], options: [] }]), 'clickhouse'), "toHour(t, 'Europe/Rome')")
  t.equal(prometheusQueryText('x{line=~"$line",team=~"$team"}', ctx([v('line', '$__all'), v('team', ['b', 'c'])]), 1000), 'x{line=~".*",team=~"(b|c)"}')
  t.equal(prometheusQueryText('increase(x[$__range]) + rate(x[$__rate_interval])', ctx([], 10_000), 15_000), 'increase(x[21600s]) + rate(x[60s])')
  t.equal(roundInterval(21_600_000 / 1000), 20_000, '6 h over 1,000 points: 20 s')
})

t.test('metric names are read out of PromQL', async (t) => {
  t.same(metricNames('histogram_quantile(0.9, sum by (le) (rate(helpdesk_first_response_seconds_bucket{line=~"$line"}[15m])))'), ['helpdesk_first_response_seconds_bucket'])
  t.same(metricNames('1 - sum(line_team:a:rate1h{x="y"}) / (sum(b_total) > 0) / scalar(overall:c:ratio) or vector(0)').sort(), ['b_total', 'line_team:a:rate1h', 'overall:c:ratio'])
  t.same(metricNames('max by (team) (up{job=~"a|b"}) * 1e3 and on () group_left () ALERTS'), ['up', 'ALERTS'])
})
