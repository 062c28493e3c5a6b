/**
 * One conversation's events read back from the DESKPULSE stream, for the live timeline
 * (docs/advice.md "Timeline"): the processor keeps no per-conversation event list (its memory
 * budget is per open conversation), so a timeline reads the conversation's partition from the
 * moment it opened and keeps the events of its line and customer. Cost: the partition's events
 * since the opening, read by an ephemeral ordered consumer; bounded by `maxScan`.
 */
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import type { CanonicalEvent } from '../schemas/events.js'
import { STREAM, SUBJECT_ROOT } from './stream.js'
import { partitionFilter, partitionOf } from './subjects.js'

export interface ConversationEvents {
  events: CanonicalEvent[]
  /** Messages of the partition read. */
  scanned: number
  /** false: the stream may no longer hold the start (messages aged out by max_age), or the scan hit `maxScan`. */
  complete: boolean
}

export interface ReadOptions {
  line: string
  customer: string
  /** The conversation's opening (ms, event time). */
  from: number
  /** DESKPULSE_PARTITIONS. */
  partitions: number
  /**
   * How far before `from` an event of the conversation may have been published: events carry
   * their own time, up to ingest.max_future_skew_seconds ahead of their receipt.
   */
  earlyMs: number
  maxScan: number
}

export async function readConversationEvents(nc: NatsConnection, o: ReadOptions): Promise<ConversationEvents> {
  const filter = o.partitions === 1 ? `${SUBJECT_ROOT}.>` : partitionFilter(partitionOf(`${o.line}:${o.customer}`, o.partitions))
  const start = new Date(Math.max(0, o.from - o.earlyMs))
  const jsm = await jetstreamManager(nc)
  const info = await jsm.streams.info(STREAM)
  // Nothing aged out (the stream still starts at sequence 1), or its first message is older than
  // the start. A backfill publishes old events now: their time is not the stream's.
  let complete = info.state.messages === 0 || info.state.first_seq <= 1 || Date.parse(info.state.first_ts) <= start.getTime()
  const consumer = await jetstream(nc).consumers.get(STREAM, { filter_subjects: filter, deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.toISOString() })
  let left = (await consumer.info(true)).num_pending
  const events: CanonicalEvent[] = []
  let scanned = 0
  if (left > o.maxScan) {
    left = o.maxScan
    complete = false
  }
  while (left > 0) {
    const batch = await consumer.fetch({ max_messages: Math.min(left, 1000), expires: 5_000 })
    let got = 0
    for await (const m of batch) {
      got++
      scanned++
      left--
      let e: CanonicalEvent
      try {
        e = m.json<CanonicalEvent>()
      } catch {
        continue
      }
      if (e.line === o.line && e.customer === o.customer) events.push(e)
      if (left === 0) break
    }
    if (got === 0) break
  }
  return { events, scanned, complete }
}
