/**
 * Issue 20: every generated dashboard passes the dashboard lint (test/helpers/grafana-lint.ts:
 * grafana/dashboard-linter's rules, docs/grafana.md "Lint"), every PromQL query of them (panels,
 * variables, annotations) is valid PromQL for promtool, and the import form (grafana/import/)
 * names its datasources through `__inputs` only. A dashboard broken on purpose shows that each
 * rule bites.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { stringify } from 'yaml'
import { DASHBOARDS, renderDashboardForImport } from '../../grafana/src/index.js'
import { lintDashboard, selectors, type LintDashboard } from '../helpers/grafana-lint.js'
import { tempDir } from '../helpers/harness.js'

const read = async (dir: string, file: string) => JSON.parse(await readFile(new URL(`../../grafana/${dir}/${file}`, import.meta.url), 'utf8')) as LintDashboard & Record<string, unknown>
const provisioned = await Promise.all(DASHBOARDS.map((d) => read('dashboards', d.file)))

t.test('every dashboard passes the lint', async (t) => {
  for (const d of provisioned) t.same(lintDashboard(d), [], d.title)
})

t.test('each lint rule catches what it is about', async (t) => {
  const d = structuredClone(provisioned.find((x) => x.uid === 'deskpulse-pipeline')!)
  const panels = d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]))
  const [first, second, third] = panels.filter((p) => p.targets?.some((q) => q.expr))
  first!.datasource = { type: 'prometheus', uid: 'deskpulse-prometheus' }
  second!.targets![0]!.expr = 'sum(rate(deskpulse_events_processed_total[5m]))'
  third!.targets![0]!.expr = 'sum(deskpulse_clickhouse_write_errors_total{job=~"$job",instance=~"$instance"})'
  third!.description = ''
  d.editable = true
  d.annotations = { list: [] }
  d.templating.list = d.templating.list.filter((v) => v.name !== 'instance')
  const rules = new Set(lintDashboard(d).map((p) => p.rule))
  for (const rule of ['panel-datasource-rule', 'target-rate-interval-rule', 'target-job-rule', 'target-instance-rule', 'target-counter-agg-rule', 'panel-title-description-rule', 'uneditable-dashboard-rule', 'annotations-rule', 'template-instance-rule']) {
    t.ok(rules.has(rule), rule)
  }
  t.same(selectors('rate(helpdesk_x_total{a="b"}[5m]) / line_team:y:sum + up{job="j"}'), [{ metric: 'helpdesk_x_total', matchers: 'a="b"' }], 'selectors: deskpulse series only, with their matchers')
})

t.test('every PromQL query of the dashboards is valid for promtool', async (t) => {
  const exprs: Array<[string, string]> = []
  for (const d of provisioned) {
    for (const p of d.panels.flatMap((x) => (x.type === 'row' ? (x.panels ?? []) : [x]))) for (const q of p.targets ?? []) if (q.expr) exprs.push([`${d.title} / ${p.title}`, q.expr])
    for (const v of d.templating.list) if (v.datasource?.type === 'prometheus') exprs.push([`${d.title} / $${v.name}`, String(v.query).replace(/^label_values\((.*),\s*\w+\)$/, '$1')])
    for (const a of d.annotations?.list ?? []) if (typeof a.expr === 'string') exprs.push([`${d.title} / annotation ${String(a.name)}`, a.expr])
  }
  t.ok(exprs.length > 60, `${exprs.length} expressions`)
  // Grafana's built-in intervals become durations; variables sit inside label values, as strings.
  const concrete = (e: string) => e.replace(/\$\{?__(rate_interval|interval|range)\}?/g, '5m')
  const dir = await tempDir(t)
  const file = path.join(dir, 'dashboards.rules.yml')
  await writeFile(file, stringify({ groups: [{ name: 'dashboards', rules: exprs.map(([, e], i) => ({ record: `lint:expr_${i}`, expr: concrete(e) })) }] }))
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })
  t.equal(r.status, 0, `${r.stdout}${r.stderr}`)
  t.match(r.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`))
})

t.test('the import form names its datasources through __inputs only', async (t) => {
  for (const def of DASHBOARDS) {
    const text = await readFile(new URL(`../../grafana/import/${def.file}`, import.meta.url), 'utf8')
    t.equal(text, renderDashboardForImport(def), `grafana/import/${def.file} is up to date (npm run dashboards)`)
    const d = JSON.parse(text) as LintDashboard & { __inputs: Array<{ name: string; type: string; pluginId: string }>; __requires: Array<{ type: string; id: string }> }
    const dsVars = d.templating.list.filter((v) => v.type === 'datasource')
    t.same(d.__inputs.map((i) => i.pluginId).sort(), dsVars.map((v) => String(v.query)).sort(), `${d.title}: one input per datasource variable`)
    for (const v of dsVars) {
      const input = d.__inputs.find((i) => i.pluginId === v.query)!
      t.same(v.current, { text: `\${${input.name}}`, value: `\${${input.name}}` }, `${d.title}: $${v.name} starts on the datasource picked for ${input.name}`)
    }
    t.notMatch(text, /deskpulse-(prometheus|clickhouse)/, `${d.title}: no provisioned datasource UID`)
    t.ok(d.__requires.some((r) => r.type === 'grafana') && d.__requires.filter((r) => r.type === 'datasource').length === dsVars.length, `${d.title}: __requires names Grafana and the datasource plugins`)
    t.same(lintDashboard(d), [], `${d.title}: the import form passes the lint too`)
  }
  for (const d of provisioned) {
    const text = JSON.stringify({ ...d, templating: { list: d.templating.list.filter((v) => v.type !== 'datasource') } })
    t.notMatch(text, /deskpulse-(prometheus|clickhouse)/, `${d.title}: the provisioned UIDs appear only as the datasource variables' defaults`)
  }
})
