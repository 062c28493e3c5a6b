import t from 'tap'
import { createHmac } from 'node:crypto'
import { jetstreamManager } from '@nats-io/jetstream'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { textWebhook, postSigned, TEST_PII_KEY } from '../helpers/webhooks.js'
import { startIngest } from '../helpers/ingest.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { STREAM } from '../../bus/stream.js'
import { parseConfig } from '../../schemas/config.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')

t.test('a signed webhook travels ingest → JetStream → processor → ClickHouse row and counter', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)

  const { url: ingestUrl } = await startIngest(t, nats.nc)

  const wamid = 'wamid.SKELETON1'
  const res = await postSigned(ingestUrl, JSON.stringify(textWebhook({ id: wamid, from: '393331234567', line: '106540352242922', ts: 1764000000 })))
  t.equal(res.status, 200, 'ingest answers 200 to a signed webhook')

  // The event is in the stream, keyed for dedup, with the customer hashed as docs/kpis.md says.
  const jsm = await jetstreamManager(nats.nc)
  t.equal((await jsm.streams.info(STREAM)).state.messages, 1, 'one event in the DESKPULSE stream')
  const stored = await jsm.streams.getMessage(STREAM, { seq: 1 })
  if (!stored) throw new Error('stream message 1 is missing')
  // The wamid is stored keyed (docs/ingest.md "Privacy"): HMAC of `\0message-id:<wamid>`.
  const storedId = `wa:in:${createHmac('sha256', TEST_PII_KEY).update(`\u0000message-id:${wamid}`).digest('hex')}`
  t.equal(stored.header.get('Nats-Msg-Id'), storedId)
  const event = stored.json<Record<string, unknown>>()
  const expectedCustomer = createHmac('sha256', TEST_PII_KEY).update('106540352242922:393331234567').digest('hex')
  t.match(event, { kind: 'message.in', line: '106540352242922', customer: expectedCustomer, at: '2025-11-24T16:00:00.000Z' })
  t.notOk(JSON.stringify(event).includes('393331234567'), 'no raw phone number leaves the ingest')

  // Nothing reaches ClickHouse until a processor consumes the stream.
  const count = async () => {
    const r = await ch.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
    return Number((await r.json<{ n: string }>())[0]!.n)
  }
  t.equal(await count(), 0, 'no row before the processor runs')

  const processorPort = await freePort()
  const processor = createProcessor(
    { host: '127.0.0.1', port: processorPort, config: parseConfig({}), runner: { flushIntervalMs: 100 } },
    { nc: nats.nc, clickhouse: ch.client, log },
  )
  await processor.start()
  t.teardown(() => processor.close())

  const rows = await eventually(async () => {
    const r = await ch.client.query({ query: 'SELECT event_id, kind, line, customer, toString(at) AS at FROM events', format: 'JSONEachRow' })
    const rows = await r.json<Record<string, string>>()
    return rows.length > 0 ? rows : undefined
  }, 15_000, 'a row in ClickHouse')
  t.same(rows, [
    { event_id: storedId, kind: 'message.in', line: '106540352242922', customer: expectedCustomer, at: '2025-11-24 16:00:00.000' },
  ])

  const metrics = await eventually(async () => {
    const text = await (await fetch(`${processor.privateUrl}/metrics`)).text()
    return /deskpulse_events_processed_total\{kind="message.in"\} 1\b/.test(text) ? text : undefined
  }, 5_000, 'the processed counter')
  t.match(metrics, /helpdesk_messages_total\{line="106540352242922",direction="in",sender_kind="customer"\} 1\b/)

  // The live KPI state saw the same event. Its time (2025-11-24) is a year before the wall
  // clock that drives timers once caught up, so by now the chat missed its 24-hour window and
  // was auto-closed for inactivity (docs/kpis.md "Entities", "Missed").
  const summary = await eventually(async () => {
    const s = (await (await fetch(`${processor.privateUrl}/v1/summary`)).json()) as { conversations: { opened: number }; messages: { in: number }; backlog: { unassigned: number } }
    return s.conversations.opened === 1 ? s : undefined
  }, 5_000, 'the live summary')
  t.match(summary, { messages: { in: 1 }, conversations: { opened: 1, resolved: 1, open: 0 }, missed: 1 })
})
