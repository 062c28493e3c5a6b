/**
 * The processor's loop, in one of two roles per partition (docs/pipeline.md "Two runners"):
 * - `live`: its durable consumer feeds a KPI core whose effects go straight to the live sinks
 *   (metrics, Alertmanager, wallboard). It never touches ClickHouse, so no store outage can
 *   silence an alert.
 * - `store`: its own consumer feeds another core whose rows, and the events themselves, are
 *   written to ClickHouse in batches; it stops reading while writes fail, so the stream is the
 *   buffer and memory stays bounded.
 * Each checkpoints its core to the object store and acknowledges events only once a checkpoint
 * covers them. A restart loads the checkpoint and skips what it covers: a crash at any moment
 * ends in the same rows and counters as a run without one.
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
import type { Erasures } from './erasures.js'
import { parseEventTime } from '../core/time.js'

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
  /**
   * Live role: what arrives is applied this long after the first message of a burst, not at the
   * next `flushIntervalMs` (docs/pipeline.md "Latency and speed"); 0 keeps the interval alone.
   */
  liveBatchMs?: number
  /** The consumer's filter (one subject: nats-server 2.9); default the whole stream. */
  filterSubject?: string
  /** The stream partition read (kpi_minute and agent_minute rows carry it); default 0. */
  partition?: number
  /** What this runner feeds (see above); default `live`. */
  role?: 'live' | 'store'
  /** Events stamped more than this after their receipt are refused (live input guard). */
  maxFutureMs?: number
  /** The live runner's: its store runner's checkpoint name (to hand it a one-runner checkpoint). */
  storeCheckpoint?: string
}

export const defaultRunnerOptions: RunnerOptions = { durable: 'processor', batchSize: 5_000, flushIntervalMs: 1_000, checkpointIntervalMs: 10_000, clock: 'wall', liveBatchMs: 20 }

interface Pending extends StoredEvent {
  msg: JsMsg
}

/** Stands for an unreadable message in the batch (kept for its position). */
const SKIPPED = { id: '', kind: 'skipped' } as unknown as CanonicalEvent

/** The least a stream message must be for the core to take it (only the ingest publishes). */
const readable = (e: unknown): e is CanonicalEvent => {
  const o = e as Partial<CanonicalEvent> | null
  return typeof o === 'object' && o !== null && typeof o.id === 'string' && typeof o.kind === 'string' && typeof o.at === 'string' && typeof o.received_at === 'string'
}

export interface RunnerHooks {
  /** A live runner's effects (metrics, Alertmanager, live feed). */
  onEffects?: (effects: Effect[], pipeline: KpiPipeline) => void
  /** A live runner's events, as the core took them (counters). */
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
  deps: { nc: NatsConnection; clickhouse?: ClickHouseClient; checkpoints: Checkpoints; log: Logger; metrics: ProcessorMetrics; erasures?: Erasures },
  config: Config,
  opts: RunnerOptions,
  hooks: RunnerHooks = {},
) {
  const { nc, clickhouse, checkpoints, log, metrics, erasures } = deps
  const role = opts.role ?? 'live'
  if (role === 'store' && !clickhouse) throw new Error('a store runner needs ClickHouse')
  const latenessMs = config.processing.lateness_seconds * 1000
  const guard = opts.maxFutureMs !== undefined ? { maxFutureMs: opts.maxFutureMs } : {}
  let pipeline = createKpiPipeline(config, latenessMs, undefined, guard)
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
  /** Live role: the flush of the burst in hand, or of the events the reorder buffer releases next. */
  let soon: NodeJS.Timeout | undefined
  let soonAt = Infinity
  let current: { stop(): void } | undefined
  let lastWriteError: string | null = null
  /** Receipt time of the newest event done with (applied; for the store role, written). */
  let lastReceivedAt = NaN
  /** Live role: the newest receipt time of an applied event. */
  let receivedUpTo = -Infinity
  let doneSeq = 0
  /** When start() made the consumer: one made later is another owner's (processor/shell/leases.ts). */
  let consumerCreated: string | undefined
  const decoder = new TextDecoder()
  /** Tombstones heard since the last flush, applied at the next one. */
  const toForget = new Set<string>()
  /** The newest tombstone (KV revision) applied: a checkpoint is free of every one up to it. */
  let erasedUpTo = 0
  let heardUpTo = 0
  let checkpointSoon = false
  let unlisten: (() => void) | undefined
  /** Conversations forgotten at restore, whose ended escalations the first flush must not write. */
  let goneAtRestore: Set<string> | null = null
  /**
   * A store write given up (the runner stopping while ClickHouse fails): nothing may be
   * checkpointed or acknowledged after it, so that the next start reads the batch again.
   */
  let abandoned = false
  /** Receipt time of the oldest event in hand and not yet written (store role). */
  let unwrittenSince: number | null = null

  /** Retries with backoff until it works (true) or the runner stops (false). */
  async function retry(what: string, fn: () => Promise<unknown>): Promise<boolean> {
    const store = what !== 'checkpoint'
    for (let attempt = 0; ; attempt++) {
      try {
        await fn()
        if (store) {
          if (lastWriteError) log.info({ what }, 'writes recovered')
          lastWriteError = null
          metrics.clickhouseUp.set(1)
        }
        return true
      } catch (err) {
        const message = (err as Error).message
        if (store) {
          metrics.clickhouseUp.set(0)
          metrics.writeErrors.inc()
          lastWriteError = message
        }
        if (stopping) return false
        log.warn({ err: { message }, attempt, what }, 'write failed; retrying')
        await sleep(Math.min(200 * 2 ** attempt, 5_000))
      }
    }
  }

  /**
   * Into the core, in stream order, what arrived: an erased customer's events received before
   * the erasure are passed over, and the guard refuses events stamped in the future.
   */
  function take(batch: Pending[]): Pending[] {
    const taken: Pending[] = []
    for (const p of batch) {
      if (p.event === SKIPPED) continue
      if (erasures?.erased(p.event.customer, parseEventTime(p.event.received_at))) {
        if (role === 'live') metrics.refused.inc({ reason: 'erased' })
        continue
      }
      let pushed: boolean
      try {
        pushed = pipeline.push(p.event)
      } catch (err) {
        // A malformed event must not stop the partition.
        log.error({ seq: p.streamSeq, err: { message: (err as Error).message } }, 'event the core could not take skipped')
        continue
      }
      if (!pushed) {
        if (role === 'live') metrics.refused.inc({ reason: 'future' })
        continue
      }
      taken.push(p)
    }
    return taken
  }

  /** Applies the tombstones heard; the store role's rows of the forgotten must not be written. */
  function forget(): Set<string> {
    const gone = new Set<string>()
    const removed = pipeline.forget(toForget)
    for (const [customer, ids] of removed) {
      for (const id of ids) gone.add(id)
      log.info({ conversations: ids.length, role }, 'erased customer removed from the state')
      void erasures?.report(customer, opts.durable, ids.length).catch((err: Error) => log.warn({ err: { message: err.message } }, 'erasure report failed'))
    }
    toForget.clear()
    erasedUpTo = Math.max(erasedUpTo, heardUpTo)
    // The next checkpoint must be free of them, even on a partition with no new event.
    checkpointSoon = true
    return gone
  }

  /** Tombstones heard while a store write is retried are applied before the next attempt. */
  function forgetDuringWrite(taken: Pending[], rows: RowBatch): Pending[] {
    if (!toForget.size) return taken
    dropForgotten(rows, forget())
    return taken.filter((p) => !erasures?.erased(p.event.customer, parseEventTime(p.event.received_at)))
  }

  /**
   * Applies what arrived, hands on what it changed, and checkpoints when due. Serialised; a step
   * that throws (a bug, never input: the core skips an event it cannot take) is logged and the
   * partition handed back, to be started again from its checkpoint.
   */
  /** Live role: a flush in `ms` unless one is due sooner. */
  function flushIn(ms: number) {
    const at = Date.now() + Math.max(0, ms)
    if (stopping || at >= soonAt) return
    clearTimeout(soon)
    soonAt = at
    soon = setTimeout(() => {
      soonAt = Infinity
      void flush()
    }, Math.max(0, ms))
  }

  function flush(force = false): Promise<void> {
    chain = chain.then(() => step(force)).catch((err: Error) => {
      if (stopping) return
      stopping = true
      log.error({ err: { message: err.message, stack: err.stack } }, 'processing step failed; the partition is released and restarts from its checkpoint')
      current?.stop()
      hooks.onConsumerLost?.()
    })
    return chain
  }

  async function step(force: boolean) {
    if (abandoned) return
    const batch = incoming
    incoming = []
    const taken = take(batch)
    if (batch.length) {
      appliedSeq = batch[batch.length - 1]!.streamSeq
      lastApplied = batch[batch.length - 1]!.msg
      caughtUp = lastApplied.info.pending === 0
      if (role === 'live') {
        let oldest = Infinity
        for (const p of taken) {
          const received = Date.parse(p.event.received_at)
          oldest = Math.min(oldest, received)
          if (received > receivedUpTo) receivedUpTo = received
        }
        metrics.lag.set(caughtUp || !taken.length ? 0 : Math.max(0, (Date.now() - oldest) / 1000))
      }
    }
    else if (!caughtUp && opts.clock === 'wall' && !stopping) {
      // Nothing arrived since a message that said more were pending: ask the server. (A pending
      // count taken while the ingest was publishing can be the last one seen for a while, and the
      // clock would otherwise wait on event time for the next message.)
      askPending()
    }
    let gone = toForget.size ? forget() : null
    if (goneAtRestore) {
      gone = new Set([...(gone ?? []), ...goneAtRestore])
      goneAtRestore = null
    }
    if (opts.clock === 'wall' && caughtUp) pipeline.tick(Date.now())
    else {
      pipeline.catchUp()
      // Live role, more pending: the clock also follows the receipt time of what is applied.
      // Every event of the partition not applied yet was received after it (the stream keeps
      // the ingest's order), so no reply still in the backlog is passed over; and WhatsApp's
      // whole-second timestamps no longer hold the newest events back by up to a second when the
      // pending count never reads 0 under load.
      if (role === 'live' && opts.clock === 'wall' && receivedUpTo > -Infinity) pipeline.tick(Math.min(Date.now(), receivedUpTo))
    }
    if (role === 'live') {
      // The live role writes no rows: what changed is read from the core by the live sinks.
      pipeline.engine.drainChanged()
      const effects = pipeline.engine.drainEffects()
      hooks.onEvents?.(taken.map((p) => p.event))
      hooks.onEffects?.(effects, pipeline)
      // Events the watermark holds are applied the moment it passes them, not at the next tick;
      // so are the core's timers (a breach pages at its moment, not up to a second later), at
      // most one step per liveBatchMs for them (stale timers are many and cheap to skip).
      if (opts.liveBatchMs && caughtUp && opts.clock === 'wall') {
        const release = pipeline.nextReleaseAt
        if (release !== null) flushIn(release + latenessMs - Date.now() + 1)
        const timer = pipeline.nextTimerAt
        if (timer !== null) flushIn(Math.max(opts.liveBatchMs, timer + latenessMs - Date.now() + 1))
      }
    } else {
      const { rows } = collector.collect(pipeline.engine, appliedSeq)
      if (gone) dropForgotten(rows, gone)
      log.debug({ events: taken.length, rows: batchSize(rows) }, 'flush')
      let toWrite = taken
      unwrittenSince = taken.length ? Date.parse(taken[0]!.event.received_at) : null
      const written =
        (!toWrite.length || (await retry('events', () => insertEvents(clickhouse!, (toWrite = forgetDuringWrite(toWrite, rows)))))) &&
        (!batchSize(rows) || (await retry('rows', () => (forgetDuringWrite([], rows), insertRows(clickhouse!, rows, tokenOf(rows))))))
      if (!written) {
        abandoned = true
        return
      }
      unwrittenSince = null
      metrics.stored.inc(toWrite.length)
    }
    doneSeq = appliedSeq
    if (taken.length) lastReceivedAt = Date.parse(taken[taken.length - 1]!.event.received_at)
    if (force) {
      await checkpointing
      await checkpoint()
    } else if (checkpointSoon || Date.now() - lastCheckpointAt >= opts.checkpointIntervalMs) {
      // Stored in the background: the next events do not wait for the object store (the live
      // path would stall for as long as a put takes under load).
      void checkpoint()
    }
  }

  /**
   * Asks without holding up the steps: under load a JetStream API request can take seconds (its
   * timeout is 5 s), and a step awaiting it held every event of the partition back that long (the
   * multi-second stalls of docs/pipeline.md "Latency and speed"). The answer counts only if no
   * event was applied meanwhile (that event's own pending count is newer).
   */
  let asking = false
  let askedAt = 0
  function askPending() {
    // At most four a second: steps come every 20 ms at busy times, and the server computes the
    // pending count of a filtered consumer for each request (asked at every empty step, the
    // requests took nats-server from 34 % to 44 % of a core at 6,000 events/s).
    if (asking || performance.now() - askedAt < 250) return
    asking = true
    askedAt = performance.now()
    const seqAsked = appliedSeq
    void pendingIsZero().then((zero) => {
      asking = false
      if (zero && !caughtUp && appliedSeq === seqAsked && !stopping) {
        caughtUp = true
        void flush()
      }
    })
  }

  let manager: ReturnType<typeof jetstreamManager> | undefined
  async function pendingIsZero(): Promise<boolean> {
    try {
      manager ??= jetstreamManager(nc)
      const info = await (await manager).consumers.info(STREAM, opts.durable)
      return info.num_pending === 0 && receivedSeq >= info.delivered.stream_seq
    } catch {
      return false
    }
  }

  /** Rows computed before a tombstone was applied (an ended escalation, a verdict) of the forgotten. */
  function dropForgotten(rows: RowBatch, gone: Set<string>) {
    rows.conversations = rows.conversations.filter((r) => !gone.has(r.conversation_id))
    rows.fcr_verdicts = rows.fcr_verdicts.filter((r) => !gone.has(r.conversation_id))
    rows.escalations = rows.escalations.filter((r) => !gone.has(r.conversation_id))
  }

  /** Rows of one computation carry one version: it names the insert for deduplication. */
  const tokenOf = (rows: RowBatch) => `${opts.durable}:${appliedSeq}:${batchSize(rows)}`

  /** The checkpoint being stored, if any: one at a time. */
  let checkpointing: Promise<void> | null = null

  /**
   * Takes the state's bytes now and stores them; events up to the position they cover are
   * acknowledged once stored. While one is being stored, another is not started.
   */
  function checkpoint(): Promise<void> {
    if (checkpointing) return checkpointing
    if (abandoned || (appliedSeq === checkpointSeq && !lastApplied && !checkpointSoon)) return Promise.resolve()
    const started = performance.now()
    const seq = appliedSeq
    const covered = lastApplied
    // A tombstone applied after this moment sets it again: the next checkpoint must be free of it.
    checkpointSoon = false
    lastCheckpointAt = Date.now()
    const bytes = checkpoints.encode({
      v: 1,
      role,
      seq,
      erasedUpTo,
      takenAt: new Date().toISOString(),
      pipeline: pipeline.exportState(),
      ...(role === 'store' ? { collector: collector.exportState() } : { counters: hooks.counters?.save() }),
    })
    checkpointing = (async () => {
      const saved = await retry('checkpoint', () => checkpoints.put(opts.durable, bytes))
      if (!saved) {
        checkpointSoon = true
        return
      }
      checkpointSeq = Math.max(checkpointSeq, seq)
      metrics.checkpointSeconds.set((performance.now() - started) / 1000)
      metrics.checkpointBytes.set(bytes.length)
      // Everything up to the checkpoint is safe: acknowledge it in one message.
      covered?.ack()
      if (lastApplied === covered) lastApplied = null
    })().finally(() => {
      checkpointing = null
    })
    return checkpointing
  }

  /**
   * The pull's own troubles (missed heartbeats, a reset pull, limits) are logged and counted: a
   * consumer that stops being fed shows as lag with an idle processor, and this says why.
   */
  function watchConsumer(status: AsyncIterable<{ type: string }>) {
    void (async () => {
      for await (const s of status) {
        if (s.type === 'heartbeats_missed' || s.type === 'reset' || s.type === 'exceeded_limits' || s.type === 'no_responders') {
          metrics.consumerTroubles.inc({ kind: s.type })
          log.warn({ status: s }, 'consumer pull trouble')
        }
      }
    })().catch(() => undefined)
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
        // Short pulls: after a cluster node dies, a lost pull is noticed in seconds, not after missed
        // heartbeats. Under load a partition's pull sometimes stops being served until it expires
        // (nats-server 2.9.10, no missed heartbeat or other status): its events wait up to 5–7 s.
        // Pulls of 1 s bound that, but cost far more than they save (at 3,000 events/s the process
        // took 109 % of a core instead of 71 %, nats-server 21 % instead of 12 %): docs/pipeline.md
        // "Latency and speed".
        // A deleted consumer ends the pulls at once (instead of re-attaching to its successor).
        const messages = await consumer.consume({ max_messages: opts.batchSize * 2, expires: 5_000, abort_on_missing_resource: true })
        current = messages
        watchConsumer(messages.status())
        for await (const msg of messages) {
          // Already read (a redelivery after a long stall): the state has it.
          if (msg.seq <= receivedSeq) continue
          receivedSeq = msg.seq
          let event: unknown
          try {
            event = JSON.parse(decoder.decode(msg.data))
          } catch {
            event = null
          }
          // Only the ingest publishes here: an unreadable message is logged and passed over, but
          // still moves the position, so that it is acknowledged with the next checkpoint.
          if (!readable(event)) log.error({ seq: msg.seq, subject: msg.subject }, 'unreadable event skipped')
          incoming.push({ event: readable(event) ? event : SKIPPED, streamSeq: msg.seq, msg })
          if (role === 'live' && opts.liveBatchMs) flushIn(opts.liveBatchMs)
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
    /** The newest stream position done with (applied; for the store role, written too). */
    get doneSeq() {
      return doneSeq
    },
    get lastReceivedAt() {
      return lastReceivedAt
    },
    /** Store role: receipt time of the oldest event in hand and not written yet (null: none). */
    get unwrittenSince() {
      return unwrittenSince
    },
    get checkpointSeq() {
      return checkpointSeq
    },
    get role() {
      return role
    },
    async start() {
      // Tombstones heard from now on are applied at the next flush (registered before the
      // checkpoint is read, so none falls between the two).
      unlisten = erasures?.onTombstone((customer, t) => {
        toForget.add(customer)
        heardUpTo = Math.max(heardUpTo, t.revision)
        void flush()
      })
      const saved = await checkpoints.load(opts.durable)
      // Before the two roles, one runner wrote rows before each checkpoint: such a checkpoint
      // (no role) is where both runners stand. The live runner, which overwrites it first,
      // leaves the store runner its copy.
      if (saved && !saved.role && role === 'live' && opts.storeCheckpoint && !(await checkpoints.load(opts.storeCheckpoint))) {
        await checkpoints.save(opts.storeCheckpoint, saved)
        log.info({ seq: saved.seq }, 'checkpoint of the one-runner version copied for the store runner')
      }
      if (saved) {
        pipeline = createKpiPipeline(config, latenessMs, saved.pipeline, guard)
        if (role === 'store') collector = createRowCollector(config, saved.collector, opts.partition ?? 0)
        appliedSeq = checkpointSeq = receivedSeq = doneSeq = saved.seq
        if (role === 'live') hooks.counters?.restore(saved.counters)
        log.info({ seq: saved.seq, takenAt: saved.takenAt, role }, 'resumed from checkpoint')
      }
      // A checkpoint taken before an erasure still holds the customer: forget them now.
      if (erasures) {
        // Another instance's checkpoint may know of a tombstone this process has not heard yet.
        if ((saved?.erasedUpTo ?? 0) > erasures.revision) await erasures.refresh()
        const { customers, revision } = erasures.since(saved?.erasedUpTo ?? 0)
        if (customers.size) {
          goneAtRestore = new Set([...pipeline.forget(customers).values()].flat())
          log.info({ customers: customers.size, conversations: goneAtRestore.size, role }, 'erasures applied to the restored state')
          checkpointSoon = true
        }
        erasedUpTo = heardUpTo = Math.max(heardUpTo, revision)
      }
      // Closed while starting (the lease lost meanwhile): make no consumer, start no loop.
      if (stopping) return
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
      if (stopping) return
      ticker = setInterval(() => void flush(), opts.flushIntervalMs)
      loop = run().catch((err) => log.error({ err: { message: (err as Error).message } }, 'consumer loop ended'))
    },
    async close() {
      stopping = true
      unlisten?.()
      clearInterval(ticker)
      clearTimeout(soon)
      current?.stop()
      await loop
      // A clean stop leaves a checkpoint (one attempt: a store that is down is not waited for).
      await flush(true)
    },
  }
}
export type Runner = ReturnType<typeof createRunner>
