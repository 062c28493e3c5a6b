/**
 * What every deskpulse dashboard gets on top of its panels, in one place (renderDashboard applies
 * it to each dashboard's JSON, so a new dashboard gets it by being listed in grafana/src/index.ts):
 *
 * - a datasource variable per datasource type it uses (`prometheus_datasource`,
 *   `clickhouse_datasource`), which every panel, query and variable names as `${…}`: the dashboards
 *   import into any Grafana, whatever its datasources are called (grafana/dashboard-linter's
 *   template-datasource and panel-datasource rules);
 * - on Prometheus dashboards, `job` and `instance` variables, and `job=~"$job",instance=~"$instance"`
 *   plus the config's `monitoring.selector` in every selector of a deskpulse or Node.js series
 *   (the linter's template-job/instance and target-job/instance rules; the rules get the same
 *   selectors from alerting/src/links.ts);
 * - the built-in annotations layer and, on Prometheus dashboards, "deskpulse deploys and
 *   restarts" (a change of `process_start_time_seconds`);
 * - `editable: false` (the linter's uneditable rule: provisioned from files, edits would be lost).
 *
 * `forImport` turns the provisioned form into the form Grafana exports for sharing: `__inputs`
 * (one per datasource variable, chosen in Grafana's import dialog) and `__requires`.
 */
import { isNodeDefault, jobOf, joinMatchers, withMatchers } from '../../alerting/src/selectors.js'
import { CLICKHOUSE_PLUGIN_VERSION, PROVISIONED_DATASOURCES, type DashboardThresholds } from './config.js'

export type DatasourceKind = keyof typeof PROVISIONED_DATASOURCES

/** The datasource variables, their labels as the dashboard linter wants them, and their import inputs. */
export const DATASOURCE_VARIABLES = {
  prometheus: { name: 'prometheus_datasource', label: 'Prometheus data source', input: 'DS_PROMETHEUS', pluginName: 'Prometheus', text: 'Prometheus' },
  clickhouse: { name: 'clickhouse_datasource', label: 'ClickHouse data source', input: 'DS_CLICKHOUSE', pluginName: 'ClickHouse', text: 'ClickHouse' },
} as const satisfies Record<DatasourceKind, unknown>

/** What a panel, query or variable names as its datasource: the variable of its type. */
export const datasourceRef = (kind: DatasourceKind) => ({ type: PROVISIONED_DATASOURCES[kind].type, uid: `\${${DATASOURCE_VARIABLES[kind].name}}` })

/** The Grafana version the dashboards are written for (docker-compose.yml's image). */
export const GRAFANA_VERSION = '11.6.0'

/** The matchers of every deskpulse and Node.js series selector of the dashboards. */
export const panelMatchers = (s: Pick<DashboardThresholds, 'selector'>) => joinMatchers('job=~"$job"', 'instance=~"$instance"', s.selector)

/** The deskpulse jobs as the `job` variable's All value: only them, never every job of Prometheus. */
const jobsRegex = (s: Pick<DashboardThresholds, 'jobs'>) => `${s.jobs.ingest}|${s.jobs.processor}`

type Json = Record<string, unknown>
interface Target extends Json { datasource?: { type?: string }; expr?: string }
interface Panel extends Json { type: string; targets?: Target[]; panels?: Panel[] }
interface Variable extends Json { name: string; type: string; datasource?: { type?: string }; query?: unknown }
interface DashboardJson extends Json { panels: Panel[]; templating: { list: Variable[] }; annotations: { list?: unknown[] } }

const kindOf = (type: string | undefined): DatasourceKind | undefined =>
  (Object.keys(PROVISIONED_DATASOURCES) as DatasourceKind[]).find((k) => PROVISIONED_DATASOURCES[k].type === type)

const panelsOf = (d: DashboardJson) => d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]))

function datasourceVariable(kind: DatasourceKind): Variable {
  const v = DATASOURCE_VARIABLES[kind]
  return {
    type: 'datasource',
    name: v.name,
    label: v.label,
    query: PROVISIONED_DATASOURCES[kind].type,
    current: { text: v.text, value: PROVISIONED_DATASOURCES[kind].uid },
    refresh: 1,
    hide: 0,
  }
}

function promVariable(name: 'job' | 'instance', query: string, allValue: string, description: string): Variable {
  return {
    type: 'query',
    name,
    label: name === 'job' ? 'Job' : 'Instance',
    description,
    datasource: datasourceRef('prometheus'),
    query,
    multi: true,
    includeAll: true,
    allValue,
    current: { text: 'All', value: '$__all' },
    refresh: 2,
    sort: 1,
  }
}

const builtInAnnotations = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
}

/** A deploy restarts the processes: the start time of a deskpulse process changing marks both. */
const restartAnnotation = (s: Pick<DashboardThresholds, 'selector'>) => ({
  datasource: datasourceRef('prometheus'),
  enable: true,
  hide: false,
  iconColor: 'orange',
  name: 'deskpulse deploys and restarts',
  expr: `changes(process_start_time_seconds{${panelMatchers(s)}}[5m]) > 0`,
  step: '1m',
  titleFormat: 'deskpulse {{job}} started',
  textFormat: '{{instance}}: a deploy or a restart',
  tagKeys: 'job,instance',
  useValueForTime: false,
})

/** The dashboard JSON with the conventions above applied. */
export function applyConventions<T extends object>(built: T, s: DashboardThresholds): T {
  // Through JSON: the SDK's objects carry functions, and the file is JSON anyway.
  const d = JSON.parse(JSON.stringify(built)) as DashboardJson
  const kinds = new Set<DatasourceKind>()
  const targets = panelsOf(d).flatMap((p) => p.targets ?? [])
  for (const x of [...targets, ...d.templating.list]) {
    const kind = kindOf(x.datasource?.type)
    if (kind) kinds.add(kind)
  }
  const prom = kinds.has('prometheus')
  const matchersFor = (m: string) => (jobOf(m) || isNodeDefault(m) ? panelMatchers(s) : null)
  for (const t of targets) if (kindOf(t.datasource?.type) === 'prometheus' && t.expr) t.expr = withMatchers(t.expr, matchersFor)
  for (const v of d.templating.list) if (kindOf(v.datasource?.type) === 'prometheus' && typeof v.query === 'string') v.query = withMatchers(v.query, matchersFor)

  const extra = s.selector ? `,${s.selector}` : ''
  const variables: Variable[] = (['prometheus', 'clickhouse'] as const).filter((k) => kinds.has(k)).map(datasourceVariable)
  if (prom) {
    variables.push(
      promVariable('job', `label_values(up{job=~"${jobsRegex(s)}"${extra}}, job)`, jobsRegex(s), "The deskpulse scrape jobs (monitoring.jobs): the ingest's and the processor's /metrics"),
      promVariable('instance', `label_values(up{job=~"$job"${extra}}, instance)`, '.+', 'Instances of the selected jobs (one per ingest or processor process)'),
    )
  }
  d.templating.list = [...variables, ...d.templating.list]
  d.annotations = { list: [builtInAnnotations, ...(prom ? [restartAnnotation(s)] : [])] }
  d.editable = false
  return d as unknown as T
}

/**
 * The form Grafana exports "for sharing externally": `__inputs` names each datasource the
 * importer picks, `__requires` the Grafana version, datasource plugins and panel types; the
 * datasource variables start on the picked datasources (`${DS_…}`, replaced by the import).
 */
export function forImport(provisioned: Json): Json {
  const d = structuredClone(provisioned) as DashboardJson
  const variables = d.templating.list.filter((v) => v.type === 'datasource')
  const inputs = variables.map((v) => {
    const kind = kindOf(String(v.query))!
    const meta = DATASOURCE_VARIABLES[kind]
    v.current = { text: `\${${meta.input}}`, value: `\${${meta.input}}` }
    return { name: meta.input, label: meta.pluginName, description: `${meta.pluginName} with the deskpulse ${kind === 'prometheus' ? 'metrics and recording rules' : 'tables'}`, type: 'datasource', pluginId: PROVISIONED_DATASOURCES[kind].type, pluginName: meta.pluginName }
  })
  const panelTypes = [...new Set(panelsOf(d).map((p) => p.type))].sort()
  const requires = [
    { type: 'grafana', id: 'grafana', name: 'Grafana', version: GRAFANA_VERSION },
    ...inputs.map((i) => ({ type: 'datasource', id: i.pluginId, name: i.pluginName, version: i.pluginId === 'prometheus' ? '1.0.0' : CLICKHOUSE_PLUGIN_VERSION })),
    ...panelTypes.map((t) => ({ type: 'panel', id: t, name: t, version: '' })),
  ]
  return { __inputs: inputs, __requires: requires, ...d }
}
