import { jetstream, DeliverPolicy } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { STREAM } from '../../bus/stream.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import type { Config } from '../../schemas/config.js'
import { createKpiPipeline, type KpiPipeline } from '../core/pipeline.js'

/**
 * Feeds the KPI core from the stream with an ordered consumer from its first message, so the
 * live state is rebuilt at start (checkpoints come with the pipeline issue). The clock follows
 * the backlog's event time while catching up and wall time once caught up (KPIS.md), so a
 * catch-up after an outage raises no false breach for a reply still in the backlog.
 */
export function createKpiFeed(nc: NatsConnection, config: Config, log: Logger, sink: (p: KpiPipeline) => void = discardEffects) {
  const pipeline = createKpiPipeline(config, config.processing.lateness_seconds * 1000)
  const decoder = new TextDecoder()
  let stopping = false
  let caughtUp = false
  let current: { stop(): void } | undefined
  let ticker: NodeJS.Timeout | undefined
  let loop: Promise<void> | undefined
  let sinceSink = 0

  async function run() {
    const js = jetstream(nc)
    while (!stopping) {
      try {
        // The stream holds only deskpulse.ev.> (no filter: nats-server 2.9 lacks filter_subjects).
        const consumer = await js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.All })
        const messages = await consumer.consume({ max_messages: 2_000 })
        current = messages
        for await (const m of messages) {
          try {
            pipeline.push(JSON.parse(decoder.decode(m.data)) as CanonicalEvent)
          } catch {
            log.error({ seq: m.seq }, 'unreadable event skipped by the KPI feed')
          }
          caughtUp = m.info.pending === 0
          if (caughtUp) pipeline.tick(Date.now())
          else pipeline.catchUp()
          if (++sinceSink >= 1_000) {
            sinceSink = 0
            sink(pipeline)
          }
          if (stopping) break
        }
      } catch (err) {
        if (stopping) break
        log.warn({ err: { message: (err as Error).message } }, 'KPI feed failed; resubscribing')
        await sleep(500)
      }
    }
  }

  return {
    pipeline,
    get caughtUp() {
      return caughtUp
    },
    start() {
      // Timers (breaches, warnings) fire on wall time while the stream is quiet.
      ticker = setInterval(() => {
        if (caughtUp) pipeline.tick(Date.now())
        sink(pipeline)
      }, 1_000)
      loop = run()
    },
    async close() {
      stopping = true
      clearInterval(ticker)
      current?.stop()
      await loop
    },
  }
}

/** Until the effect sinks exist (metrics, Alertmanager, live feed), effects are dropped, not hoarded. */
function discardEffects(p: KpiPipeline): void {
  p.engine.drainEffects()
  p.engine.drainChanged()
}
