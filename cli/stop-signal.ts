/**
 * How `deskpulse start|ingest|processor|demo` stop: the first SIGINT (Ctrl-C), SIGTERM or SIGHUP
 * (the terminal closed) runs `close` — the engine drains, then stops the servers it started — and
 * exits 0; a second SIGINT or SIGTERM while that runs exits at once (130), the `exit` hook of
 * runtime/managed-process.ts killing the child servers.
 */
import type { Logger } from 'pino'

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

export function onStopSignal(log: Logger, close: () => Promise<void>, out: NodeJS.WriteStream = process.stderr): void {
  let stopping = false
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal === 'SIGHUP') return
      log.warn({ signal }, 'forced exit: not waiting for the shutdown to finish')
      process.exit(130)
    }
    stopping = true
    // On a terminal, ^C is echoed on the prompt's line: say what happens, and how to hurry it.
    if (out.isTTY) out.write('\nstopping… (Ctrl-C again to force)\n')
    log.info({ signal }, 'shutting down')
    const started = Date.now()
    await close()
    log.info({ ms: Date.now() - started }, 'stopped')
    process.exit(0)
  }
  for (const s of SIGNALS) process.on(s, () => void stop(s))
}
