import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { STREAM, SUBJECT_ROOT } from '../../bus/stream.js'
import type { CanonicalEvent } from '../../schemas/events.js'

export interface ConsumerOptions {
  durable: string
  /** A batch is handled when it reaches this size … */
  batchSize: number
  /** … or when this much time has passed (one insert per interval at steady load). */
  flushIntervalMs: number
}

export const defaultConsumerOptions: ConsumerOptions = { durable: 'processor', batchSize: 5_000, flushIntervalMs: 1_000 }

export interface Delivery {
  event: CanonicalEvent
  streamSeq: number
  msg: JsMsg
}

/**
 * A durable consumer over the whole stream, batching by size or time. `handle` gets each batch
 * (possibly empty: a tick) and resolves only once the batch's effects are safe; only then is it
 * acknowledged. A failing batch is retried with backoff and never acknowledged, so nothing is
 * lost while a sink is down, and consumption pauses instead of growing memory.
 */
export function createConsumer(
  nc: NatsConnection,
  opts: ConsumerOptions,
  handle: (batch: Delivery[]) => Promise<void>,
  log: Logger,
) {
  let stopping = false
  let loop: Promise<void> | undefined
  let ticker: NodeJS.Timeout | undefined
  let current: { stop(): void } | undefined
  let buffer: Delivery[] = []
  let chain: Promise<void> = Promise.resolve()
  const decoder = new TextDecoder()

  async function handleWithRetry(batch: Delivery[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await handle(batch)
        return true
      } catch (err) {
        if (stopping) return false
        log.warn({ err: { message: (err as Error).message }, attempt, size: batch.length }, 'batch failed; retrying')
        batch.forEach((d) => d.msg.working())
        await sleep(Math.min(200 * 2 ** attempt, 10_000))
      }
    }
  }

  /** Flushes are serialised: one batch is handled and acked before the next starts. */
  function flush(): Promise<void> {
    chain = chain.then(async () => {
      const batch = buffer
      buffer = []
      if (await handleWithRetry(batch)) batch.forEach((d) => d.msg.ack())
    })
    return chain
  }

  async function run() {
    const js = jetstream(nc)
    while (!stopping) {
      try {
        const consumer = await js.consumers.get(STREAM, opts.durable)
        const messages = await consumer.consume({ max_messages: opts.batchSize * 2 })
        current = messages
        for await (const msg of messages) {
          try {
            buffer.push({ event: JSON.parse(decoder.decode(msg.data)) as CanonicalEvent, streamSeq: msg.seq, msg })
          } catch {
            // Only the ingest publishes here; an unreadable message is terminated, not retried forever.
            log.error({ seq: msg.seq, subject: msg.subject }, 'unreadable event terminated')
            msg.term()
          }
          if (buffer.length >= opts.batchSize) await flush()
          if (stopping) break
        }
      } catch (err) {
        if (stopping) break
        log.warn({ err: { message: (err as Error).message } }, 'consume failed; retrying')
        await sleep(500)
      }
    }
  }

  return {
    async start() {
      const jsm = await jetstreamManager(nc)
      await jsm.consumers.add(STREAM, {
        durable_name: opts.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: `${SUBJECT_ROOT}.>`,
        ack_wait: 60_000_000_000,
        max_ack_pending: opts.batchSize * 4,
      })
      ticker = setInterval(() => void flush(), opts.flushIntervalMs)
      loop = run().catch((err) => log.error({ err: { message: (err as Error).message } }, 'consumer loop ended'))
    },
    async close() {
      stopping = true
      clearInterval(ticker)
      current?.stop()
      await loop
      await flush()
    },
  }
}
