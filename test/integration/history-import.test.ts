/**
 * Issue 14, point 5: a history import of any span is written. ClickHouse refuses an INSERT whose
 * rows fall in more than 100 partitions (our tables are partitioned by day); one request with a
 * year of events used to fail for ever and stop its partition.
 */
import t from 'tap'
import { createLogger } from '../../cli/logger.js'
import { createProcessor } from '../../processor/processor.js'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { createRowCollector } from '../../processor/sinks/collect.js'
import { insertRows } from '../../processor/sinks/clickhouse-rows.js'
import { parseConfig } from '../../schemas/config.js'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { startIngest, bearer } from '../helpers/ingest.js'
import { ev } from '../helpers/events.js'

const config = parseConfig({ processing: { clock: 'event', checkpoint_seconds: 1 } })
const DAY = 86_400_000
const YEAR_START = Date.parse('2025-01-01T10:00:00.000Z')
const count = async (client: Awaited<ReturnType<typeof startClickHouse>>['client'], query: string) =>
  Number((await (await client.query({ query, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)

t.test('a year of history in one request is written to ClickHouse', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url } = await startIngest(t, nats.nc)
  const port = await freePort()
  const processor = createProcessor({ host: '127.0.0.1', port, config, runner: { flushIntervalMs: 200 } }, { nc: nats.nc, clickhouse: ch.client, log: createLogger('silent') })
  await processor.start()
  t.teardown(() => processor.close())

  // 365 events, one a day through 2025: 365 daily partitions in one request.
  const events = Array.from({ length: 365 }, (_, d) => ({
    id: `history-${d}`,
    type: 'message.sent',
    at: new Date(YEAR_START + d * DAY).toISOString(),
    line: '106540352242922',
    customer: `39333${String(d).padStart(7, '0')}`,
    sender: { kind: 'agent', agent_id: 'a-1' },
  }))
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: bearer(), body: JSON.stringify(events) })
  t.equal(res.status, 200, 'the import is accepted')
  await eventually(async () => ((await count(ch.client, 'SELECT count() AS n FROM events FINAL')) === 365 ? true : undefined), 30_000, 'every event of the year written')
  t.equal(await count(ch.client, "SELECT uniqExact(partition) AS n FROM system.parts WHERE table = 'events' AND active AND database = currentDatabase()"), 365, 'one partition per day of the year')
  t.equal(processor.storeProblem, null, 'the store writer reports no failing write')
  const later = await fetch(`${url}/v1/events`, { method: 'POST', headers: bearer(), body: JSON.stringify({ ...events[0], id: 'after-the-import', at: new Date().toISOString() }) })
  t.equal(later.status, 200)
  await eventually(async () => ((await count(ch.client, "SELECT count() AS n FROM events FINAL WHERE event_id != ''")) === 366 ? true : undefined), 30_000, 'a later event written too')
  t.pass('the partition goes on after the import')
})

t.test("a year of conversations' rows is written in inserts of at most 90 days", async (t) => {
  const ch = await startClickHouse(t)
  const pipeline = createKpiPipeline(config, 0)
  // One conversation a day: opened, answered after 30 s, resolved after 60 s.
  for (let d = 0; d < 365; d++) {
    const s = (YEAR_START + d * DAY - Date.parse('2026-11-23T09:00:00.000Z')) / 1000
    const c = `c${d}`
    pipeline.push(ev.in(s, { c }))
    pipeline.push(ev.out(s + 30, 'agent', { c }))
    pipeline.push(ev.resolved(s + 60, { c }))
  }
  pipeline.finish()
  const { rows } = createRowCollector(config).collect(pipeline.engine, 1)
  t.equal(rows.conversations.length, 365, '365 conversation rows computed')
  const minuteDays = new Set(rows.kpi_minute.map((r) => String(r.minute).slice(0, 10)))
  t.ok(minuteDays.size > 100, `kpi_minute rows over ${minuteDays.size} days`)
  await insertRows(ch.client, rows, 'year')
  t.equal(await count(ch.client, 'SELECT count() AS n FROM conversations FINAL'), 365, 'every conversation row written')
  t.equal(await count(ch.client, 'SELECT uniqExact(toDate(minute)) AS n FROM kpi_minute FINAL'), minuteDays.size, 'kpi_minute rows of every day written')
  // Written again (a retry after a crash): the tables replace by version.
  await insertRows(ch.client, rows, 'year')
  t.equal(await count(ch.client, 'SELECT count() AS n FROM conversations FINAL'), 365, 'a retried batch changes nothing')
})
