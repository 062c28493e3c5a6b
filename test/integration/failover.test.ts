/**
 * Scale-out (docs/architecture.md "Scale-out", processor/shell/leases.ts): two processor processes
 * with one consumer name share 4 partitions; one is killed with SIGKILL mid-stream and the other
 * takes its partitions over from their checkpoints. A third process with its own consumer name
 * reads the same stream alone as the reference. Nothing is lost and nothing counted twice: the
 * two stores together hold the reference's rows, and the survivor's summary is the reference's.
 */
import t from 'tap'
import path from 'node:path'
import { simulate } from '../../cli/simulate/index.js'
import { openClickHouse } from '../../store/clickhouse.js'
import { startNats, eventually } from '../helpers/harness.js'
import { startIngest, streamCount } from '../helpers/ingest.js'
import { sendConcurrently } from '../helpers/send.js'
import { processorProcess, metricsOf, summaryOf, processedOf, type ProcessorProcess } from '../helpers/processor-process.js'

const PARTITIONS = 4

const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN)
const owned = async (p: ProcessorProcess) => gauge(await metricsOf(p), 'deskpulse_processor_partitions_owned')

type Row = Record<string, unknown>
/** Each table's key: one row per key once replaced by version. */
const TABLES: Record<string, string[]> = {
  conversations: ['conversation_id'],
  fcr_verdicts: ['conversation_id'],
  escalations: ['conversation_id', 'waiting_since', 'level'],
  kpi_minute: ['partition', 'line', 'team', 'minute'],
  agent_minute: ['partition', 'agent', 'minute'],
}

/** Every table of an embedded store, FINAL (chdb: one directory at a time in this process). */
async function rowsOf(dir: string): Promise<Record<string, Row[]>> {
  const ch = await openClickHouse({ embeddedPath: path.join(dir, 'clickhouse') })
  const out: Record<string, Row[]> = {}
  try {
    for (const table of Object.keys(TABLES)) out[table] = await (await ch.client.query({ query: `SELECT * FROM ${table} FINAL`, format: 'JSONEachRow' })).json<Row>()
    out.events = await (await ch.client.query({ query: 'SELECT event_id, kind, at FROM events FINAL', format: 'JSONEachRow' })).json<Row>()
  } finally {
    await ch.close()
    const { drainPending } = await import('chdb')
    await drainPending()
  }
  return out
}

/** The newest version of each key over several stores' rows (what one shared store would keep), without the version. */
function newest(table: string, ...stores: Row[][]): string[] {
  const keep = new Map<string, Row>()
  for (const rows of stores) {
    for (const row of rows) {
      const key = TABLES[table]!.map((k) => String(row[k])).join('|')
      const had = keep.get(key)
      if (!had || Number(had.version) < Number(row.version)) keep.set(key, row)
    }
  }
  return [...keep.values()].map(({ version: _, ...rest }) => JSON.stringify(rest)).sort()
}

t.test('two processors share 4 partitions; one killed, the other takes its partitions over: no loss, no double count', { timeout: 600_000 }, async (t) => {
  const sim = simulate({ seed: 31, conversations: 150 })
  const nats = await startNats(t)
  const { url: ingestUrl } = await startIngest(t, nats.nc, { partitions: PARTITIONS })
  const reference = await processorProcess(t, { name: 'reference', consumer: 'reference', natsUrl: nats.server.url, partitions: PARTITIONS })
  const survivor = await processorProcess(t, { name: 'survivor', consumer: 'shared', natsUrl: nats.server.url, partitions: PARTITIONS })
  const victim = await processorProcess(t, { name: 'victim', consumer: 'shared', natsUrl: nats.server.url, partitions: PARTITIONS })

  await Promise.all([reference.start(), survivor.start()])
  t.equal(await owned(reference), PARTITIONS, 'the reference, alone on its consumer name, owns every partition')
  t.equal(await owned(survivor), PARTITIONS, 'the first of the shared pair owns every partition while alone')

  // A second instance: the partitions are shared out, two each.
  let started = performance.now()
  await victim.start()
  await eventually(async () => ((await owned(survivor)) === 2 && (await owned(victim)) === 2 ? true : undefined), 30_000, 'two partitions each')
  t.pass(`a second instance takes half the partitions: balanced ${((performance.now() - started) / 1000).toFixed(1)} s after it started`)

  // The traffic; the victim is killed half-way through it, while events keep coming.
  const half = Math.floor(sim.lines.length / 2)
  let takeover: Promise<number> | undefined
  let victimProcessed = 0
  started = performance.now()
  const sent = await sendConcurrently(sim.lines, ingestUrl, 16, async (answered) => {
    if (takeover || answered < half) return
    victimProcessed = processedOf(await metricsOf(victim))
    await victim.kill('SIGKILL')
    const killedAt = performance.now()
    takeover = eventually(async () => ((await owned(survivor)) === PARTITIONS ? performance.now() - killedAt : undefined), 30_000, 'the survivor to own every partition')
  })
  t.equal(sent, sim.lines.length, `all ${sent} lines answered 200`)
  t.ok(takeover, 'the victim was killed mid-stream')
  t.ok(victimProcessed > 0, `the victim had processed ${victimProcessed} events when killed`)
  const takeoverMs = await takeover!
  t.comment(`takeover: the survivor runs all ${PARTITIONS} partitions ${(takeoverMs / 1000).toFixed(2)} s after the SIGKILL (lease 6 s)`)
  t.ok(takeoverMs < 12_000, `taken over within seconds (${(takeoverMs / 1000).toFixed(2)} s)`)

  // Both consumer names read every event.
  const total = await streamCount(nats.nc)
  for (const p of [reference, survivor]) await eventually(async () => (processedOf(await metricsOf(p)) === total ? true : undefined), 120_000, `${p.name} to count all ${total} events`)
  t.comment(`${sim.lines.length} lines, ${total} events in the stream; both caught up ${((performance.now() - started) / 1000).toFixed(1)} s after the traffic started`)

  // The survivor resumed the victim's partitions from their checkpoints: one view of one truth.
  const [want, got] = [await summaryOf(reference), await summaryOf(survivor)]
  t.ok((want.conversations as { opened: number }).opened >= 150, `${(want.conversations as { opened: number }).opened} conversations`)
  t.same(got, want, 'GET /v1/summary of the survivor equals the reference’s')
  const counters = (text: string) => text.split('\n').filter((l) => /^(deskpulse_events_processed_total|helpdesk_[a-z_]+_(total|bucket|sum|count))\{/.test(l)).sort()
  t.same(counters(await metricsOf(survivor)), counters(await metricsOf(reference)), 'the counters too (each partition’s travel in its checkpoint)')

  // Rows: the two stores of the shared pair together are the reference's store.
  await survivor.kill('SIGTERM')
  await reference.kill('SIGTERM')
  const refRows = await rowsOf(reference.dataDir)
  const survivorRows = await rowsOf(survivor.dataDir)
  const victimRows = await rowsOf(victim.dataDir)
  t.ok(victimRows.conversations!.length > 0, `the victim wrote ${victimRows.conversations!.length} conversation rows before it died`)
  for (const table of Object.keys(TABLES)) {
    const [expected, actual] = [newest(table, refRows[table]!), newest(table, survivorRows[table]!, victimRows[table]!)]
    const same = JSON.stringify(actual) === JSON.stringify(expected)
    t.ok(same, `${table}: the newest row of each key over both stores = the reference's ${expected.length} rows`, same ? {} : { expected: expected.length, actual: actual.length, missing: expected.filter((r) => !actual.includes(r)).slice(0, 2), extra: actual.filter((r) => !expected.includes(r)).slice(0, 2) })
  }
  const ids = (rows: Row[]) => new Set(rows.map((r) => String(r.event_id)))
  const union = new Set([...ids(survivorRows.events!), ...ids(victimRows.events!)])
  t.same([...union].sort(), [...ids(refRows.events!)].sort(), `events: the same ${union.size} distinct events`)
})
