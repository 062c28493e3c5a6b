/**
 * The processor's loop: one durable JetStream consumer feeds the events table and the KPI core;
 * rows are written in batches; the core's state is checkpointed to the object store; events are
 * acknowledged only once a checkpoint covers them (their rows written, their effect on the state
 * saved). A restart loads the checkpoint and skips what it covers: a crash at any moment ends in
 * the same rows and counters as a run without one (docs/pipeline.md).
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import type { ClickHouseClient } from '@clickhouse/client'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { STREAM, SUBJECT_ROOT } from '../../bus/stream.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import type { Config } from '../../schemas/config.js'
import { createKpiPipeline, type KpiPipeline } from '../core/pipeline.js'
import type { Effect } from '../core/effects.js'
import { createRowCollector, batchSize, type RowBatch } from '../sinks/collect.js'
import { insertRows } from '../sinks/clickhouse-rows.js'
import { insertEvents, type StoredEvent } from '../sinks/clickhouse-events.js'
import type { Checkpoints } from './checkpoints.js'
import type { ProcessorMetrics } from '../metrics/registry.js'

export interface RunnerOptions {
  /** Durable consumer name; also the checkpoint's name. */
  durable: string
  /** A batch is written when it reaches this many events … */
  batchSize: number
  /** … or when this much time has passed (about one insert per table per interval). */
  flushIntervalMs: number
  /** How often the state is checkpointed (and events acknowledged). */
  checkpointIntervalMs: number
  /**
   * `wall`: once caught up, wall time drives the clock (live). `event`: only event time does
   * (loading history, reproducible runs): the same figures as `deskpulse replay`.
   */
  clock: 'wall' | 'event'
  /** The consumer's filter (one subject: nats-server 2.9); default the whole stream. */
  filterSubject?: string
  /** The stream partition read (kpi_minute and agent_minute rows carry it); default 0. */
  partition?: number
}

export const defaultRunnerOptions: RunnerOptions = { durable: 'processor', batchSize: 5_000, flushIntervalMs: 1_000, checkpointIntervalMs: 10_000, clock: 'wall' }

interface Pending extends StoredEvent {
  msg: JsMsg
}

export interface RunnerHooks {
  /** Effects after their rows are written (metrics, Alertmanager, live feed). */
  onEffects?: (effects: Effect[], pipeline: KpiPipeline) => void
  /** Events after they are written (counters). */
  onEvents?: (events: CanonicalEvent[]) => void
  /** Counter values to save with a checkpoint and to restore from one. */
  counters?: { save(): unknown; restore(saved: unknown): void }
  /**
   * The consumer was deleted and made again by someone else (the partition's next owner, after
   * this one's lease was lost): this runner has stopped reading and should be closed.
   */
  onConsumerLost?: () => void
}

export function createRunner(
  deps: { nc: NatsConnection; clickhouse: ClickHouseClient; checkpoints: Checkpoints; log: Logger; metrics: ProcessorMetrics },
  config: Config,
  opts: RunnerOptions,
  hooks: RunnerHooks = {},
) {
  const { nc, clickhouse, checkpoints, log, metrics } = deps
  const latenessMs = config.processing.lateness_seconds * 1000
  let pipeline = createKpiPipeline(config, latenessMs)
  let collector = createRowCollector(config, undefined, opts.partition ?? 0)
  /** Last stream position applied to the core, and the last one a checkpoint covers. */
  let appliedSeq = 0
  let checkpointSeq = 0
  let receivedSeq = 0
  let lastCheckpointAt = Date.now()
  let caughtUp = false
  let incoming: Pending[] = []
  /** The newest message applied: acknowledging it acknowledges all before it (AckPolicy.All). */
  let lastApplied: JsMsg | null = null
  let chain: Promise<void> = Promise.resolve()
  let stopping = false
  let loop: Promise<void> | undefined
  let ticker: NodeJS.Timeout | undefined
  let current: { stop(): void } | undefined
  let lastWriteError: string | null = null
  /** When start() made the consumer: one made later is another owner's (processor/shell/leases.ts). */
  let consumerCreated: string | undefined
  const decoder = new TextDecoder()

  /** Retries with backoff until it works (true) or the runner stops (false). */
  async function retry(what: string, fn: () => Promise<unknown>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await fn()
        if (lastWriteError) log.info({ what }, 'writes recovered')
        lastWriteError = null
        metrics.clickhouseUp.set(1)
        return true
      } catch (err) {
        metrics.clickhouseUp.set(0)
        metrics.writeErrors.inc()
        lastWriteError = (err as Error).message
        if (stopping) return false
        log.warn({ err: { message: lastWriteError }, attempt, what }, 'write failed; retrying')
        await sleep(Math.min(200 * 2 ** attempt, 5_000))
      }
    }
  }

  /** Applies what arrived, writes events and rows, and checkpoints when due. Serialised. */
  function flush(force = false): Promise<void> {
    chain = chain.then(async () => {
      const batch = incoming
      incoming = []
      for (const p of batch) pipeline.push(p.event)
      if (batch.length) {
        appliedSeq = batch[batch.length - 1]!.streamSeq
        lastApplied = batch[batch.length - 1]!.msg
        caughtUp = lastApplied.info.pending === 0
        const oldest = Math.min(...batch.map((p) => Date.parse(p.event.received_at)))
        metrics.lag.set(caughtUp ? 0 : Math.max(0, (Date.now() - oldest) / 1000))
      }
      if (opts.clock === 'wall' && caughtUp) pipeline.tick(Date.now())
      else pipeline.catchUp()
      const { rows, effects } = collector.collect(pipeline.engine, appliedSeq)
      log.debug({ events: batch.length, rows: batchSize(rows) }, 'flush')
      if (batch.length && !(await retry('events', () => insertEvents(clickhouse, batch)))) return
      if (batchSize(rows) && !(await retry('rows', () => insertRows(clickhouse, rows, tokenOf(rows))))) return
      hooks.onEvents?.(batch.map((p) => p.event))
      hooks.onEffects?.(effects, pipeline)
      if (force || Date.now() - lastCheckpointAt >= opts.checkpointIntervalMs) await checkpoint()
    })
    return chain
  }

  /** Rows of one computation carry one version: it names the insert for deduplication. */
  const tokenOf = (rows: RowBatch) => `${opts.durable}:${appliedSeq}:${batchSize(rows)}`

  async function checkpoint() {
    if (appliedSeq === checkpointSeq && !lastApplied) return
    const started = performance.now()
    let size = 0
    const saved = await retry('checkpoint', async () => {
      size = await checkpoints.save(opts.durable, {
        v: 1,
        seq: appliedSeq,
        takenAt: new Date().toISOString(),
        pipeline: pipeline.exportState(),
        collector: collector.exportState(),
        counters: hooks.counters?.save(),
      })
    })
    if (!saved) return
    checkpointSeq = appliedSeq
    lastCheckpointAt = Date.now()
    metrics.checkpointSeconds.set((performance.now() - started) / 1000)
    metrics.checkpointBytes.set(size)
    // Everything up to the checkpoint is safe: acknowledge it in one message.
    lastApplied?.ack()
    lastApplied = null
  }

  async function run() {
    const js = jetstream(nc)
    while (!stopping) {
      try {
        const consumer = await js.consumers.get(STREAM, opts.durable)
        if (consumerCreated !== undefined && (await consumer.info(true)).created !== consumerCreated) {
          log.warn({ consumer: opts.durable }, 'consumer made again by another owner; this runner stops reading')
          hooks.onConsumerLost?.()
          break
        }
        // Short pulls: after a cluster node dies, a lost pull is noticed in seconds, not after missed heartbeats.
        // A deleted consumer ends the pulls at once (instead of re-attaching to its successor).
        const messages = await consumer.consume({ max_messages: opts.batchSize * 2, expires: 5_000, abort_on_missing_resource: true })
        current = messages
        for await (const msg of messages) {
          // Already read (a redelivery after a long stall): the state has it.
          if (msg.seq <= receivedSeq) continue
          receivedSeq = msg.seq
          let event: CanonicalEvent
          try {
            event = JSON.parse(decoder.decode(msg.data)) as CanonicalEvent
          } catch {
            // Only the ingest publishes here: an unreadable message is logged and passed over.
            log.error({ seq: msg.seq, subject: msg.subject }, 'unreadable event skipped')
            continue
          }
          incoming.push({ event, streamSeq: msg.seq, msg })
          // Bounded memory while a sink is down: wait for the write before reading more.
          if (incoming.length >= opts.batchSize) await flush()
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
    get pipeline() {
      return pipeline
    },
    get caughtUp() {
      return caughtUp
    },
    get lastWriteError() {
      return lastWriteError
    },
    get checkpointSeq() {
      return checkpointSeq
    },
    async start() {
      const saved = await checkpoints.load(opts.durable)
      if (saved) {
        pipeline = createKpiPipeline(config, latenessMs, saved.pipeline)
        collector = createRowCollector(config, saved.collector, opts.partition ?? 0)
        appliedSeq = checkpointSeq = receivedSeq = saved.seq
        hooks.counters?.restore(saved.counters)
        log.info({ seq: saved.seq, takenAt: saved.takenAt }, 'resumed from checkpoint')
      }
      const jsm = await jetstreamManager(nc)
      // The checkpoint, not the consumer, says where to resume: the consumer is made afresh at
      // the position after it. (Messages a killed instance had pulled would otherwise wait for
      // ack_wait before anyone else could have them.)
      await jsm.consumers.delete(STREAM, opts.durable).catch(() => false)
      const made = await jsm.consumers.add(STREAM, {
        durable_name: opts.durable,
        ack_policy: AckPolicy.All,
        ...(checkpointSeq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: checkpointSeq + 1 } : { deliver_policy: DeliverPolicy.All }),
        filter_subject: opts.filterSubject ?? `${SUBJECT_ROOT}.>`,
        // Unacknowledged until the next checkpoint; a redelivery is skipped or deduplicated.
        ack_wait: 5 * 60 * 1e9,
        max_ack_pending: -1,
      })
      consumerCreated = made.created
      caughtUp = (await jsm.consumers.info(STREAM, opts.durable)).num_pending === 0
      ticker = setInterval(() => void flush(), opts.flushIntervalMs)
      loop = run().catch((err) => log.error({ err: { message: (err as Error).message } }, 'consumer loop ended'))
    },
    async close() {
      stopping = true
      clearInterval(ticker)
      current?.stop()
      await loop
      // A clean stop leaves a checkpoint (one attempt: a store that is down is not waited for).
      await flush(true)
    },
  }
}
export type Runner = ReturnType<typeof createRunner>
