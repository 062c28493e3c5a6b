import cluster from 'node:cluster'
import type { Logger } from 'pino'

/**
 * Runs `work` in `workers` processes sharing one listening port (node:cluster): the ingest is
 * stateless, so it scales across cores this way. A worker that dies is replaced; SIGINT/SIGTERM
 * stops them all (each drains its in-flight requests) before the primary exits.
 */
export function runClustered(workers: number, work: () => Promise<void>, log: Logger, primary?: () => Promise<{ close(): Promise<void> }>): void {
  if (workers <= 1 || !cluster.isPrimary) {
    void work()
    return
  }
  let stopping = false
  for (let i = 0; i < workers; i++) cluster.fork()
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return
    log.warn({ pid: worker.process.pid, code, signal }, 'ingest worker died; starting another')
    cluster.fork()
  })
  const stop = () => {
    if (stopping) return
    stopping = true
    const alive = Object.values(cluster.workers ?? {})
    let left = alive.length
    const exit = () => void Promise.resolve(serving?.then((s) => s?.close())).finally(() => process.exit())
    if (left === 0) exit()
    for (const w of alive) {
      w?.once('exit', () => {
        if (--left === 0) exit()
      })
      w?.kill('SIGTERM')
    }
  }
  // The primary's own service (the private listener of the workers' metrics).
  const serving = primary?.().catch((err: unknown) => {
    log.error({ err: { message: (err as Error).message } }, 'the primary process could not start its private listener')
    process.exitCode = 1
    stop()
    return undefined
  })
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  log.info({ workers }, 'ingest running in worker processes')
}
