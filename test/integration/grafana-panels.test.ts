/**
 * Issue 7's proof: every panel of every dashboard returns data. Simulated traffic (a few hundred
 * conversations, the evening peak moved to now) goes through the real pipeline — signed webhooks
 * and helpdesk events → ingest → NATS JetStream → processor → embedded ClickHouse and /metrics →
 * Prometheus with the recording rules of alerting/rules — then each panel query of the committed
 * grafana/dashboards/*.json runs as Grafana would run it (test/helpers/grafana-macros.ts: the
 * ClickHouse plugin's macros and Grafana's variables), over the dashboard's own default time
 * range: with every variable on All, and with one line and one team selected. A query that fails
 * fails the test; one that returns nothing fails it unless the dashboard lists the panel in
 * `mayBeEmpty` with a reason. Every metric a panel reads must be on the processor's or the
 * ingest's /metrics, or be a recording rule of alerting/rules.
 */
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import { startNats, startClickHouse, startPrometheusFixture, startAlertmanagerFixture, freePort, eventually } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { sendConcurrently } from '../helpers/send.js'
import { postSigned, textWebhook, TEST_API_TOKEN } from '../helpers/webhooks.js'
import { liveTraffic } from '../helpers/grafana-traffic.js'
import { contextFor, metricNames, runClickHouse, runPrometheus, variableOptions, type Target } from '../helpers/grafana-run.js'
import type { TimeRange, VariableState } from '../helpers/grafana-macros.js'
import { createProcessor } from '../../processor/processor.js'
import { createTextAnalyser } from '../../ingest/text/analyse.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import { LINES, MENU, TEAMS } from '../../cli/simulate/model.js'
import { DASHBOARDS } from '../../grafana/src/index.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const SCRAPE_MS = 1_000

interface PanelJson { type: string; title: string; targets?: Target[]; panels?: PanelJson[] }
interface VariableJson { name: string; type: string; query?: unknown; datasource?: { uid?: string; type?: string }; multi?: boolean; includeAll?: boolean; allValue?: string; current?: { value: string | string[] } }
interface DashboardJson { uid: string; title: string; time: { from: string }; panels: PanelJson[]; templating: { list: VariableJson[] } }

const dashboards = DASHBOARDS.map((def) => ({ def, json: JSON.parse(readFileSync(path.join(root, 'grafana/dashboards', def.file), 'utf8')) as DashboardJson }))
const panelsOf = (d: DashboardJson) => d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]))

/** `now-3h`, `now-30d` … as a range ending now. */
function rangeOf(from: string, now: number): TimeRange {
  const m = /^now-(\d+)([smhdw])$/.exec(from)
  if (!m) throw new Error(`time range ${from} is not now-N<unit>`)
  const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[m[2] as 's']
  return { from: now - Number(m[1]) * unit, to: now }
}

const rulesDir = path.join(root, 'alerting/rules')
const ruleFiles = Object.fromEntries(
  readdirSync(rulesDir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => {
      // The 28-day group is evaluated every 5 minutes in production; here at the global 1 s, so
      // its series exist within the test.
      const rules = parseYaml(readFileSync(path.join(rulesDir, f), 'utf8')) as { groups: Array<Record<string, unknown>> }
      for (const g of rules.groups) delete g.interval
      return [f, toYaml(rules)]
    }),
)
const recordingRules = new Set(Object.values(ruleFiles).flatMap((y) => (parseYaml(y) as { groups: Array<{ rules: Array<{ record?: string }> }> }).groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))))

/** Metric family names declared on a /metrics page, with a histogram's series. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>()
  for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    names.add(m[1]!)
    if (m[2] === 'histogram' || m[2] === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m[1]}${s}`)
  }
  return names
}

t.test('every panel query of the dashboards runs and returns data on simulated traffic', async (t) => {
  t.setTimeout(240_000)
  const t0 = Date.now()
  const config = parseConfig({
    processing: { clock: 'event' },
    teams: [...TEAMS],
    lines: Object.fromEntries(LINES.map((l) => [l.id, { team: l.team, timezone: 'Europe/Rome' }])),
    categories: { menu: Object.fromEntries(MENU.map((m) => [m.id, m.category])) },
  })
  const traffic = liveTraffic({ seed: 11, conversations: 300, unansweredSeconds: 600 })

  const am = await startAlertmanagerFixture(t, toYaml({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] }))
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url: ingestUrl, privateUrl: ingestPrivateUrl } = await startIngest(t, nats.nc, { partitions: 4, analyseText: createTextAnalyser(config) })
  const processorPort = await freePort()
  const processor = createProcessor({ host: '127.0.0.1', port: processorPort, config, partitions: 4, alertmanagerUrl: am.url }, { nc: nats.nc, clickhouse: ch.client, log })
  await processor.start()
  t.teardown(() => processor.close())
  const prom = await startPrometheusFixture(
    t,
    () =>
      toYaml({
        global: { scrape_interval: `${SCRAPE_MS / 1000}s`, evaluation_interval: '1s' },
        rule_files: Object.keys(ruleFiles),
        alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(am.url).host] }] }] },
        scrape_configs: [
          { job_name: 'deskpulse-processor', static_configs: [{ targets: [new URL(processor.privateUrl!).host] }] },
          { job_name: 'deskpulse-ingest', static_configs: [{ targets: [new URL(ingestPrivateUrl).host] }] },
        ],
      }),
    ruleFiles,
  )
  t.comment(`servers up in ${Date.now() - t0} ms; ${traffic.lines.length} lines, ${traffic.conversations} conversations from ${new Date(traffic.first).toISOString()} to ${new Date(traffic.last).toISOString()}`)

  // Two requests the ingest must reject, then the traffic, while Prometheus scrapes.
  const t1 = Date.now()
  t.equal((await postSigned(ingestUrl, JSON.stringify(textWebhook()), 'a-wrong-secret')).status, 401, 'a badly signed webhook is rejected')
  t.equal((await fetch(`${ingestUrl}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' }, body: '{"type":"nonsense"}' })).status, 400, 'an invalid event is rejected')
  t.equal(await sendConcurrently(traffic.lines, ingestUrl, 16), traffic.lines.length, 'every line accepted')
  const counter = async (url: string, name: string) => [...(await (await fetch(url)).text()).matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0)
  const published = await counter(`${ingestPrivateUrl}/metrics`, 'deskpulse_ingest_events_published_total')
  await eventually(async () => ((await counter(`${processor.privateUrl}/metrics`, 'deskpulse_events_processed_total')) >= published ? true : undefined), 60_000, 'the processor to process every event')
  const promValue = async (q: string) => {
    const body = (await (await fetch(`${prom.url}/api/v1/query?${new URLSearchParams({ query: q })}`)).json()) as { data: { result: Array<{ value: [number, string] }> } }
    return body.data.result[0]?.value[1]
  }
  await eventually(async () => (Number(await promValue('sum(deskpulse_events_processed_total)')) >= published ? true : undefined), 30_000, 'Prometheus to scrape the final counters')
  await eventually(async () => ((await promValue('overall:helpdesk_first_response_error_budget_remaining:ratio28d')) !== undefined ? true : undefined), 30_000, 'the 28-day recording rules')
  // The unanswered chat: over the five-minute line, firing in Prometheus, posted to Alertmanager
  // (and scraped twice since, so rates over the posts counter have two samples).
  await eventually(async () => ((await promValue('count(ALERTS{alertname="HelpdeskChatUnansweredFiveMinutes",alertstate="firing"})')) !== undefined ? true : undefined), 30_000, 'HelpdeskChatUnansweredFiveMinutes to fire')
  await eventually(async () => (Number(await promValue('max(count_over_time(deskpulse_alertmanager_posts_total[1m]))')) >= 2 ? true : undefined), 30_000, 'two scrapes of the Alertmanager posts')
  await eventually(async () => {
    const rs = await ch.client.query({ query: 'SELECT count() AS n FROM agent_minute', format: 'JSONEachRow' })
    return Number((await rs.json<{ n: string }>())[0]!.n) > 0 ? true : undefined
  }, 30_000, 'the rows in ClickHouse')
  t.comment(`${published} events sent, processed and scraped in ${Date.now() - t1} ms`)

  await t.test('every metric a panel reads is on /metrics or a recording rule', async (t) => {
    const exposed = new Set([...exposedNames(await (await fetch(`${processor.privateUrl}/metrics`)).text()), ...exposedNames(await (await fetch(`${ingestPrivateUrl}/metrics`)).text())])
    const used = new Map<string, string>()
    for (const { json } of dashboards) {
      const exprs = [
        ...panelsOf(json).flatMap((p) => (p.targets ?? []).flatMap((q) => (q.expr ? [[`${json.title} / ${p.title}`, q.expr] as const] : []))),
        ...json.templating.list.flatMap((v) => (v.datasource?.type === 'prometheus' ? [[`${json.title} / $${v.name}`, String(v.query).replace(/^label_values\((.*),\s*\w+\)$/, '$1')] as const] : [])),
      ]
      for (const [where, expr] of exprs) for (const name of metricNames(expr)) used.set(name, used.get(name) ?? where)
    }
    t.ok(used.size > 30, `${used.size} metric names read by the dashboards`)
    for (const [name, where] of used) {
      const known = exposed.has(name) || recordingRules.has(name) || name === 'up' || name === 'ALERTS'
      t.ok(known, `${name} (${where}) is ${recordingRules.has(name) ? 'a recording rule' : 'on /metrics'}`)
    }
  })

  const now = Date.now()
  let queries = 0
  for (const { def, json } of dashboards) {
    await t.test(`${json.title}: every panel returns data`, async (t) => {
      const range = rangeOf(json.time.from, now)
      const deps = { promUrl: prom.url, clickhouse: ch.client }
      // The variables as a dashboard load sets them: All, options from their queries in order.
      const resolve = async (pick: 'all' | 'first') => {
        const states: VariableState[] = []
        for (const v of json.templating.list) {
          // The datasource variables pick the datasource; queries go by the datasource's type.
          if (v.type === 'datasource') continue
          if (v.type === 'textbox') {
            const value = String(v.query)
            states.push({ name: v.name, multi: false, includeAll: false, current: [value], options: [value] })
            continue
          }
          const state: VariableState = { name: v.name, multi: v.multi ?? false, includeAll: v.includeAll ?? false, ...(v.allValue !== undefined ? { allValue: v.allValue } : {}), current: '$__all', options: [] }
          state.options = await variableOptions(v, deps, contextFor(range, states))
          t.ok(state.options.length > 0, `variable $${v.name} has values (${pick}): ${state.options.join(', ')}`)
          // One line and one team; job and instance stay on All (the first job would be the
          // ingest's, which has no helpdesk series).
          if (pick === 'first' && v.name !== 'job' && v.name !== 'instance') state.current = state.options.slice(0, 1)
          states.push(state)
        }
        return states
      }
      for (const pick of ['all', 'first'] as const) {
        const variables = await resolve(pick)
        const selection = variables.map((v) => `${v.name}=${v.current === '$__all' ? 'All' : v.current.join('|')}`).join(' ')
        for (const panel of panelsOf(json)) {
          const outcomes = []
          for (const target of panel.targets ?? []) {
            const ctx = contextFor(range, variables)
            const outcome = target.datasource.type === 'prometheus' ? await runPrometheus(prom.url, target, ctx, SCRAPE_MS) : await runClickHouse(ch.client, target, ctx)
            queries++
            outcomes.push({ refId: target.refId, ...outcome })
          }
          const failed = outcomes.filter((o) => o.error)
          t.same(failed, [], `${panel.title} [${selection}]: no query fails`)
          const reason = def.mayBeEmpty[panel.title]
          const hasData = outcomes.some((o) => o.hasData)
          // With every variable on All, each panel not marked may-be-empty must show data;
          // with one line and team selected, the panels only must not fail (a pair may have none).
          if (pick === 'all') {
            if (reason) t.comment(`${panel.title}: ${hasData ? 'has data' : 'empty'} (may be empty: ${reason})`)
            else t.ok(hasData, `${panel.title}: returns data`, hasData ? {} : { queries: outcomes.map((o) => o.query) })
            if (process.env.GRAFANA_PANEL_SAMPLES) t.comment(`${panel.title}: ${outcomes.map((o) => `${o.refId} ${o.rows} rows ${o.sample}`).join(' ; ')}`)
          } else if (!hasData) {
            t.comment(`${panel.title}: no data for ${selection}`)
          }
        }
      }
    })
  }
  t.comment(`${queries} panel queries in ${Date.now() - now} ms; whole test ${Date.now() - t0} ms`)
})
