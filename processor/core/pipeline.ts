import type { CanonicalEvent } from '../../schemas/events.js'
import type { Config } from '../../schemas/config.js'
import { createEngine, type Engine } from './engine.js'
import { ReorderBuffer } from './reorder.js'
import { summarise } from './summary.js'

/**
 * Reorder buffer + core: events in any order within the lateness reach the core in event-time
 * order, and the clock never passes an event still in the buffer.
 */
export function createKpiPipeline(config: Config, latenessMs: number) {
  const engine: Engine = createEngine(config)
  const buffer = new ReorderBuffer(latenessMs)
  /** The latest event time of any kind: a replay's default `until`. */
  let lastAt = -Infinity

  const apply = (t: { event: CanonicalEvent; atMs: number }) => {
    engine.apply(t.event, t.atMs)
  }
  function releaseUpTo(t: number) {
    buffer.release(t, apply)
    engine.advance(t)
  }

  return {
    engine,
    push(event: CanonicalEvent) {
      const at = Date.parse(event.at)
      if (at > lastAt) lastAt = at
      buffer.push(event, at)
    },
    /** Event time drives the clock: up to the buffer's watermark. */
    catchUp() {
      releaseUpTo(buffer.watermark)
    },
    /** Live and caught up: wall time drives the clock (less the lateness). */
    tick(nowMs: number) {
      releaseUpTo(Math.max(engine.clock, nowMs - latenessMs))
    },
    /** End of a replay: everything up to `until` (default: the last event). */
    finish(until?: number) {
      buffer.drain(({ event, atMs }) => {
        if (until !== undefined && atMs > until) return false
        engine.apply(event, atMs)
      })
      const end = until ?? (Number.isFinite(lastAt) ? Math.max(lastAt, engine.clock) : Date.now())
      engine.advance(end)
      return end
    },
    summary(until: number) {
      return summarise(engine, until)
    },
    get buffered() {
      return buffer.size
    },
  }
}
export type KpiPipeline = ReturnType<typeof createKpiPipeline>
