import t from 'tap'
import { startClickHouse } from '../helpers/harness.js'
import { applyRetention, ttlOfEngine } from '../../store/retention.js'
import { parseConfig } from '../../schemas/config.js'

const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
const DAY = 86_400_000

t.test('ttlOfEngine reads the table TTL out of engine_full', async (t) => {
  t.equal(ttlOfEngine('ReplacingMergeTree(v) PARTITION BY toDate(at) ORDER BY (a, at) TTL toDateTime(at) + toIntervalDay(30) SETTINGS index_granularity = 8192'), 'toDateTime(at) + toIntervalDay(30)')
  t.equal(ttlOfEngine('ReplacingMergeTree(v) ORDER BY a TTL minute + toIntervalDay(7)'), 'minute + toIntervalDay(7)')
  t.equal(ttlOfEngine('ReplacingMergeTree(v) ORDER BY a SETTINGS index_granularity = 8192'), null)
})

t.test('retention sets each table TTL from the config, idempotently, and old rows go at the next merge', async (t) => {
  const ch = await startClickHouse(t)
  const q = async <T>(query: string) => (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>()
  const create = async (table: string) => (await q<{ statement: string }>(`SHOW CREATE TABLE ${table}`))[0]!.statement

  const config = parseConfig({ retention: { events_days: 30, conversations_days: 90 } })
  const first = await applyRetention(ch.client, config)
  t.same(
    first.map((r) => [r.table, r.ttl, r.changed]),
    [
      ['events', 'toDateTime(at) + toIntervalDay(30)', true],
      ['conversations', 'toDateTime(opened_at) + toIntervalDay(90)', true],
      ['kpi_minute', 'minute + toIntervalDay(400)', true],
      ['agent_minute', 'minute + toIntervalDay(400)', true],
      ['escalations', 'toDateTime(waiting_since) + toIntervalDay(400)', true],
      ['sla_outcomes', 'toDateTime(decided_at) + toIntervalDay(400)', true],
    ],
  )
  t.match(await create('events'), /\nTTL toDateTime\(at\) \+ toIntervalDay\(30\)\n/, 'SHOW CREATE TABLE events has the TTL with the configured days')
  t.match(await create('conversations'), /TTL toDateTime\(opened_at\) \+ toIntervalDay\(90\)/)
  t.match(await create('escalations'), /TTL toDateTime\(waiting_since\) \+ toIntervalDay\(400\)/)
  t.notMatch(await create('fcr_verdicts'), /TTL/, 'fcr_verdicts has no time column and no TTL')
  t.ok((await applyRetention(ch.client, config)).every((r) => !r.changed), 'a second run alters nothing')

  const row = (id: string, at: number) => ({ event_id: id, kind: 'message.in', at: ts(at), received_at: ts(at), source: 'api', line: 'L', customer: 'c', stream_seq: 1, payload: '{}' })
  await ch.client.insert({ table: 'events', values: [row('old', Date.now() - 31 * DAY), row('recent', Date.now() - 29 * DAY), row('now', Date.now())], format: 'JSONEachRow' })
  await ch.client.command({ query: 'OPTIMIZE TABLE events FINAL' })
  t.same((await q<{ event_id: string }>('SELECT event_id FROM events ORDER BY at')).map((r) => r.event_id), ['recent', 'now'], 'the event older than 30 days is gone, the recent ones stay')

  const changed = await applyRetention(ch.client, parseConfig({ retention: { events_days: 0, conversations_days: 90, rollups_days: 60 } }))
  t.same(changed.filter((r) => r.changed).map((r) => [r.table, r.ttl]), [['events', null], ['kpi_minute', 'minute + toIntervalDay(60)'], ['agent_minute', 'minute + toIntervalDay(60)'], ['escalations', 'toDateTime(waiting_since) + toIntervalDay(60)'], ['sla_outcomes', 'toDateTime(decided_at) + toIntervalDay(60)']])
  t.notMatch(await create('events'), /TTL/, '0 days removes the TTL: events are kept for ever')
  t.match(await create('kpi_minute'), /TTL minute \+ toIntervalDay\(60\)/)
})
