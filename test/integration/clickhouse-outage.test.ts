/**
 * A ClickHouse outage: the store fails every write for a while (its tables detached) while
 * traffic keeps coming. The live path goes on (the summary and the counters keep up with the
 * stream), the store writer acknowledges nothing it has not written, /readyz and the metrics say
 * so, and when the store returns every event is written and the figures equal a replay.
 */
import t from 'tap'
import { jetstreamManager } from '@nats-io/jetstream'
import { simulate } from '../../cli/simulate/index.js'
import { createLogger } from '../../cli/logger.js'
import { createProcessor } from '../../processor/processor.js'
import { lineToEvents } from '../../processor/replay.js'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import { createTextAnalyser } from '../../ingest/text/analyse.js'
import { parseConfig } from '../../schemas/config.js'
import { STREAM } from '../../bus/stream.js'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { startIngest, streamEvents } from '../helpers/ingest.js'
import { sendConcurrently } from '../helpers/send.js'
import { processedOf } from '../helpers/processor-process.js'
import { TEST_PII_KEY } from '../helpers/webhooks.js'

const config = parseConfig({ processing: { clock: 'event', lateness_seconds: 60, checkpoint_seconds: 1 } })
const OUTAGE_TABLES = ['events', 'conversations', 'kpi_minute']

t.test('ClickHouse failing its writes: the live path goes on, nothing is lost, and the store catches up', async (t) => {
  const sim = simulate({ seed: 23, conversations: 300 })
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url: ingestUrl } = await startIngest(t, nats.nc, { analyseText: createTextAnalyser(config) })
  const port = await freePort()
  const processor = createProcessor({ host: '127.0.0.1', port, config, runner: { flushIntervalMs: 200 } }, { nc: nats.nc, clickhouse: ch.client, log: createLogger((process.env.TEST_LOG ?? 'silent') as 'silent') })
  await processor.start()
  t.teardown(() => processor.close())
  const base = `http://127.0.0.1:${port}`
  const metrics = async () => (await fetch(`${processor.privateUrl}/metrics`)).text()
  const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN)

  // A third of the traffic with the store up, then the store fails its writes.
  const third = Math.floor(sim.lines.length / 3)
  await sendConcurrently(sim.lines.slice(0, third), ingestUrl, 16)
  await eventually(async () => (gauge(await metrics(), 'deskpulse_processor_clickhouse_up') === 1 ? true : undefined), 20_000, 'first writes')
  for (const table of OUTAGE_TABLES) await ch.client.command({ query: `DETACH TABLE ${table}` })
  const outageStarted = Date.now()

  await sendConcurrently(sim.lines.slice(third, 2 * third), ingestUrl, 16)
  const ready = await eventually(async () => {
    const res = await fetch(`${base}/readyz`)
    const body = (await res.json()) as { status: string; store?: string }
    return res.status === 200 && body.store !== 'ok' ? body : undefined
  }, 20_000, '/readyz to report the failing store')
  t.match(ready.store, /ClickHouse writes failing/, '/readyz stays 200 (the live path works) and names the failing store')
  const jsm = await jetstreamManager(nats.nc)
  // The live core keeps counting while the store is down: every event sent so far is processed.
  const sentSoFar = Number((await jsm.streams.info(STREAM)).state.messages)
  await eventually(async () => (processedOf(await metrics()) === sentSoFar ? true : undefined), 30_000, 'the live core to process what arrived during the outage')
  t.pass(`the live core processed all ${sentSoFar} stream messages while ClickHouse was down`)
  const during = await metrics()
  t.equal(gauge(during, 'deskpulse_processor_clickhouse_up'), 0, 'deskpulse_processor_clickhouse_up is 0')
  t.ok(gauge(during, 'deskpulse_clickhouse_write_errors_total') > 0, 'write errors are counted')
  t.ok(gauge(during, 'deskpulse_processor_store_lag_seconds') > 0, 'the store lag is reported')
  const writer = await jsm.consumers.info(STREAM, `${config.processing.consumer_name}-store`)
  const stream = await jsm.streams.info(STREAM)
  t.ok(writer.ack_floor.stream_seq < stream.state.last_seq, `the store writer acknowledged nothing past what is written (ack floor ${writer.ack_floor.stream_seq} < last ${stream.state.last_seq})`)
  t.ok(process.memoryUsage().heapUsed < 1.5 * 2 ** 30, 'memory stays bounded while the store is down')

  // Down for at least 8 s, then the store returns; the rest of the traffic arrives.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 8_000 - (Date.now() - outageStarted))))
  for (const table of OUTAGE_TABLES) await ch.client.command({ query: `ATTACH TABLE ${table}` })
  const returned = Date.now()
  await sendConcurrently(sim.lines.slice(2 * third), ingestUrl, 16)
  const total = Number((await jsm.streams.info(STREAM)).state.messages)
  // Stream copies (agent status per partition, duplicates outside the 2-minute window) are one row each id.
  const keyCustomer = createCustomerKeyer(TEST_PII_KEY)
  const ids = new Set(sim.lines.flatMap((line, i) => lineToEvents(line, i + 1, { keyCustomer, receivedAt: new Date(0).toISOString() }).map((e) => e.id)))
  const count = async (q: string) => Number((await (await ch.client.query({ query: q, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
  await eventually(async () => ((await count('SELECT count() AS n FROM events FINAL')) === ids.size ? true : undefined), 120_000, 'every event written after the outage')
  const caughtUp = Date.now()
  t.comment(`store down ${((returned - outageStarted) / 1000).toFixed(1)} s; every event written ${((caughtUp - returned) / 1000).toFixed(1)} s after it returned (${ids.size} events, ${total} stream messages; the rest of the traffic sent meanwhile)`)
  t.equal(gauge(await metrics(), 'deskpulse_processor_clickhouse_up'), 1, 'deskpulse_processor_clickhouse_up back to 1')
  t.same(await (await fetch(`${base}/readyz`)).json(), { status: 'ready', store: 'ok' }, '/readyz reports the store ok again')

  // The same figures as a replay of the same traffic, up to the processor's clock.
  const live = await eventually(async () => {
    const text = await metrics()
    const processed = processedOf(text)
    return processed === total ? ((await (await fetch(`${processor.privateUrl}/v1/summary`)).json()) as { until: string; conversations: { opened: number } }) : undefined
  }, 60_000, 'the processor to count every event')
  // The same stream, in its order, through a fresh core: what an outage-free run computes.
  const fresh = createKpiPipeline(config, config.processing.lateness_seconds * 1000)
  for (const m of await streamEvents(nats.nc)) fresh.push(m.event)
  fresh.finish(Date.parse(live.until))
  t.same(live, fresh.summary(Date.parse(live.until)), 'GET /v1/summary equals a fresh computation over the same stream')
  t.equal(await count('SELECT count() AS n FROM conversations FINAL'), live.conversations.opened, 'one conversations row per conversation')
})
