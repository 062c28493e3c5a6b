import { headers, type NatsConnection } from '@nats-io/transport-node'
import { jetstream, type JetStreamClient } from '@nats-io/jetstream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CanonicalEvent } from '../schemas/events.js'
import { partitionOf, subjectFor } from '../bus/subjects.js'
import { isTransientBusError, watchLink } from '../bus/connect.js'
import { ERRORS, ingestError } from './errors.js'

export interface PublisherOptions {
  partitions: number
  /** Deadline for JetStream to acknowledge one publish of an event. */
  ackTimeoutMs: number
  /**
   * How long after its first publish an event is still published again when a publish failed in
   * a way a retry can cure (see `publishOne`); the request then answers 503 as before. The
   * default covers one stream leader election on nats-server 2.9 after a server crash (followers
   * wait 4–9 s for a lost leader before they elect another) and stays under the ~20 s WhatsApp
   * waits for an answer. 0 turns retries off.
   */
  retryWindowMs?: number
}

export const DEFAULT_RETRY_WINDOW_MS = 12_000
/** Pause before re-publishing: doubles from the first value up to the second, with jitter. */
const RETRY_PAUSE_MS = [50, 500] as const
/** A retry is not started with less time than this left in the window. */
const MIN_ATTEMPT_MS = 100

/** Default max_payload of nats-server (1 MiB), when the server has not told its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024
/** Room left for the headers (Nats-Msg-Id and the protocol line) within max_payload. */
const HEADER_ROOM = 512

export interface PublishResult {
  published: number
  duplicates: number
}

/**
 * The partition key of an event: its conversation, or the agent for agent events. (An
 * `agent.status` event is published to every partition besides: see `partitionsOf`.)
 */
export function partitionKey(e: CanonicalEvent): string {
  if (e.kind === 'agent.status') return `agent:${e.agent_id}`
  return `${e.line ?? ''}:${e.customer ?? ''}`
}

/**
 * `onPublished` gets each acknowledged event, the seconds from its first publish to the
 * acknowledgement, the number of publishes it took (1 unless it was retried), and whether the
 * stream already had it (a retried webhook: JetStream's PubAck says `duplicate`).
 */
export function createPublisher(
  nc: NatsConnection,
  opts: PublisherOptions,
  onPublished?: (e: CanonicalEvent, seconds: number, attempts: number, duplicate: boolean) => void,
) {
  const js: JetStreamClient = jetstream(nc, { timeout: opts.ackTimeoutMs })
  const encoder = new TextEncoder()
  const link = watchLink(nc)
  const retryWindowMs = opts.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS

  // nats.js writes to its socket once per microtask checkpoint, which under load means one
  // write per HTTP request. Publishes are held until the end of the event-loop turn instead, so
  // the requests that arrived together leave in one write (same latency, far fewer syscalls).
  let queued: Array<() => void> = []
  const runQueued = () => {
    const run = queued
    queued = []
    for (const start of run) start()
  }
  const nextTurn = () =>
    new Promise<void>((resolve) => {
      if (queued.length === 0) setImmediate(runQueued)
      queued.push(resolve)
    })

  /**
   * Publishes one event until JetStream acknowledges it. A failed publish is sent again, same
   * Nats-Msg-Id (so the stream stores it once whatever became of the earlier one), while the
   * retry window lasts, the failure is transient (no ack in time, no stream leader to answer
   * during an election, the connection moving to another server of a cluster) and the connection
   * is attached to a server: when the whole bus is down the first failure is final, as it was
   * before retries existed, and WhatsApp's own retries take over.
   */
  async function publishOne(e: CanonicalEvent, partition: number, msgId: string, data: Uint8Array): Promise<{ duplicate: boolean; attempts: number }> {
    const started = performance.now()
    const giveUpAt = started + retryWindowMs
    const subject = subjectFor(partition, e.kind)
    const h = headers()
    h.set('Nats-Msg-Id', msgId)
    // Whether an earlier publish may have been stored without its ack reaching us: then a
    // "duplicate" ack is this request's own event, not an earlier delivery of it.
    let mayBeStored = false
    for (let attempt = 1; ; attempt++) {
      await nextTurn()
      const timeout = attempt === 1 ? opts.ackTimeoutMs : Math.min(opts.ackTimeoutMs, giveUpAt - performance.now())
      try {
        const ack = await js.publish(subject, data, { headers: h, timeout })
        return { duplicate: ack.duplicate && !mayBeStored, attempts: attempt }
      } catch (err) {
        const pause = Math.min(RETRY_PAUSE_MS[0] * 2 ** (attempt - 1), RETRY_PAUSE_MS[1]) * (0.5 + Math.random() / 2)
        const retry = isTransientBusError(err) && link.up && performance.now() + pause + MIN_ATTEMPT_MS <= giveUpAt
        if (!retry) throw err
        if (!isNoResponders(err)) mayBeStored = true
        await sleep(pause)
      }
    }
  }

  /**
   * Publishes one event: once to its partition, or, for `agent.status`, once to every partition
   * (Nats-Msg-Id `<id>:p<N>`, the same event and id inside): each partition's processor then
   * knows every agent's status, while an agent's conversations are spread over all partitions
   * (docs/ingest.md "Publishing"). Returns whether the stream already had it.
   */
  async function publishEvent(e: CanonicalEvent, data: Uint8Array): Promise<boolean> {
    const started = performance.now()
    const copies = partitionsOf(e, opts.partitions)
    const results = await Promise.all(copies.map((p) => publishOne(e, p, copies.length === 1 ? e.id : `${e.id}:p${p}`, data)))
    const duplicate = results.every((r) => r.duplicate)
    onPublished?.(e, (performance.now() - started) / 1000, Math.max(...results.map((r) => r.attempts)), duplicate)
    return duplicate
  }

  /**
   * Serialises every event, and refuses the request (413, nothing published) if one is larger
   * than the server takes: NATS would refuse that publish, and a retry would be refused again.
   */
  function encodeAll(events: readonly CanonicalEvent[], describe: (index: number) => string): Uint8Array[] {
    const limit = (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ROOM
    return events.map((e, i) => {
      const data = encoder.encode(JSON.stringify(e))
      if (data.length > limit) {
        throw ingestError(ERRORS.EVENT_TOO_LARGE, `${describe(i)}: the ${e.kind} event is ${data.length} bytes serialised; the event bus takes at most ${limit}`)
      }
      return data
    })
  }

  /**
   * Publishes every event concurrently and resolves only when JetStream has acknowledged all of
   * them; any failure (NATS down, no ack before the deadline) is a coded 503, so the caller never
   * answers 200 for an event that is not stored. Retries are safe: Nats-Msg-Id dedups.
   */
  async function publishAll(events: readonly CanonicalEvent[], describe: (index: number) => string = (i) => `event ${i}`): Promise<PublishResult> {
    const encoded = encodeAll(events, describe)
    if (nc.isClosed()) throw ingestError(ERRORS.UNAVAILABLE, 'the event bus connection is closed')
    const results = await Promise.allSettled(events.map((e, i) => publishEvent(e, encoded[i]!)))
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) {
      throw ingestError(ERRORS.UNAVAILABLE, `the event bus did not acknowledge the events: ${(failed as PromiseRejectedResult).reason?.message ?? 'unknown error'}`)
    }
    const duplicates = results.filter((r) => r.status === 'fulfilled' && r.value).length
    return { published: events.length - duplicates, duplicates }
  }

  return { publishAll }
}
export type Publisher = ReturnType<typeof createPublisher>

/**
 * The partitions an event is published to: its own, or every one for an `agent.status` (when
 * there are several).
 */
export function partitionsOf(e: CanonicalEvent, partitions: number): number[] {
  if (e.kind === 'agent.status' && partitions > 1) return Array.from({ length: partitions }, (_, p) => p)
  return [partitionOf(partitionKey(e), partitions)]
}

/** No server took the publish at all (no stream leader): it certainly was not stored. */
function isNoResponders(err: unknown): boolean {
  return err instanceof Error && (err.name === 'JetStreamNotEnabled' || /no responders/i.test(err.message))
}
