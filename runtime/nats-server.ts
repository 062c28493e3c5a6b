import { mkdir } from 'node:fs/promises'
import { startManagedProcess, type ManagedProcess } from './managed-process.js'

export interface NatsServerOptions {
  /** JetStream store directory. */
  storeDir: string
  port: number
  /** HTTP monitoring port, polled for readiness. */
  monitorPort: number
  host?: string
}

export interface NatsServer extends ManagedProcess {
  url: string
}

/** Debian's nats-server with JetStream, on loopback, ready when JetStream reports healthy. */
export async function startNatsServer(opts: NatsServerOptions): Promise<NatsServer> {
  const host = opts.host ?? '127.0.0.1'
  await mkdir(opts.storeDir, { recursive: true })
  const proc = await startManagedProcess({
    command: 'nats-server',
    args: ['-a', host, '-p', String(opts.port), '-m', String(opts.monitorPort), '-js', '-sd', opts.storeDir],
    readyUrl: `http://${host}:${opts.monitorPort}/healthz?js-enabled-only=true`,
  })
  return { ...proc, url: `nats://${host}:${opts.port}` }
}
