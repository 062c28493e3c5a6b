import t from 'tap'
import { startClickHouse } from '../helpers/harness.js'
import { migrate, loadMigrations } from '../../store/migrate.js'

t.test('migrations create the tables once and record themselves', async (t) => {
  const ch = await startClickHouse(t) // applies the migrations
  const tables = await (await ch.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name', format: 'JSONEachRow' })).json<{ name: string }>()
  t.ok(tables.some((r) => r.name === 'events'), 'events table exists')
  const recorded = await (await ch.client.query({ query: 'SELECT version FROM schema_migrations FINAL ORDER BY version', format: 'JSONEachRow' })).json<{ version: number }>()
  t.same(recorded.map((r) => Number(r.version)), (await loadMigrations()).map((m) => m.version))
  t.same(await migrate(ch.client), [], 'a second run applies nothing')
})

t.test('the events table collapses a redelivered event to one row', async (t) => {
  const ch = await startClickHouse(t)
  const row = { event_id: 'api:e1', kind: 'csat.response', at: '2026-11-24 10:00:00.000', received_at: '2026-11-24 10:00:01.000', source: 'api', line: 'L', customer: 'c', stream_seq: 7, payload: '{}' }
  await ch.client.insert({ table: 'events', values: [row], format: 'JSONEachRow' })
  await ch.client.insert({ table: 'events', values: [{ ...row, stream_seq: 9 }], format: 'JSONEachRow' })
  const n = await (await ch.client.query({ query: 'SELECT count() AS n FROM events FINAL', format: 'JSONEachRow' })).json<{ n: string }>()
  t.equal(Number(n[0]!.n), 1)
})
