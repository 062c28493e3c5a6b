/**
 * The test harness: real servers on free loopback ports with temporary data, each torn down
 * when the test ends, pass or fail (and killed if the test process dies).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import getPort from 'get-port'
import type { NatsConnection } from '@nats-io/transport-node'
import { startNatsServer, type NatsServer } from '../../runtime/nats-server.js'
import { startNatsCluster as startNatsClusterProcesses, type NatsCluster } from '../../runtime/nats-cluster.js'
import { startPrometheus, type Prometheus } from '../../runtime/prometheus.js'
import { startAlertmanager, type Alertmanager } from '../../runtime/alertmanager.js'
import { connectBus } from '../../bus/connect.js'
import { ensureStream } from '../../bus/stream.js'
import { openClickHouse, type ClickHouseHandle } from '../../store/clickhouse.js'
import { migrate } from '../../store/migrate.js'

/** The slice of tap's Test the harness needs. */
export interface Teardown {
  teardown(fn: () => unknown): void
}

export const freePort = () => getPort({ host: '127.0.0.1' })

export async function tempDir(t: Teardown, prefix = 'deskpulse-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export interface NatsFixture {
  server: NatsServer
  /** A connection with the DESKPULSE stream created. */
  nc: NatsConnection
  storeDir: string
  port: number
  monitorPort: number
  /** Starts the server again on the same port and store (after stop/kill). */
  restart(): Promise<void>
}

export async function startNats(t: Teardown): Promise<NatsFixture> {
  const storeDir = await tempDir(t, 'deskpulse-nats-')
  const port = await freePort()
  const monitorPort = await freePort()
  const fixture = {
    server: await startNatsServer({ storeDir, port, monitorPort }),
    storeDir,
    port,
    monitorPort,
  } as NatsFixture
  fixture.restart = async () => {
    fixture.server = await startNatsServer({ storeDir, port, monitorPort })
  }
  fixture.nc = await connectBus(fixture.server.url, 'deskpulse-test')
  await ensureStream(fixture.nc)
  t.teardown(async () => {
    await fixture.nc.close().catch(() => {})
    await fixture.server.stop()
  })
  return fixture
}

export interface NatsClusterFixture {
  cluster: NatsCluster
  /** Every client URL, comma-separated (NATS_URL for the cluster). */
  urls: string
  /** A connection to all the servers, with the DESKPULSE stream created at `replicas`. */
  nc: NatsConnection
}

/**
 * A JetStream cluster of `size` nats-servers on free loopback ports (temporary stores), the
 * DESKPULSE stream created with `replicas` (default: one per server). Stopped at teardown; the
 * servers are killed if the test process dies.
 */
export async function startNatsCluster(t: Teardown, opts: { size?: number; replicas?: number } = {}): Promise<NatsClusterFixture> {
  const size = opts.size ?? 3
  const baseDir = await tempDir(t, 'deskpulse-nats-cluster-')
  const cluster = await startNatsClusterProcesses({ size, baseDir })
  t.teardown(() => cluster.stop())
  const nc = await connectBus(cluster.urls, 'deskpulse-test')
  t.teardown(() => nc.close().catch(() => {}))
  await ensureStream(nc, { replicas: opts.replicas ?? size })
  return { cluster, urls: cluster.urls, nc }
}

/**
 * ClickHouse with the migrations applied: the server at CLICKHOUSE_URL (a fresh database per
 * call) or embedded ClickHouse in a temporary directory. chdb binds one directory per process,
 * so embedded fixtures in one test file must not overlap in time.
 */
export async function startClickHouse(t: Teardown): Promise<ClickHouseHandle> {
  const serverUrl = process.env.CLICKHOUSE_URL
  let handle: ClickHouseHandle
  if (serverUrl) {
    const db = `deskpulse_test_${process.pid}_${Date.now()}`
    const admin = await openClickHouse({ url: serverUrl })
    await admin.client.command({ query: `CREATE DATABASE ${db}` })
    const url = new URL(serverUrl)
    url.pathname = `/${db}`
    handle = await openClickHouse({ url: url.toString() })
    t.teardown(async () => {
      await handle.close()
      await admin.client.command({ query: `DROP DATABASE IF EXISTS ${db}` })
      await admin.close()
    })
  } else {
    const dir = await tempDir(t, 'deskpulse-ch-')
    handle = await openClickHouse({ embeddedPath: dir })
    t.teardown(async () => {
      await handle.close()
      const { drainPending } = await import('chdb')
      await drainPending()
    })
  }
  await migrate(handle.client)
  return handle
}

export async function startPrometheusFixture(
  t: Teardown,
  config: (port: number) => string,
  files?: Record<string, string>,
): Promise<Prometheus> {
  const dir = await tempDir(t, 'deskpulse-prom-')
  const port = await freePort()
  const prom = await startPrometheus({ dir, port, config: config(port), ...(files ? { files } : {}) })
  t.teardown(() => prom.stop())
  return prom
}

export async function startAlertmanagerFixture(t: Teardown, config: string, port?: number): Promise<Alertmanager> {
  const dir = await tempDir(t, 'deskpulse-am-')
  const am = await startAlertmanager({ dir, port: port ?? (await freePort()), config })
  t.teardown(() => am.stop())
  return am
}

/** Polls `fn` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
