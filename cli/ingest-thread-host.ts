/**
 * Runs the ingest in a worker thread (cli/ingest-thread.ts) for `deskpulse start`: one process
 * (one process group, one Ctrl-C, one set of secrets), but the webhook path — HTTP, signatures,
 * JSON, normalising, publishing — on a core of its own instead of sharing the processor's
 * thread. Measured by `npm run bench:pipeline` (docs/pipeline.md "Latency and speed").
 */
import { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { Env } from '../schemas/env.js'
import type { Config } from '../schemas/config.js'
import type { LogSettings } from './logger.js'

export interface IngestThreadData {
  env: Env
  config: Config
  natsUrl: string
  log: LogSettings
}

export type IngestThreadMessage = { ready: true } | { error: string } | { stopped: true }

/** Waits for the thread's ingest to listen (or to fail: its message is thrown). */
export async function startIngestThread(data: IngestThreadData, log: Logger): Promise<{ close(): Promise<void> }> {
  const ts = import.meta.url.endsWith('.ts')
  const entry = new URL(ts ? './ingest-thread.ts' : './ingest-thread.js', import.meta.url)
  // Run from the TypeScript sources (bin/deskpulse.js without an up-to-date dist/), the thread
  // registers tsx itself, as the bin did for the main thread; a loader given on the command line
  // (tap's) is inherited.
  const loaded = process.execArgv.some((a) => /^--(import|loader|experimental-loader)\b/.test(a))
  const worker =
    ts && !loaded
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}) })`, { eval: true, workerData: data })
      : new Worker(entry, { workerData: data })
  let stopping = false
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve))
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: IngestThreadMessage) => {
      if ('ready' in m) resolve()
      else if ('error' in m) reject(new Error(m.error))
    })
    worker.once('error', reject)
    void exited.then((code) => reject(new Error(`the ingest thread exited with code ${code} while starting`)))
  })
  worker.on('error', (err) => log.error({ err: { message: err.message, stack: err.stack } }, 'ingest thread failed'))
  void exited.then((code) => {
    if (stopping) return
    // Nothing takes webhooks any more: stop as a crash would, so that a supervisor restarts us.
    log.fatal({ code }, 'the ingest thread ended; stopping')
    process.kill(process.pid, 'SIGTERM')
  })
  return {
    async close() {
      stopping = true
      worker.postMessage('stop')
      const timeout = setTimeout(() => void worker.terminate(), 10_000)
      await exited
      clearTimeout(timeout)
    },
  }
}
