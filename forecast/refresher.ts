/**
 * The processor's forecast (docs/forecast.md "Live"): recomputed in the background every
 * forecast.refresh_seconds from ClickHouse, never on the event path. Readers (GET /v1/forecast,
 * the gauges) take the latest finished one; a failed run keeps the previous one and says why.
 */
import type { Logger } from 'pino'
import type { Forecast } from './compute.js'

export interface ForecastRefresher {
  readonly latest: Forecast | null
  /** Why the last run failed, or null. */
  readonly lastError: string | null
  start(): void
  /** Runs once now (unless a run is in flight) and resolves when it is done. */
  refresh(): Promise<void>
  close(): Promise<void>
}

export function createForecastRefresher(o: { compute: () => Promise<Forecast>; everyMs: number; log: Logger }): ForecastRefresher {
  let latest: Forecast | null = null
  let lastError: string | null = null
  let running: Promise<void> | null = null
  let timer: NodeJS.Timeout | undefined
  let closed = false
  const refresh = () => {
    if (closed) return Promise.resolve()
    running ??= (async () => {
      const started = Date.now()
      try {
        latest = await o.compute()
        lastError = null
        o.log.info({ series: latest.series.length, teams: latest.teams.length, ms: Date.now() - started }, 'forecast computed')
      } catch (err) {
        lastError = (err as Error).message
        o.log.warn({ err: { message: lastError } }, 'forecast failed; the previous one is kept, retried within 30 s')
        if (!closed) setTimeout(() => void refresh(), Math.min(o.everyMs, 30_000)).unref()
      } finally {
        running = null
      }
    })()
    return running
  }
  return {
    get latest() {
      return latest
    },
    get lastError() {
      return lastError
    },
    start() {
      // The first run once the processor is up; later ones on the timer.
      setTimeout(() => void refresh(), 1_000).unref()
      timer = setInterval(() => void refresh(), o.everyMs)
      timer.unref()
    },
    refresh,
    async close() {
      closed = true
      clearInterval(timer)
      await running
    },
  }
}
