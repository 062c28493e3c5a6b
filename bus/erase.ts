/**
 * Right to erasure on the bus: the DESKPULSE stream keeps every event for its max_age (7 days by
 * default, bus/stream.ts), and a processor rebuilding from the stream would write the erased rows
 * again. Subjects are per partition and kind, not per customer, so a purge by subject cannot
 * single one customer out; the stream sequences stored with the customer's events in ClickHouse
 * (`events.stream_seq`) can: each message is read, checked to be the customer's, and deleted with
 * JetStream's secure erase (overwritten on disk).
 *
 * Limits: events still in the stream but not yet written to ClickHouse (processor lag) are not
 * found; nor are copies in the processors' checkpoints (object store `deskpulse_checkpoints`),
 * which hold open conversations only and are overwritten as the processor moves on.
 */
import { jetstreamManager } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { STREAM } from './stream.js'

export interface StreamErasure {
  /** Messages deleted. */
  deleted: number
  /** Sequences already gone (aged out with max_age, or never in this stream). */
  absent: number
  /** Sequences holding another customer's event (the ClickHouse row came from another stream). */
  skipped: number
}

export async function eraseFromStream(nc: NatsConnection, seqs: readonly number[], customers: readonly string[]): Promise<StreamErasure> {
  const jsm = await jetstreamManager(nc)
  const mine = new Set(customers)
  const out: StreamErasure = { deleted: 0, absent: 0, skipped: 0 }
  for (const seq of seqs) {
    const msg = await jsm.streams.getMessage(STREAM, { seq })
    if (!msg) {
      out.absent++
      continue
    }
    let customer: unknown
    try {
      customer = msg.json<{ customer?: unknown }>().customer
    } catch {
      customer = undefined
    }
    if (typeof customer !== 'string' || !mine.has(customer)) {
      out.skipped++
      continue
    }
    if (await jsm.streams.deleteMessage(STREAM, seq, true)) out.deleted++
    else out.absent++
  }
  return out
}
