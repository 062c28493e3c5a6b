import type { CanonicalEvent } from '../../schemas/events.js'
import type { Config } from '../../schemas/config.js'
import { createEngine, type Engine, type EngineState } from './engine.js'
import { ReorderBuffer, type Timed } from './reorder.js'
import { summarise } from './summary.js'
import { parseEventTime } from './time.js'

/**
 * Reorder buffer + core: events in any order within the lateness reach the core in event-time
 * order, and the clock never passes an event still in the buffer.
 */
export interface PipelineState {
  engine: EngineState
  buffered: Timed[]
  maxAt: number
  lastAt: number
}

export interface PipelineGuard {
  /**
   * Live input only (docs/security.md "Event time"): an event stamped more than this after it
   * was received is refused, so no input moves the clock ahead of wall time plus the skew.
   * Decided on the event's own `received_at`, so a restart or replay of the stream decides alike.
   */
  maxFutureMs?: number
}

export function createKpiPipeline(config: Config, latenessMs: number, initial?: PipelineState, guard: PipelineGuard = {}) {
  const engine: Engine = createEngine(config, initial?.engine)
  const buffer = new ReorderBuffer(latenessMs)
  /** The latest event time of any kind: a replay's default `until`. */
  let lastAt = initial?.lastAt ?? -Infinity
  let refused = 0
  if (initial) buffer.restore(initial.buffered, initial.maxAt)

  const apply = (t: { event: CanonicalEvent; atMs: number }) => {
    engine.apply(t.event, t.atMs)
  }
  function releaseUpTo(t: number) {
    buffer.release(t, apply)
    engine.advance(t)
  }

  return {
    engine,
    /** Everything needed to continue later (drain the engine's effects and changes first). */
    exportState(): PipelineState {
      return { engine: engine.exportState(), buffered: buffer.toState(), maxAt: buffer.maxEventAt, lastAt }
    },
    /**
     * Takes one event and releases what the watermark now passes. Releasing at every event (not
     * per batch) makes "late" depend on the stream's order alone: however the stream is batched,
     * checkpointed or replayed, the core sees the same sequence.
     */
    push(event: CanonicalEvent): boolean {
      const at = parseEventTime(event.at)
      if (guard.maxFutureMs !== undefined && !(at <= parseEventTime(event.received_at) + guard.maxFutureMs)) {
        refused++
        return false
      }
      if (at > lastAt) lastAt = at
      const before = buffer.watermark
      buffer.push(event, at)
      if (buffer.watermark > before) releaseUpTo(buffer.watermark)
      return true
    },
    /** Events refused by the guard since this pipeline was made. */
    get refused() {
      return refused
    },
    /** Erasure: the customers leave the core and the reorder buffer. Returns the conversations removed. */
    forget(customers: ReadonlySet<string>): Map<string, string[]> {
      buffer.discard((t) => t.event.customer != null && customers.has(t.event.customer))
      return engine.forget(customers)
    },
    /** Event time drives the clock: up to the buffer's watermark. */
    catchUp() {
      releaseUpTo(buffer.watermark)
    },
    /** Live and caught up: wall time drives the clock (less the lateness). */
    tick(nowMs: number) {
      releaseUpTo(Math.max(engine.clock, nowMs - latenessMs))
    },
    /**
     * End of a replay: everything up to `until` (default: the last event). `ifEmpty` is the end
     * when neither is known (no event at all): the caller's clock, since the core reads none.
     */
    finish(until?: number, ifEmpty = 0) {
      buffer.drain(({ event, atMs }) => {
        if (until !== undefined && atMs > until) return false
        engine.apply(event, atMs)
      })
      const end = until ?? (Number.isFinite(lastAt) ? Math.max(lastAt, engine.clock) : Number.isFinite(engine.clock) ? engine.clock : ifEmpty)
      engine.advance(end)
      return end
    },
    summary(until: number) {
      return summarise(engine, until)
    },
    get buffered() {
      return buffer.size
    },
    /** Event time of the next event the buffer holds (null: none): it is released when the clock reaches it. */
    get nextReleaseAt(): number | null {
      return buffer.nextAt
    },
    /** Time of the core's next timer (a warning, a breach, a window closing; null: none): it fires when the clock reaches it. */
    get nextTimerAt(): number | null {
      return engine.view.timers.peek()?.at ?? null
    },
  }
}
export type KpiPipeline = ReturnType<typeof createKpiPipeline>
