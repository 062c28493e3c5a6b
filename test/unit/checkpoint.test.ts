import t from 'tap'
import { serialize } from 'node:v8'
import { toColumns } from '../../processor/shell/columns.js'
import { decodeCheckpoint, encodeCheckpoint } from '../../processor/shell/checkpoints.js'
import { simulate } from '../../cli/simulate/index.js'
import { lineToEvents } from '../../processor/replay.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import { createTextAnalyser } from '../../ingest/text/analyse.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { createRowCollector, ROW_TABLES } from '../../processor/sinks/collect.js'

const config = parseConfig({})
const sim = simulate({ seed: 7, conversations: 600 })
const keyCustomer = createCustomerKeyer('checkpoint')
const analyseText = createTextAnalyser(config)
const events: CanonicalEvent[] = sim.lines.flatMap((line, i) => lineToEvents(line, i + 1, { keyCustomer, receivedAt: new Date(0).toISOString(), analyseText }))
const lateness = config.processing.replay_lateness_seconds * 1000

type Rows = Map<string, Record<string, unknown>>

/** Runs events [from, to) and keeps, per table and key, the newest row (what ReplacingMergeTree keeps). */
function run(p: ReturnType<typeof createKpiPipeline>, collector: ReturnType<typeof createRowCollector>, from: number, to: number, rows: Record<string, Rows>, end = false) {
  const keep = (table: string, row: Record<string, unknown>) => {
    const key = table === 'kpi_minute' ? `${String(row.minute)}|${String(row.line)}|${String(row.team)}` : table === 'agent_minute' ? `${String(row.minute)}|${String(row.agent)}` : table === 'escalations' ? `${String(row.conversation_id)}|${String(row.waiting_since)}|${String(row.level)}` : String(row.conversation_id)
    const old = rows[table]!.get(key)
    if (!old || Number(old.version) <= Number(row.version)) rows[table]!.set(key, row)
  }
  const flush = (version: number) => {
    const { rows: batch } = collector.collect(p.engine, version)
    for (const table of ROW_TABLES) for (const row of batch[table]) keep(table, row as unknown as Record<string, unknown>)
  }
  for (let i = from; i < to; i++) {
    p.push(events[i]!)
    if (i % 100 === 99) {
      p.catchUp()
      flush(i + 1)
    }
  }
  p.catchUp()
  flush(to)
  if (end) {
    p.finish()
    flush(to + 1)
  }
}

const newRows = (): Record<string, Rows> => Object.fromEntries(ROW_TABLES.map((t) => [t, new Map()]))
/** Fact columns only: versions say when a row was computed, not what it says. */
const facts = (rows: Record<string, Rows>) => Object.fromEntries(ROW_TABLES.map((t) => [t, Object.fromEntries([...rows[t]!].map(([k, r]) => [k, { ...r, version: undefined }]))]))

t.test('a checkpoint taken mid-stream, serialised and restored, continues to the same summary and rows', async (t) => {
  t.ok(events.length > 5_000, `${events.length} events`)
  const straight = createKpiPipeline(config, lateness)
  const straightRows = newRows()
  run(straight, createRowCollector(config), 0, events.length, straightRows, true)

  for (const cut of [Math.floor(events.length / 3), Math.floor((2 * events.length) / 3) + 17]) {
    const first = createKpiPipeline(config, lateness)
    const firstCollector = createRowCollector(config)
    const rows = newRows()
    run(first, firstCollector, 0, cut, rows)
    // The processor's own encoding (conversations and timers as columns, processor/shell/columns.ts).
    const bytes = encodeCheckpoint({ v: 1, seq: cut, takenAt: '', pipeline: first.exportState(), collector: firstCollector.exportState() })
    const state = decodeCheckpoint(bytes)
    // What grows with the open state, the conversations, take less than half as columns.
    const { convs } = first.exportState().engine
    const [asRows, asColumns] = [serialize(convs).length, serialize(toColumns(convs)).length]
    t.ok(asColumns < asRows / 2, `${convs.length} conversations: ${asColumns} bytes as columns, ${asRows} as rows`)
    const second = createKpiPipeline(config, lateness, state.pipeline)
    run(second, createRowCollector(config, state.collector), cut, events.length, rows, true)
    t.same(second.summary(second.engine.clock), straight.summary(straight.engine.clock), `summary after a checkpoint at event ${cut} (${(bytes.length / 1024).toFixed(0)} KiB)`)
    t.same(facts(rows), facts(straightRows), `rows after a checkpoint at event ${cut}`)
  }
  t.ok(straightRows.conversations!.size >= 600, `${straightRows.conversations!.size} conversation rows`)
  t.ok(straightRows.escalations!.size > 0 && straightRows.fcr_verdicts!.size > 0 && straightRows.kpi_minute!.size > 0 && straightRows.agent_minute!.size > 0, 'every table has rows')
})

t.test('a snapshot with undrained effects is refused (it would lose them)', async (t) => {
  const p = createKpiPipeline(config, 0)
  p.push(events.find((e) => e.kind === 'message.in')!)
  p.finish()
  t.throws(() => p.exportState(), /drain effects/)
})
