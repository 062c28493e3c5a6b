import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

export interface ManagedProcessOptions {
  command: string
  args: string[]
  /** Polled until it answers 2xx. */
  readyUrl: string
  startTimeoutMs?: number
  env?: NodeJS.ProcessEnv
}

export interface ManagedProcess {
  pid: number | undefined
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>
  /** SIGKILL: a crash, for outage tests. */
  kill(): Promise<void>
}

const live = new Set<() => void>()
// A parent that dies leaves no servers behind.
process.once('exit', () => live.forEach((kill) => kill()))

/**
 * Starts a server as a child process and waits until its readiness URL answers.
 *
 * The child gets its own process group (`detached`): Ctrl-C in a terminal signals the whole
 * foreground group, and a nats-server that stopped at the same instant as its parent left the
 * engine draining into a dead bus (lease deletes timing out, "close failed"). The parent stops
 * its children itself, in order, after draining; if the parent dies, the `exit` hook above
 * kills them, and runtime/nats-server.ts stops an orphan found on its store at the next start.
 */
export async function startManagedProcess(opts: ManagedProcessOptions): Promise<ManagedProcess> {
  const child = spawn(opts.command, opts.args, { stdio: ['ignore', 'ignore', 'pipe'], env: opts.env ?? process.env, detached: true })
  const killNow = () => child.kill('SIGKILL')
  live.add(killNow)
  let stderr = ''
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  void exited.then(() => live.delete(killNow))
  let spawnError: Error | undefined
  child.once('error', (err) => (spawnError = err))

  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000)
  for (;;) {
    if (spawnError) throw new Error(`${opts.command} could not start: ${spawnError.message}`)
    if (child.exitCode !== null) throw new Error(`${opts.command} exited with ${child.exitCode}: ${stderr.trim()}`)
    if (Date.now() > deadline) {
      killNow()
      throw new Error(`${opts.command} not ready within the start timeout: ${stderr.trim()}`)
    }
    try {
      const res = await fetch(opts.readyUrl)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    await sleep(50)
  }

  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    const timer = setTimeout(killNow, 5_000)
    await exited
    clearTimeout(timer)
  }
  return { pid: child.pid, stop: () => stopWith('SIGTERM'), kill: () => stopWith('SIGKILL') }
}
