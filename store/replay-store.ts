/**
 * `deskpulse replay --store`: writes a replay into ClickHouse as the live processor would — every
 * event into `events`, and the rows the core's changes and effects make (processor/sinks) into
 * the KPI tables — so a recorded history can be loaded and queried (`deskpulse report`).
 */
import { createHash } from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../schemas/config.js'
import type { CanonicalEvent } from '../schemas/events.js'
import type { KpiPipeline } from '../processor/core/pipeline.js'
import { createRowCollector, batchSize, emptyBatch, ROW_TABLES, type RowBatch } from '../processor/sinks/collect.js'
import { insertRows } from '../processor/sinks/clickhouse-rows.js'
import { insertEvents, type StoredEvent } from '../processor/sinks/clickhouse-events.js'

export interface ReplayStore {
  /** The `onBatch` hook of replayFile: collects the rows, writes when enough are held. */
  onBatch(pipeline: KpiPipeline, events: CanonicalEvent[], lineNo: number): Promise<void>
  /** Writes what is still held: call it once replayFile has returned. */
  flush(): Promise<void>
  readonly stats: { events: number; rows: number }
}

/** Rows and events held before an insert: fewer, larger inserts (ClickHouse's preference). */
const FLUSH_AT = 50_000

/**
 * Rows carry `version` = the replay line reached (rows computed later replace earlier ones),
 * events `stream_seq` = their index in the file. Both are functions of the file alone, so
 * replaying the same file again writes the same rows and versions: the tables (replacing by
 * version, read with FINAL) hold one copy. Each insert is named by a hash of its content for
 * ClickHouse's insert deduplication where it is enabled.
 */
export function createReplayStore(client: ClickHouseClient, config: Config, flushAt = FLUSH_AT): ReplayStore {
  const collector = createRowCollector(config)
  const stats = { events: 0, rows: 0 }
  let seq = 0
  let events: StoredEvent[] = []
  let rows = emptyBatch()

  async function flush() {
    if (events.length) {
      await insertEvents(client, events)
      stats.events += events.length
      events = []
    }
    if (batchSize(rows)) {
      stats.rows += await insertRows(client, rows, `replay:${digest(rows)}`)
      rows = emptyBatch()
    }
  }

  return {
    stats,
    flush,
    async onBatch(pipeline, read, lineNo) {
      for (const event of read) events.push({ event, streamSeq: ++seq })
      const collected = collector.collect(pipeline.engine, lineNo).rows
      for (const table of ROW_TABLES) (rows[table] as object[]).push(...collected[table])
      if (events.length + batchSize(rows) >= flushAt) await flush()
    },
  }
}

const digest = (rows: RowBatch) => createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 32)
