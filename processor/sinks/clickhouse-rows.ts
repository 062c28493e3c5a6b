import type { ClickHouseClient } from '@clickhouse/client'
import { ROW_TABLES, type RowBatch } from './collect.js'

/**
 * Writes a batch of rows, one insert per table. `token` names the batch (its stream range):
 * ClickHouse drops an insert whose token it has seen (insert deduplication), and the tables
 * replace by version besides, so writing a batch again never double-counts.
 */
export async function insertRows(client: ClickHouseClient, batch: RowBatch, token: string): Promise<number> {
  let written = 0
  for (const table of ROW_TABLES) {
    const values: object[] = batch[table]
    if (values.length === 0) continue
    await client.insert({
      table,
      values,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: `${token}:${table}` },
    })
    written += values.length
  }
  return written
}
