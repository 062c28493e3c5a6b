import { headers, type NatsConnection } from '@nats-io/transport-node'
import { jetstream, type JetStreamClient } from '@nats-io/jetstream'
import type { CanonicalEvent } from '../schemas/events.js'
import { partitionOf, subjectFor } from '../bus/subjects.js'
import { ERRORS, ingestError } from './errors.js'

export interface PublisherOptions {
  partitions: number
  /** Deadline for JetStream to acknowledge every event of a request. */
  ackTimeoutMs: number
}

export interface PublishResult {
  published: number
  duplicates: number
}

/** The partition key of an event: its conversation, or the agent for agent events. */
export function partitionKey(e: CanonicalEvent): string {
  if (e.kind === 'agent.status') return `agent:${e.agent_id}`
  return `${e.line ?? ''}:${e.customer ?? ''}`
}

export function createPublisher(nc: NatsConnection, opts: PublisherOptions, onPublished?: (e: CanonicalEvent, seconds: number) => void) {
  const js: JetStreamClient = jetstream(nc, { timeout: opts.ackTimeoutMs })
  const encoder = new TextEncoder()

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

  async function publishOne(e: CanonicalEvent): Promise<boolean> {
    const started = performance.now()
    const subject = subjectFor(partitionOf(partitionKey(e), opts.partitions), e.kind)
    const h = headers()
    h.set('Nats-Msg-Id', e.id)
    const data = encoder.encode(JSON.stringify(e))
    await nextTurn()
    const ack = await js.publish(subject, data, { headers: h, timeout: opts.ackTimeoutMs })
    onPublished?.(e, (performance.now() - started) / 1000)
    return ack.duplicate
  }

  /**
   * Publishes every event concurrently and resolves only when JetStream has acknowledged all of
   * them; any failure (NATS down, no ack before the deadline) is a coded 503, so the caller never
   * answers 200 for an event that is not stored. Retries are safe: Nats-Msg-Id dedups.
   */
  async function publishAll(events: readonly CanonicalEvent[]): Promise<PublishResult> {
    if (nc.isClosed()) throw ingestError(ERRORS.UNAVAILABLE, 'the event bus connection is closed')
    const results = await Promise.allSettled(events.map(publishOne))
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
