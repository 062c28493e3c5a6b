/**
 * docker-compose.yml (issue 20: a stack that survives its own boot): valid against the Compose
 * Specification's JSON schema and dclint's best-practice rules (a maintained npm linter; Debian's
 * docker-compose 1.29 predates the specification's top-level `name`); healthchecks, start order on
 * health, restarts, named volumes, only the ports a user needs, NATS with credentials, Grafana's
 * read-only ClickHouse user, Prometheus retention over the SLO window; images at the versions
 * the tests run against; Prometheus and Grafana wired to what the stack serves.
 */
import t from 'tap'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { parse } from 'yaml'
import { DCLinter } from 'dclint'
import { tempDir } from '../helpers/harness.js'
import { defaultConfig } from '../../schemas/config.js'

interface Service {
  image?: string
  build?: unknown
  command?: string[]
  profiles?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  restart?: string
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
}
interface Compose {
  services: Record<string, Service>
  volumes: Record<string, unknown>
}
const composeFile = new URL('../../docker-compose.yml', import.meta.url).pathname
// merge: docker compose applies YAML merge keys (`<<: *deskpulse-env`).
const compose = parse(await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as Compose

const versionOf = (cmd: string) => {
  const out = execFileSync(cmd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return /(\d+\.\d+\.\d+)/.exec(out)![1]!
}
const tagOf = (service: string) => compose.services[service]!.image!.split(':')[1]!

/** Every dclint rule at error level: the schema and YAML checks always run; the rules too. */
const lint = (file: string) => {
  const rules = ['no-build-and-image', 'no-duplicate-container-names', 'no-duplicate-exported-ports', 'no-quotes-in-volumes', 'no-unbound-port-interfaces', 'no-version-field', 'require-project-name-field', 'require-quotes-in-ports', 'service-container-name-regex', 'service-dependencies-alphabetical-order', 'service-image-require-explicit-tag', 'service-keys-order', 'service-ports-alphabetical-order', 'services-alphabetical-order', 'top-level-properties-order']
  const linter = new DCLinter({ rules: Object.fromEntries(rules.map((r) => [r, 2])), quiet: true, debug: false, exclude: [] })
  const results: Array<{ messages: Array<{ line: number; rule: string; message: string }> }> = linter.lintFiles([file], false)
  return results.flatMap((r) => r.messages.map((m) => `${m.line}: ${m.rule}: ${m.message}`))
}

t.test("docker-compose.yml is valid against the Compose Specification's schema and passes dclint's rules", async (t) => {
  t.same(lint(composeFile), [], 'no schema error, no rule broken')
  // The linter is live: a service with an unknown key, and a port on every interface.
  const dir = await tempDir(t)
  const bad = path.join(dir, 'docker-compose.yml')
  await writeFile(bad, 'name: x\nservices:\n  a:\n    image: nats:2.9.10\n    ports:\n      - "4222:4222"\n')
  t.match(lint(bad).join('\n'), /no-unbound-port-interfaces/, 'an unbound port is an error')
  await writeFile(bad, 'name: x\nservices:\n  a:\n    image: nats:2.9.10\n    restart_policy: always\n')
  t.match(lint(bad).join('\n'), /invalid-schema/, 'a key the specification does not have is an error')
})

t.test('docker-compose.yml parses and lists every service of the stack', async (t) => {
  t.same(Object.keys(compose.services).sort(), ['alertmanager', 'clickhouse', 'deskpulse-notify', 'grafana', 'ingest', 'nats', 'nats-exporter', 'processor', 'prometheus', 'simulate'])
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
  const { PROVISIONED_DATASOURCES: DATASOURCES, CLICKHOUSE_PLUGIN_VERSION } = await import('../../grafana/src/config.js')
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
  t.same(Object.keys(targets).sort(), ['clickhouse', 'deskpulse-ingest', 'deskpulse-processor', 'nats'], 'deskpulse, NATS and ClickHouse are scraped')
  t.same(targets.nats, ['nats-exporter:7777'], "NATS through prometheus-nats-exporter's port")
  t.ok(compose.services['nats-exporter']!.command!.includes('http://nats:8222'), "the exporter reads NATS's monitoring port")
  const chPrometheus = await readFile(new URL('../../deploy/clickhouse/prometheus.xml', import.meta.url), 'utf8')
  t.same(targets.clickhouse, [`clickhouse:${/<port>(\d+)<\/port>/.exec(chPrometheus)![1]}`], "ClickHouse's Prometheus endpoint, at the port its config opens")
  t.ok((compose.services.clickhouse!.volumes ?? []).some((v) => v.startsWith('./deploy/clickhouse/prometheus.xml:/etc/clickhouse-server/config.d/')), 'mounted into config.d')
  const { ingest, processor } = compose.services as Record<'ingest' | 'processor', Service>
  t.equal(ingest.environment!.PRIVATE_HOST, '0.0.0.0', 'the private listeners listen on the compose network')
  t.same(targets['deskpulse-ingest'], [`ingest:${ingest.environment!.INGEST_PRIVATE_PORT}`])
  t.same(targets['deskpulse-processor'], [`processor:${processor.environment!.PROCESSOR_PRIVATE_PORT}`])
  const published = (s: Service) => (s.ports ?? []).map((p) => p.split(':').at(-1))
  t.notOk(published(ingest).includes(ingest.environment!.INGEST_PRIVATE_PORT), 'the ingest private port is not published')
  t.notOk(published(processor).includes(processor.environment!.PROCESSOR_PRIVATE_PORT), 'the processor private port is not published')
})

const LONG_RUNNING = (name: string) => name !== 'simulate'

t.test('every long-running service has a healthcheck, restarts, and starts after what it needs is healthy', async (t) => {
  for (const [name, s] of Object.entries(compose.services).filter(([n]) => LONG_RUNNING(n))) {
    t.ok(s.healthcheck?.test?.length, `${name} has a healthcheck`)
    t.equal(s.restart, 'unless-stopped', `${name} restarts unless stopped`)
  }
  t.equal(compose.services.simulate!.restart, 'no', 'the one-shot demo sender is not restarted')
  for (const [name, s] of Object.entries(compose.services)) {
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
      t.equal(condition, 'service_healthy', `${name} waits for ${dep} to be healthy`)
      t.ok(compose.services[dep]?.healthcheck, `${dep} has the healthcheck ${name} waits on`)
    }
  }
  t.same(Object.keys(compose.services.processor!.depends_on ?? {}).sort(), ['clickhouse', 'nats'], 'the processor waits for ClickHouse to answer, not just to start')
  t.same(compose.services.ingest!.healthcheck!.test, ['CMD', 'node', 'bin/healthcheck.js', '/readyz'], "the ingest is healthy when ready (the stream reachable): the image's own check")
})

t.test('the stores keep their data in named volumes', async (t) => {
  const mounts: Record<string, string> = { nats: '/data', clickhouse: '/var/lib/clickhouse', prometheus: '/prometheus', alertmanager: '/alertmanager', grafana: '/var/lib/grafana' }
  for (const [service, target] of Object.entries(mounts)) {
    const volume = (compose.services[service]!.volumes ?? []).map((v) => v.split(':')).find(([, to]) => to === target)
    t.ok(volume && compose.volumes[volume[0]!] !== undefined, `${service}: ${target} on a named volume (${volume?.[0]})`)
  }
  t.ok(compose.services.alertmanager!.command!.includes('--storage.path=/alertmanager'), 'Alertmanager keeps silences there')
})

t.test('only the ingest and Grafana are published on every interface; the rest on 127.0.0.1 or not at all', async (t) => {
  const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, host: p.split(':').slice(0, -2).join(':'), port: p.split(':').at(-1) })))
  t.same(published.filter((p) => p.host !== '127.0.0.1').map((p) => `${p.name}:${p.port}`).sort(), ['grafana:3000', 'ingest:8080'])
  t.same(published.filter((p) => p.host === '127.0.0.1').map((p) => p.name).sort(), ['alertmanager', 'processor', 'prometheus'])
  for (const name of ['nats', 'clickhouse', 'nats-exporter']) t.same(compose.services[name]!.ports ?? [], [], `${name} is not published`)
})

t.test('NATS requires a password, which NATS_URL carries', async (t) => {
  const cmd = compose.services.nats!.command!
  const user = cmd[cmd.indexOf('--user') + 1]
  const pass = cmd[cmd.indexOf('--pass') + 1]
  t.equal(user, 'deskpulse')
  t.match(pass, /^\$\{NATS_PASSWORD:\?/, 'from the required NATS_PASSWORD')
  const url = compose.services.ingest!.environment!.NATS_URL!
  t.equal(url, `nats://${user}:${pass}@nats:4222`, 'the same user and password in NATS_URL')
  t.equal(compose.services.processor!.environment!.NATS_URL, url)
})

t.test("Grafana reads ClickHouse as a read-only user, and asks everyone to sign in", async (t) => {
  const ds = parse(await readFile(new URL('../../grafana/provisioning/datasources/deskpulse.yml', import.meta.url), 'utf8')) as { datasources: Array<{ type: string; jsonData: { username?: string }; secureJsonData?: { password?: string } }> }
  const ch = ds.datasources.find((d) => d.type === 'grafana-clickhouse-datasource')!
  t.equal(ch.jsonData.username, 'grafana')
  t.equal(ch.secureJsonData?.password, '$CLICKHOUSE_GRAFANA_PASSWORD', "the password from Grafana's environment")
  t.match(compose.services.grafana!.environment!.CLICKHOUSE_GRAFANA_PASSWORD, /^\$\{CLICKHOUSE_GRAFANA_PASSWORD:\?/)
  const users = parse(await readFile(new URL('../../deploy/clickhouse/grafana-user.xml', import.meta.url), 'utf8').then((x) => x.replace(/<!--[\s\S]*?-->/g, '')).then(xmlToYamlish)) as Record<string, string>
  t.equal(users['profiles.grafana_readonly.readonly'], '1', 'readonly = 1: SELECT only')
  t.equal(users['users.grafana.profile'], 'grafana_readonly')
  t.equal(users['users.grafana.grants.query'], 'GRANT SELECT ON default.*', 'SELECT on the deskpulse tables, nothing else')
  t.ok('profiles.grafana_readonly.constraints.max_execution_time.changeable_in_readonly' in users, 'max_execution_time, which the plugin sets on every query, stays changeable')
  t.ok((compose.services.clickhouse!.volumes ?? []).some((v) => v.startsWith('./deploy/clickhouse/grafana-user.xml:/etc/clickhouse-server/users.d/')), 'mounted into users.d')
  t.match(compose.services.grafana!.environment!.GF_AUTH_ANONYMOUS_ENABLED, /^\$\{GRAFANA_ANONYMOUS_ENABLED:-false\}$/, 'no anonymous access unless asked for')
  t.match(compose.services.grafana!.environment!.GF_SECURITY_ADMIN_PASSWORD, /^\$\{GRAFANA_ADMIN_PASSWORD:\?/, 'the admin password is required')
})

t.test('Prometheus keeps at least 30 days, and the whole SLO window', async (t) => {
  const arg = compose.services.prometheus!.command!.find((c) => c.startsWith('--storage.tsdb.retention.time='))!
  const m = /^--storage\.tsdb\.retention\.time=\$\{PROMETHEUS_RETENTION:-(\d+)d\}$/.exec(arg)
  t.ok(m, `configurable, with a default in days: ${arg}`)
  const days = Number(m?.[1])
  t.ok(days >= 30, `${days} days >= 30`)
  t.ok(days >= defaultConfig().slo.window_days, `${days} days >= the SLO window (${defaultConfig().slo.window_days} days)`)
})

/** A flat `a.b.c` → text view of a small XML file (elements only), enough to read the user file. */
function xmlToYamlish(xml: string): string {
  const out: string[] = []
  const stack: string[] = []
  for (const m of xml.matchAll(/<(\/?)([\w_]+)([^>]*?)(\/?)>([^<]*)/g)) {
    const [, close, name, , selfClose, text] = m
    if (close) {
      stack.pop()
      continue
    }
    stack.push(name!)
    const key = stack.slice(1).join('.')
    if (selfClose) {
      out.push(`${JSON.stringify(key)}: ""`)
      stack.pop()
    } else if (text!.trim()) out.push(`${JSON.stringify(key)}: ${JSON.stringify(text!.trim())}`)
  }
  return out.join('\n')
}
