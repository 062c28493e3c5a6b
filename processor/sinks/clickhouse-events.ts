import type { ClickHouseClient } from '@clickhouse/client'
import type { CanonicalEvent } from '../../schemas/events.js'

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

/** Inserts a batch of events in one INSERT; replacing on event_id makes a replayed batch harmless. */
export async function insertEvents(client: ClickHouseClient, batch: readonly StoredEvent[]): Promise<void> {
  if (batch.length === 0) return
  await client.insert({
    table: 'events',
    values: batch.map(toRow),
    format: 'JSONEachRow',
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  })
}
