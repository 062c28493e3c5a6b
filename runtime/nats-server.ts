import { mkdir, readFile, writeFile, unlink } from 'node:fs/promises'
import { connect as connectTcp } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startManagedProcess, type ManagedProcess } from './managed-process.js'

export interface NatsServerOptions {
  /** JetStream store directory. */
  storeDir: string
  port: number
  /** HTTP monitoring port, polled for readiness. */
  monitorPort: number
  host?: string
  /** Require this user and password of clients (`--user`/`--pass`), as docker-compose.yml's NATS does. */
  auth?: { user: string; pass: string }
}

export interface NatsServer extends ManagedProcess {
  url: string
  /** The pid of a nats-server left running on this store by an earlier run (a crash), stopped before this one started. */
  replacedOrphan?: number
}

export class NatsServerError extends Error {
  readonly code = 'DESKPULSE_ERR_NATS_PORT_IN_USE'
}

/** Where the pid of the nats-server started on a store is kept (removed on a clean stop). */
export const pidFileOf = (storeDir: string) => path.join(storeDir, 'deskpulse-nats-server.pid')

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists, owned by someone else (so not one this user started).
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether `pid` is a nats-server serving `storeDir` (Linux /proc): a recycled pid is left alone. */
async function isOurNatsServer(pid: number, storeDir: string): Promise<boolean> {
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
    return path.basename(argv[0] ?? '') === 'nats-server' && argv.includes(storeDir)
  } catch {
    return false
  }
}

/** Stops a nats-server left behind by a run that died without stopping it (SIGKILL, power cut of the parent); its pid, if there was one. */
export async function stopOrphan(storeDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFileOf(storeDir), 'utf8').catch(() => '')).trim())
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !(await isOurNatsServer(pid, storeDir))) return undefined
  process.kill(pid, 'SIGTERM')
  // nats-server flushes its JetStream store on SIGTERM; a few seconds at most.
  for (const deadline = Date.now() + 10_000; alive(pid); await sleep(50)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL')
      break
    }
  }
  while (alive(pid)) await sleep(50)
  return pid
}

const listening = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connectTcp({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

/**
 * Debian's nats-server with JetStream, on loopback, ready when JetStream reports healthy.
 *
 * The readiness poll would be answered by any nats-server on the monitor port, so a server left
 * running by a crashed run used to be adopted silently (and never stopped). Now: the pid of the
 * server started is kept in the store; a live nats-server under that pid on this store is stopped
 * first (`replacedOrphan`), and a port still taken after that is someone else's: an error naming it.
 */
export async function startNatsServer(opts: NatsServerOptions): Promise<NatsServer> {
  const host = opts.host ?? '127.0.0.1'
  const storeDir = path.resolve(opts.storeDir)
  await mkdir(storeDir, { recursive: true })
  const replacedOrphan = await stopOrphan(storeDir)
  for (const [port, what] of [[opts.port, 'NATS_PORT'], [opts.monitorPort, 'NATS_MONITOR_PORT']] as const) {
    if (await listening(host, port)) {
      throw new NatsServerError(`port ${port} on ${host} (${what}) is in use by a process deskpulse did not start: stop it, choose another ${what}, or set NATS_URL to use that server`)
    }
  }
  const proc = await startManagedProcess({
    command: 'nats-server',
    args: ['-a', host, '-p', String(opts.port), '-m', String(opts.monitorPort), '-js', '-sd', storeDir, ...(opts.auth ? ['--user', opts.auth.user, '--pass', opts.auth.pass] : [])],
    readyUrl: `http://${host}:${opts.monitorPort}/healthz?js-enabled-only=true`,
  })
  const pidFile = pidFileOf(storeDir)
  if (proc.pid !== undefined) await writeFile(pidFile, `${proc.pid}\n`)
  const forget = async () => {
    const recorded = (await readFile(pidFile, 'utf8').catch(() => '')).trim()
    if (recorded === String(proc.pid)) await unlink(pidFile).catch(() => {})
  }
  return {
    ...proc,
    url: `nats://${host}:${opts.port}`,
    ...(replacedOrphan !== undefined ? { replacedOrphan } : {}),
    async stop() {
      await proc.stop()
      await forget()
    },
  }
}
