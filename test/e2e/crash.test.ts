/**
 * Issue 5's crash test: a simulated day (≥ 200,000 events) through the real ingest and two real
 * processor processes on one stream — one left alone, one killed with SIGKILL at random moments
 * and restarted. Both end with the same summary, the same counters and the same rows.
 */
import t from 'tap'
import path from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { simulate } from '../../cli/simulate/index.js'
import { createRng } from '../../cli/simulate/random.js'
import { STREAM } from '../../bus/stream.js'
import { openClickHouse } from '../../store/clickhouse.js'
import { reportFromStore } from '../../store/report.js'
import { parseConfig } from '../../schemas/config.js'
import { startNats, eventually } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { sendConcurrently } from '../helpers/send.js'
import { processorProcess, metricsOf, summaryOf, processedOf } from '../helpers/processor-process.js'
import { lineToEvents } from '../../processor/replay.js'
import { createCustomerKeyer } from '../../ingest/pii.js'

const CONVERSATIONS = Number(process.env.CRASH_TEST_CONVERSATIONS ?? 8_000)
// A simulated day through two processors takes minutes on a 2-core machine.
t.setTimeout(1_500_000)

const counterLines = (text: string) => text.split('\n').filter((l) => /^(deskpulse_events_processed_total|helpdesk_[a-z_]+_(total|bucket|sum|count))\{/.test(l)).sort()

t.test('kill -9 at random moments, restart: the same summary, counters and rows as an uninterrupted run', async (t) => {
  const sim = simulate({ seed: 11, conversations: CONVERSATIONS })
  const nats = await startNats(t)
  const { url: ingestUrl } = await startIngest(t, nats.nc)
  const steady = await processorProcess(t, { name: 'steady', natsUrl: nats.server.url })
  const crashy = await processorProcess(t, { name: 'crashy', natsUrl: nats.server.url })
  await steady.start()
  await crashy.start()

  // Kill moments: after a seeded random number of answered lines, several times.
  const rng = createRng(99, 3)
  const kills = Array.from({ length: 4 }, () => rng.int(Math.floor(sim.lines.length * 0.05), Math.floor(sim.lines.length * 0.95))).sort((a, b) => a - b)
  const restarts: number[] = []
  let busy = false
  const started = performance.now()
  const sent = await sendConcurrently(sim.lines, ingestUrl, 24, async (answered) => {
    if (busy || kills.length === 0 || answered < kills[0]!) return
    busy = true
    kills.shift()
    await crashy.kill('SIGKILL')
    const down = performance.now()
    await crashy.start()
    restarts.push(performance.now() - down)
    busy = false
  })
  const sendSeconds = (performance.now() - started) / 1000
  t.equal(sent, sim.lines.length, `every line answered 200 (${sim.lines.length} in ${sendSeconds.toFixed(0)} s)`)
  // One more kill while it catches up.
  await crashy.kill('SIGKILL')
  await crashy.start()

  const jsm = await jetstreamManager(nats.nc)
  const total = Number((await jsm.streams.info(STREAM)).state.messages)
  t.ok(total >= 200_000, `${total} events in the stream`)
  for (const p of [steady, crashy]) await eventually(async () => (processedOf(await metricsOf(p)) >= total ? true : undefined), 600_000, `${p.name} to process every event`)
  t.ok(restarts.length >= 3, `${restarts.length + 1} SIGKILLs; restarts took ${restarts.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s until /healthz`)

  // The last events wait in the reorder buffer until later ones arrive; both hold the same ones.
  const steadySummary = (await summaryOf(steady)) as { conversations: { opened: number } }
  t.same(await summaryOf(crashy), steadySummary, 'GET /v1/summary is the same')
  const [a, b] = [counterLines(await metricsOf(steady)), counterLines(await metricsOf(crashy))]
  t.ok(a.length > 5, `${a.length} counter series`)
  t.same(b, a, 'the counters are the same')

  // Rows: once each store writer has acknowledged the whole stream (written and checkpointed),
  // stop both cleanly, then read each embedded store in turn.
  for (const p of [steady, crashy]) {
    await eventually(async () => {
      const writers = []
      for await (const c of jsm.consumers.list(STREAM)) if (c.name.startsWith(`${p.name}-`) && c.name.endsWith('-store')) writers.push(c)
      return writers.length > 0 && writers.every((w) => w.num_pending === 0 && w.num_ack_pending === 0) ? true : undefined
    }, 600_000, `${p.name}'s store writers to write every event`)
  }
  await steady.kill('SIGTERM')
  await crashy.kill('SIGTERM')
  const tables: Record<string, string> = {
    conversations: 'conversation_id',
    fcr_verdicts: 'conversation_id',
    escalations: 'conversation_id, waiting_since, level',
    kpi_minute: 'partition, line, team, minute',
    agent_minute: 'partition, agent, minute',
    events: 'event_id',
  }
  const rowsOf = async (dir: string) => {
    const ch = await openClickHouse({ embeddedPath: path.join(dir, 'clickhouse') })
    const out: Record<string, unknown[]> = {}
    try {
      for (const [table, key] of Object.entries(tables)) {
        const except = table === 'events' ? 'stream_seq' : 'version'
        const r = await ch.client.query({ query: `SELECT * EXCEPT (${except}) FROM ${table} FINAL ORDER BY ${key}`, format: 'JSONEachRow' })
        out[table] = await r.json()
      }
      out.report = [await reportFromStore(ch.client, parseConfig({}))]
    } finally {
      await ch.close()
      // chdb binds one directory per process: let it let go before the next one opens.
      const { drainPending } = await import('chdb')
      await drainPending()
    }
    return out
  }
  const steadyRows = await rowsOf(steady.dataDir)
  const crashyRows = await rowsOf(crashy.dataDir)
  t.ok(steadyRows.conversations!.length >= CONVERSATIONS, `${steadyRows.conversations!.length} conversation rows`)
  // Duplicate deliveries more than the stream's 2-minute window apart are stored twice in the
  // stream; the table keeps one row per event id.
  const keyCustomer = createCustomerKeyer('crash')
  const ids = new Set(sim.lines.flatMap((line, i) => lineToEvents(line, i + 1, { keyCustomer, receivedAt: new Date(0).toISOString() }).map((e) => e.id)))
  t.equal(steadyRows.events!.length, ids.size, `one events row per event id (${ids.size} ids, ${total} stream messages)`)
  t.same(crashyRows.report, steadyRows.report, 'deskpulse report (SQL over each store) is the same')
  t.equal((steadyRows.report![0] as { conversations: { opened: number } }).conversations.opened, steadySummary.conversations.opened, 'the report counts the conversations the live summary counts')
  for (const table of Object.keys(tables)) {
    const [x, y] = [steadyRows[table]!, crashyRows[table]!]
    const same = JSON.stringify(x) === JSON.stringify(y)
    const at = same ? -1 : x.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(y[i]))
    t.ok(same, `${table}: ${x.length} rows, byte for byte the same`, same ? {} : { rows: y.length, firstDifference: { steady: x[at], crashy: y[at] } })
  }
})
