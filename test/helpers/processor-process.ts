/**
 * A real `deskpulse processor` process (its own embedded ClickHouse under a temporary data
 * directory) that a test starts, kills and restarts: crash and failover tests.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir, freePort, eventually, type Teardown } from './harness.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))
const storeChild = fileURLToPath(new URL('./processor-child.ts', import.meta.url))

export interface ProcessorProcess {
  name: string
  port: number
  /** PROCESSOR_PRIVATE_PORT: /metrics and /v1/summary. */
  privatePort: number
  dataDir: string
  child: ChildProcess | null
  /** Starts it and waits for /healthz. */
  start(): Promise<void>
  kill(signal: NodeJS.Signals): Promise<void>
  /** With `store: true`: SQL on the process's embedded ClickHouse (rows for a query). */
  sql<T = Record<string, unknown>>(query: string, rows?: boolean): Promise<T[]>
}

export interface ProcessorProcessOptions {
  name: string
  /** Durable consumer and checkpoint name (default: `name`). */
  consumer?: string
  natsUrl: string
  /** DESKPULSE_PARTITIONS (default: the environment's). */
  partitions?: number
  /** Run test/helpers/processor-child.ts, whose embedded store `sql()` reaches over IPC. */
  store?: boolean
  /** Config file values over the defaults below. */
  processing?: Record<string, unknown>
  /** More environment (ALERTMANAGER_URL, …). */
  env?: Record<string, string>
}

export async function processorProcess(t: Teardown, o: ProcessorProcessOptions): Promise<ProcessorProcess> {
  const dataDir = await tempDir(t, `deskpulse-${o.name}-`)
  const port = await freePort()
  const privatePort = await freePort()
  const configFile = path.join(dataDir, 'config.json')
  // Event time only, with replay's lateness: the figures depend on the stream, not on timing.
  await writeFile(configFile, JSON.stringify({ processing: { clock: 'event', lateness_seconds: 60, consumer_name: o.consumer ?? o.name, checkpoint_seconds: 2, ...o.processing } }))
  let nextId = 0
  const calls = new Map<number, { resolve(rows: unknown[]): void; reject(err: Error): void }>()
  const proc: ProcessorProcess = {
    name: o.name,
    port,
    privatePort,
    dataDir,
    child: null,
    async start() {
      const env = {
          ...process.env,
          HOST: '127.0.0.1',
          PROCESSOR_PORT: String(port),
          PROCESSOR_PRIVATE_PORT: String(privatePort),
          NATS_URL: o.natsUrl,
          CLICKHOUSE_URL: '',
          DESKPULSE_DATA_DIR: dataDir,
          DESKPULSE_CONFIG: configFile,
          ...(o.partitions !== undefined ? { DESKPULSE_PARTITIONS: String(o.partitions) } : {}),
          LOG_LEVEL: process.env.TEST_LOG ?? 'error',
          ...o.env,
      }
      const child = o.store
        ? fork(storeChild, [], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
        : spawn(process.execPath, [bin, 'processor'], { env, stdio: ['ignore', 'ignore', 'inherit'] })
      child.on('message', (m: { id?: number; ok?: boolean; rows?: unknown[]; error?: string }) => {
        const call = m.id === undefined ? undefined : calls.get(m.id)
        if (!call) return
        calls.delete(m.id!)
        if (m.ok) call.resolve(m.rows ?? [])
        else call.reject(new Error(m.error))
      })
      proc.child = child
      await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok ? true : undefined), 60_000, `${o.name} /healthz`)
    },
    async kill(signal) {
      const child = proc.child
      if (!child || child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill(signal)
      await exited
      proc.child = null
    },
    sql<T>(query: string, rows = false) {
      const child = proc.child
      if (!child?.send) return Promise.reject(new Error(`${o.name}: no store child running`))
      const id = ++nextId
      return new Promise<T[]>((resolve, reject) => {
        calls.set(id, { resolve: resolve as (rows: unknown[]) => void, reject })
        child.send({ id, sql: query, rows })
      })
    },
  }
  t.teardown(() => proc.kill('SIGKILL'))
  return proc
}

export const metricsOf = async (p: { privatePort: number }) => (await fetch(`http://127.0.0.1:${p.privatePort}/metrics`)).text()
export const summaryOf = async (p: { privatePort: number }) => (await fetch(`http://127.0.0.1:${p.privatePort}/v1/summary`)).json() as Promise<Record<string, unknown>>
/** Events counted by deskpulse_events_processed_total, all kinds. */
export const processedOf = (metrics: string) => [...metrics.matchAll(/^deskpulse_events_processed_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
