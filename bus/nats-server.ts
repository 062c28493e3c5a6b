import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'

export interface NatsServerOptions {
  /** JetStream store directory. */
  storeDir: string
  port: number
  /** HTTP monitoring port, used to wait for readiness. */
  monitorPort: number
  host?: string
  binary?: string
  startTimeoutMs?: number
}

export interface NatsServer {
  url: string
  pid: number | undefined
  /** Sends SIGTERM, waits for exit (SIGKILL after a grace period). */
  stop(): Promise<void>
  /** Sends SIGKILL: a crash, for tests of outages. */
  kill(): Promise<void>
}

/** Starts Debian's nats-server with JetStream on loopback and waits until it is healthy. */
export async function startNatsServer(opts: NatsServerOptions, log?: Logger): Promise<NatsServer> {
  const host = opts.host ?? '127.0.0.1'
  await mkdir(opts.storeDir, { recursive: true })
  const args = ['-a', host, '-p', String(opts.port), '-m', String(opts.monitorPort), '-js', '-sd', opts.storeDir]
  const child = spawn(opts.binary ?? 'nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject))

  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000)
  const healthy = (async () => {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}: ${stderr.trim()}`)
      try {
        const res = await fetch(`http://${host}:${opts.monitorPort}/healthz?js-enabled-only=true`)
        if (res.ok) return
      } catch {
        // not listening yet
      }
      await sleep(50)
    }
    throw new Error(`nats-server not healthy within the start timeout: ${stderr.trim()}`)
  })()
  try {
    await Promise.race([healthy, spawnError])
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  log?.info({ pid: child.pid, port: opts.port, storeDir: opts.storeDir }, 'nats-server started')

  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  return {
    url: `nats://${host}:${opts.port}`,
    pid: child.pid,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  }
}

export type { ChildProcess }
