import type { ClickHouseClient } from '@clickhouse/client'
import { ROW_TABLES, type RowBatch, type RowTable } from './collect.js'
import { splitByDay } from './partition-split.js'

/** Each table's partition day (`toDate(column)`, UTC): the rows hold `YYYY-MM-DD hh:mm:ss`. */
const DAY_OF: Record<RowTable, ((row: Record<string, unknown>) => string) | null> = {
  conversations: (r) => String(r.opened_at).slice(0, 10),
  fcr_verdicts: null,
  escalations: (r) => String(r.waiting_since).slice(0, 10),
  sla_outcomes: (r) => String(r.decided_at).slice(0, 10),
  kpi_minute: (r) => String(r.minute).slice(0, 10),
  agent_minute: (r) => String(r.minute).slice(0, 10),
}

/**
 * Writes a batch of rows, one insert per table. `token` names the batch (its stream range):
 * ClickHouse drops an insert whose token it has seen (insert deduplication), and the tables
 * replace by version besides, so writing a batch again never double-counts.
 */
export async function insertRows(client: ClickHouseClient, batch: RowBatch, token: string): Promise<number> {
  let written = 0
  for (const table of ROW_TABLES) {
    const values = batch[table] as unknown as Array<Record<string, unknown>>
    const chunks = splitByDay(values, DAY_OF[table])
    for (const [i, chunk] of chunks.entries()) {
      await client.insert({
        table,
        values: chunk,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: chunks.length === 1 ? `${token}:${table}` : `${token}:${table}:${i}` },
      })
    }
    written += values.length
  }
  return written
}
