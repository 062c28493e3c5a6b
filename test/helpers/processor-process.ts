/**
 * A real `deskpulse processor` process (its own embedded ClickHouse under a temporary data
 * directory) that a test starts, kills and restarts: crash and failover tests.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir, freePort, eventually, type Teardown } from './harness.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))

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
}

export interface ProcessorProcessOptions {
  name: string
  /** Durable consumer and checkpoint name (default: `name`). */
  consumer?: string
  natsUrl: string
  /** DESKPULSE_PARTITIONS (default: the environment's). */
  partitions?: number
}

export async function processorProcess(t: Teardown, o: ProcessorProcessOptions): Promise<ProcessorProcess> {
  const dataDir = await tempDir(t, `deskpulse-${o.name}-`)
  const port = await freePort()
  const privatePort = await freePort()
  const configFile = path.join(dataDir, 'config.json')
  // Event time only, with replay's lateness: the figures depend on the stream, not on timing.
  await writeFile(configFile, JSON.stringify({ processing: { clock: 'event', lateness_seconds: 60, consumer_name: o.consumer ?? o.name, checkpoint_seconds: 2 } }))
  const proc: ProcessorProcess = {
    name: o.name,
    port,
    privatePort,
    dataDir,
    child: null,
    async start() {
      const child = spawn(process.execPath, [bin, 'processor'], {
        env: {
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
        },
        stdio: ['ignore', 'ignore', 'inherit'],
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
  }
  t.teardown(() => proc.kill('SIGKILL'))
  return proc
}

export const metricsOf = async (p: { privatePort: number }) => (await fetch(`http://127.0.0.1:${p.privatePort}/metrics`)).text()
export const summaryOf = async (p: { privatePort: number }) => (await fetch(`http://127.0.0.1:${p.privatePort}/v1/summary`)).json() as Promise<Record<string, unknown>>
/** Events counted by deskpulse_events_processed_total, all kinds. */
export const processedOf = (metrics: string) => [...metrics.matchAll(/^deskpulse_events_processed_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
