/**
 * The dashboard lint the test suite runs on every generated dashboard (test/unit/grafana-lint.test.ts):
 * the rules of grafana/dashboard-linter (lint/rule_*.go), under their names, written here for the
 * parts the deskpulse dashboards use, with three deliberate differences (docs/grafana.md "Lint"):
 *
 * - template-job-rule: the `job` variable's All value is the deskpulse jobs' regex, not `.+`: the
 *   process_* and nodejs_* names are shared by every Node.js exporter, and `.+` would mix them in;
 * - target-job-rule / target-instance-rule: required on the series deskpulse exports (helpdesk_*,
 *   deskpulse_*, process_*, nodejs_*), not on recording rules (`level:metric:op`), which aggregate
 *   the job and instance away, nor on `up`/`ALERTS`, which the panels select by job themselves;
 * - target-rate-interval-rule: `rate`/`irate` over `$__rate_interval`, or over a KPI window of
 *   15 minutes or more that the panel names (p90 FRT "over 15 minutes"): a smoothing window the
 *   figure is defined by, not a sampling artefact.
 *
 * PromQL validity (target-promql-rule, template-label-promql-rule) is checked by promtool in the
 * test itself.
 */

export interface LintProblem {
  rule: string
  where: string
  message: string
}

interface Ref { type?: string; uid?: string }
interface Target { refId?: string; datasource?: Ref; expr?: string; rawSql?: string }
interface Panel { type: string; title?: string; description?: string; datasource?: Ref; targets?: Target[]; panels?: Panel[]; fieldConfig?: { defaults?: { unit?: string } } }
interface Variable { name: string; type: string; label?: string; datasource?: Ref; query?: unknown; multi?: boolean; includeAll?: boolean; allValue?: string; refresh?: number; current?: { value?: unknown } }
export interface LintDashboard { title: string; editable?: boolean; panels: Panel[]; templating: { list: Variable[] }; annotations?: { list?: Array<Record<string, unknown>> }; links?: Array<Record<string, unknown>> }

/** Datasource plugin → the variable's name and label (template-datasource-rule, `<query>_datasource`). */
export const DATASOURCE_KINDS: Record<string, { name: string; label: string }> = {
  prometheus: { name: 'prometheus_datasource', label: 'Prometheus data source' },
  'grafana-clickhouse-datasource': { name: 'clickhouse_datasource', label: 'ClickHouse data source' },
}

/** Units Grafana knows (the ones these dashboards may use) and its `suffix:` custom units. */
const UNITS = new Set(['none', 'short', 'percent', 'percentunit', 's', 'ms', 'm', 'h', 'dtdurations', 'bytes', 'decbytes', 'reqps', 'ops', 'bool', 'locale'])
const KPI_WINDOWS = new Set(['15m', '30m', '1h', '6h', '24h', '1d', '7d'])

const panelsOf = (d: LintDashboard) => d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]))
const isDeskpulseSeries = (m: string) => !m.includes(':') && /^(helpdesk|deskpulse|process|nodejs)_/.test(m)

/** The series selectors of an expression: metric name and the text between its braces. */
export function selectors(expr: string): Array<{ metric: string; matchers: string }> {
  const out: Array<{ metric: string; matchers: string }> = []
  const stripped = expr.replace(/"(?:[^"\\]|\\.)*"/g, (s) => s.replace(/[a-z_]/gi, 'x'))
  for (const m of stripped.matchAll(/(?<![\w:.$])([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(?!\s*\()/g)) {
    const metric = m[1]!
    if (!isDeskpulseSeries(metric)) continue
    const start = m.index! + m[0].indexOf('{')
    out.push({ metric, matchers: m[2] ? expr.slice(start + 1, start + m[2].length - 1) : '' })
  }
  return out
}

export function lintDashboard(d: LintDashboard): LintProblem[] {
  const problems: LintProblem[] = []
  const add = (rule: string, where: string, message: string) => problems.push({ rule, where: `${d.title}${where ? ` / ${where}` : ''}`, message })
  const vars = d.templating.list
  const dsVars = vars.filter((v) => v.type === 'datasource')
  const panels = panelsOf(d)
  const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ p, t })))
  const usedTypes = new Set([...targets.map(({ t }) => t.datasource?.type), ...vars.map((v) => v.datasource?.type)].filter((x): x is string => !!x))
  const prom = usedTypes.has('prometheus')

  // template-datasource-rule
  for (const type of usedTypes) {
    const want = DATASOURCE_KINDS[type]
    const v = dsVars.find((x) => x.query === type)
    if (!want || !v) add('template-datasource-rule', '', `no templated data source for ${type}`)
    else {
      if (v.name !== want.name) add('template-datasource-rule', v.name, `should be named ${want.name}`)
      if (v.label !== want.label) add('template-datasource-rule', v.name, `should be labeled ${want.label}`)
    }
  }
  const refOk = (ref: Ref | undefined) => {
    const v = dsVars.find((x) => x.query === ref?.type)
    return !!v && (ref?.uid === `\${${v.name}}` || ref?.uid === `$${v.name}`)
  }
  // panel-datasource-rule (panels, their queries and the query variables)
  for (const p of panels) {
    if (!refOk(p.datasource)) add('panel-datasource-rule', p.title ?? '', `does not use a templated datasource, uses '${p.datasource?.uid}'`)
    for (const t of p.targets ?? []) if (!refOk(t.datasource)) add('panel-datasource-rule', `${p.title} ${t.refId}`, `query does not use a templated datasource, uses '${t.datasource?.uid}'`)
  }
  for (const v of vars.filter((x) => x.type === 'query')) if (!refOk(v.datasource)) add('panel-datasource-rule', `$${v.name}`, `variable does not use a templated datasource, uses '${v.datasource?.uid}'`)

  // template-job-rule, template-instance-rule
  if (prom) {
    for (const [name, allValue] of [['job', null], ['instance', '.+']] as const) {
      const v = vars.find((x) => x.name === name)
      if (!v) {
        add(`template-${name}-rule`, '', `is missing the ${name} template`)
        continue
      }
      if (v.type !== 'query') add(`template-${name}-rule`, name, 'should be a Prometheus query')
      if (v.datasource?.uid !== '${prometheus_datasource}') add(`template-${name}-rule`, name, `should use the templated Prometheus datasource, uses '${v.datasource?.uid}'`)
      if (v.label !== name[0]!.toUpperCase() + name.slice(1)) add(`template-${name}-rule`, name, `should be labeled ${name[0]!.toUpperCase() + name.slice(1)}`)
      if (!v.multi || !v.includeAll) add(`template-${name}-rule`, name, 'should be a multi select with All')
      if (allValue !== null && v.allValue !== allValue) add(`template-${name}-rule`, name, `allValue should be '${allValue}', is '${v.allValue}'`)
      if (allValue === null && !/^[\w.:-]+(\|[\w.:-]+)*$/.test(v.allValue ?? '')) add(`template-${name}-rule`, name, `allValue should be the deskpulse jobs' regex, is '${v.allValue}'`)
    }
  }
  // template-on-time-change-reload-rule
  for (const v of vars.filter((x) => x.type === 'query')) if (v.refresh !== 2) add('template-on-time-change-reload-rule', `$${v.name}`, 'should refresh on time range change (refresh: 2)')

  for (const p of panels) {
    const where = p.title ?? '(untitled)'
    // panel-title-description-rule
    if (!p.title?.trim() || !p.description?.trim()) add('panel-title-description-rule', where, 'missing title or description')
    // panel-units-rule
    const unit = p.fieldConfig?.defaults?.unit
    if (!unit || !(UNITS.has(unit) || /^suffix:.+/.test(unit))) add('panel-units-rule', where, `has no valid unit: '${unit}'`)
    // panel-no-targets-rule
    if (!p.targets?.length) add('panel-no-targets-rule', where, 'has no targets')
    for (const t of p.targets ?? []) {
      if (!t.expr) continue
      const at = `${where} ${t.refId}`
      // target-job-rule, target-instance-rule
      for (const sel of selectors(t.expr)) {
        if (!/(^|,)\s*job\s*=~\s*"\$job"/.test(sel.matchers)) add('target-job-rule', at, `${sel.metric} has no job=~"$job" matcher`)
        if (!/(^|,)\s*instance\s*=~\s*"\$instance"/.test(sel.matchers)) add('target-instance-rule', at, `${sel.metric} has no instance=~"$instance" matcher`)
      }
      // target-rate-interval-rule
      for (const m of t.expr.matchAll(/\b(i?rate)\((?:[^()[\]]|\([^()]*\))*\[([^\]]+)\]/g)) {
        if (m[2] !== '$__rate_interval' && !KPI_WINDOWS.has(m[2]!)) add('target-rate-interval-rule', at, `${m[1]} over [${m[2]}]: should use $__rate_interval`)
      }
      // target-counter-agg-rule
      const noStrings = t.expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')
      for (const m of noStrings.matchAll(/(?<![\w:])([a-zA-Z_][\w]*_total)\b\s*(\{[^}]*\})?\s*(\[[^\]]*\])?/g)) {
        const before = noStrings.slice(0, m.index).trimEnd()
        if (!m[3] || !/\b(rate|irate|increase)\($/.test(before)) add('target-counter-agg-rule', at, `counter ${m[1]} is not aggregated with rate, irate or increase`)
      }
    }
  }
  // uneditable-dashboard-rule
  if (d.editable !== false) add('uneditable-dashboard-rule', '', "is editable, it should be set to 'editable: false'")
  // Annotations: the built-in layer; deploys and restarts on Prometheus dashboards.
  const annotations = d.annotations?.list ?? []
  if (!annotations.some((a) => a.builtIn === 1)) add('annotations-rule', '', 'no built-in annotations layer')
  if (prom && !annotations.some((a) => typeof a.expr === 'string' && /process_start_time_seconds/.test(a.expr) && refOk(a.datasource as Ref))) add('annotations-rule', '', 'no deploys-and-restarts annotation')
  // Links to the other deskpulse dashboards, carrying the time range and variables.
  if (!(d.links ?? []).some((l) => l.type === 'dashboards' && Array.isArray(l.tags) && l.tags.includes('deskpulse') && l.keepTime && l.includeVars)) add('links-rule', '', 'no link to the other deskpulse dashboards keeping time and variables')
  return problems
}
