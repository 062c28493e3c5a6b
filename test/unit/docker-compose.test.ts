import t from 'tap'
import { readFile, readdir } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { parse } from 'yaml'

interface Service {
  image?: string
  build?: unknown
  command?: string[]
  profiles?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
}
interface Compose {
  services: Record<string, Service>
}
// merge: docker compose applies YAML merge keys (`<<: *deskpulse-env`).
const compose = parse(await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as Compose

const versionOf = (cmd: string) => {
  const out = execFileSync(cmd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return /(\d+\.\d+\.\d+)/.exec(out)![1]!
}
const tagOf = (service: string) => compose.services[service]!.image!.split(':')[1]!

t.test('docker-compose.yml parses and lists every service of the stack', async (t) => {
  t.same(Object.keys(compose.services).sort(), ['alertmanager', 'clickhouse', 'deskpulse-notify', 'grafana', 'ingest', 'nats', 'processor', 'prometheus', 'simulate'])
  t.same(compose.services.ingest!.command, ['ingest'])
  t.same(compose.services.processor!.command, ['processor'])
  t.same(compose.services['deskpulse-notify']!.command!.slice(0, 1), ['notify'], 'the receiver alerting/alertmanager.yml points at')
  t.ok(compose.services.nats!.command!.includes('-js'), 'NATS runs with JetStream')
})

t.test('images are pinned to the versions the tests run against', async (t) => {
  t.equal(tagOf('nats'), `${versionOf('nats-server')}-alpine`)
  t.equal(tagOf('prometheus'), `v${versionOf('prometheus')}`)
  t.equal(tagOf('alertmanager'), `v${versionOf('prometheus-alertmanager')}`)
  const { createClient } = await import('@clickhouse/client')
  const { createChdbConnection } = await import('chdb/connection')
  type Connection = NonNullable<Parameters<typeof createClient>[0]>['connection']
  const client = createClient({ connection: createChdbConnection({ path: ':memory:' }) as unknown as Connection })
  const version = (await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>())[0]!.v
  await client.close()
  t.equal(tagOf('clickhouse'), version.split('.').slice(0, 2).join('.'), 'ClickHouse server matches the embedded engine')
  for (const [name, s] of Object.entries(compose.services)) {
    if (s.image) t.notMatch(s.image, /:latest$|^[^:]+$/, `${name} has a pinned tag`)
  }
})

t.test("every webhook receiver of alerting/alertmanager.yml is a service of the stack", async (t) => {
  const am = parse(await readFile(new URL('../../alerting/alertmanager.yml', import.meta.url), 'utf8')) as { receivers: Array<{ webhook_configs?: Array<{ url: string }> }> }
  const hosts = am.receivers.flatMap((r) => (r.webhook_configs ?? []).map((w) => new URL(w.url).hostname))
  t.ok(hosts.length > 0)
  for (const host of hosts) t.ok(compose.services[host], `${host} is a service`)
})

t.test('Grafana gets the generated dashboards and the datasources they name', async (t) => {
  const { DASHBOARDS } = await import('../../grafana/src/index.js')
  const { DATASOURCES, CLICKHOUSE_PLUGIN_VERSION } = await import('../../grafana/src/config.js')
  const grafana = compose.services.grafana!
  const mounts = new Map((grafana.volumes ?? []).map((v) => v.split(':') as [string, string, string?]).map(([host, target]) => [host, target]))
  t.equal(mounts.get('./grafana/provisioning'), '/etc/grafana/provisioning', 'provisioning mounted where Grafana reads it')
  const provider = parse(await readFile(new URL('../../grafana/provisioning/dashboards/deskpulse.yml', import.meta.url), 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> }
  t.equal(provider.providers.length, 1)
  t.equal(provider.providers[0]!.type, 'file')
  t.equal(mounts.get('./grafana/dashboards'), provider.providers[0]!.options.path, 'grafana/dashboards mounted at the path the dashboard provider reads')
  const files = (await readdir(new URL('../../grafana/dashboards/', import.meta.url))).filter((f) => f.endsWith('.json')).sort()
  t.same(files, DASHBOARDS.map((d) => d.file).sort(), 'every generated dashboard is in grafana/dashboards, and nothing else')
  const datasources = parse(await readFile(new URL('../../grafana/provisioning/datasources/deskpulse.yml', import.meta.url), 'utf8')) as { datasources: Array<{ uid: string; type: string }> }
  t.same(datasources.datasources.map((d) => ({ uid: d.uid, type: d.type })).sort((a, b) => a.uid.localeCompare(b.uid)), Object.values(DATASOURCES).map((d) => ({ uid: d.uid, type: d.type })).sort((a, b) => a.uid.localeCompare(b.uid)), 'the datasource UIDs and types the panels use are provisioned')
  t.equal(grafana.environment!.GF_INSTALL_PLUGINS, `grafana-clickhouse-datasource ${CLICKHOUSE_PLUGIN_VERSION}`, 'the ClickHouse plugin at the version the queries are written for')
  const sdk = JSON.parse(await readFile(new URL('../../node_modules/@grafana/grafana-foundation-sdk/package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(tagOf('grafana').split('.').slice(0, 2).join('.'), sdk.version.split('.').slice(0, 2).join('.'), `Grafana ${tagOf('grafana')} matches the SDK the dashboards are built with (${sdk.version})`)
})

t.test('the demo profile sends simulated live traffic to the ingest', async (t) => {
  const sim = compose.services.simulate!
  t.same(sim.profiles, ['demo'], 'only with --profile demo')
  const command = (sim.command ?? []).join(' ')
  t.match(command, /^simulate\b/)
  t.match(command, /--target http:\/\/ingest:8080\b/, 'to the ingest service')
  t.match(command, /--live\b/, 'in real time, timestamps moved to now')
  t.match(command, /--rate \d+/)
  t.match(command, /--seed \d+ --conversations \d+/)
  t.ok(sim.environment!.WHATSAPP_APP_SECRET && sim.environment!.DESKPULSE_API_TOKEN, 'signs with the same secrets as the ingest')
})

t.test('Prometheus scrapes the private listeners, reachable on the compose network and not published on the host', async (t) => {
  const prom = parse(await readFile(new URL('../../alerting/prometheus.yml', import.meta.url), 'utf8')) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> }
  const targets = Object.fromEntries(prom.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((s) => s.targets)]))
  const { ingest, processor } = compose.services as Record<'ingest' | 'processor', Service>
  t.equal(ingest.environment!.PRIVATE_HOST, '0.0.0.0', 'the private listeners listen on the compose network')
  t.same(targets['deskpulse-ingest'], [`ingest:${ingest.environment!.INGEST_PRIVATE_PORT}`])
  t.same(targets['deskpulse-processor'], [`processor:${processor.environment!.PROCESSOR_PRIVATE_PORT}`])
  const published = (s: Service) => (s.ports ?? []).map((p) => p.split(':').at(-1))
  t.notOk(published(ingest).includes(ingest.environment!.INGEST_PRIVATE_PORT), 'the ingest private port is not published')
  t.notOk(published(processor).includes(processor.environment!.PROCESSOR_PRIVATE_PORT), 'the processor private port is not published')
})
