/**
 * Canonical events through the KPI core into a real ClickHouse, as the processor's store runner
 * writes them (events, and the rows of the core's changes and effects), up to `until` (ms).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { createRowCollector } from '../../processor/sinks/collect.js'
import { insertRows } from '../../processor/sinks/clickhouse-rows.js'
import { insertEvents } from '../../processor/sinks/clickhouse-events.js'
import type { Config } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'

export async function storeEvents(client: ClickHouseClient, config: Config, events: readonly CanonicalEvent[], until: number): Promise<void> {
  const pipeline = createKpiPipeline(config, 0)
  for (const e of events) {
    pipeline.push(e)
    pipeline.catchUp()
  }
  pipeline.engine.advance(until)
  const { rows } = createRowCollector(config).collect(pipeline.engine, 1)
  await insertEvents(client, events.map((event, i) => ({ event, streamSeq: i + 1 })))
  await insertRows(client, rows, `test:${events.length}:${until}`)
}
