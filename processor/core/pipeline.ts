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

export function createKpiPipeline(config: Config, latenessMs: number, initial?: PipelineState) {
  const engine: Engine = createEngine(config, initial?.engine)
  const buffer = new ReorderBuffer(latenessMs)
  /** The latest event time of any kind: a replay's default `until`. */
  let lastAt = initial?.lastAt ?? -Infinity
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
    push(event: CanonicalEvent) {
      const at = parseEventTime(event.at)
      if (at > lastAt) lastAt = at
      const before = buffer.watermark
      buffer.push(event, at)
      if (buffer.watermark > before) releaseUpTo(buffer.watermark)
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
