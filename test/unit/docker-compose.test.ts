import t from 'tap'
import { readFile } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { parse } from 'yaml'

interface Compose {
  services: Record<string, { image?: string; build?: unknown; command?: string[] }>
}
const compose = parse(await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as Compose

const versionOf = (cmd: string) => {
  const out = execFileSync(cmd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return /(\d+\.\d+\.\d+)/.exec(out)![1]!
}
const tagOf = (service: string) => compose.services[service]!.image!.split(':')[1]!

t.test('docker-compose.yml parses and lists every service of the stack', async (t) => {
  t.same(Object.keys(compose.services).sort(), ['alertmanager', 'clickhouse', 'deskpulse-notify', 'grafana', 'ingest', 'nats', 'processor', 'prometheus'])
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
