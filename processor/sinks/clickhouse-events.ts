import type { ClickHouseClient } from '@clickhouse/client'
import type { CanonicalEvent } from '../../schemas/events.js'
import { parseEventTime } from '../core/time.js'
import { splitByDay } from './partition-split.js'

/** The `events` partition (`toDate(at)`, UTC). */
const dayOf = (e: StoredEvent) => new Date(parseEventTime(e.event.at)).toISOString().slice(0, 10)

export interface StoredEvent {
  event: CanonicalEvent
  streamSeq: number
}

/** One row of the `events` table (schemas/clickhouse/001_events.sql). */
function toRow({ event, streamSeq }: StoredEvent) {
  return {
    event_id: event.id,
    kind: event.kind,
    at: event.at,
    received_at: event.received_at,
    source: event.source,
    line: event.line ?? '',
    customer: event.customer ?? '',
    stream_seq: streamSeq,
    payload: JSON.stringify(event),
  }
}

/**
 * Inserts a batch of events, one INSERT per at most 90 days of event time; replacing on event_id
 * makes a replayed batch harmless.
 */
export async function insertEvents(client: ClickHouseClient, batch: readonly StoredEvent[]): Promise<void> {
  for (const chunk of splitByDay(batch, dayOf)) {
    await client.insert({
      table: 'events',
      values: chunk.map(toRow),
      format: 'JSONEachRow',
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
  }
}
