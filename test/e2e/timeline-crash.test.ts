/**
 * Issue 19's timeline proof, crash-style (a smaller sibling of test/e2e/crash.test.ts, whose
 * 200,000-event day takes many minutes on a 2-core machine): a simulated day through the real
 * ingest to a real `deskpulse processor` process that is killed with SIGKILL twice and restarted.
 * Then, for conversations of several kinds (breached, reopened, handed off by a bot, with CSAT),
 * the live timeline (GET /v1/conversations/:id/timeline, read back from the NATS stream) and the
 * stored one (`deskpulse timeline`'s code, from the process's ClickHouse) are the same.
 */
import t from 'tap'
import path from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { simulate } from '../../cli/simulate/index.js'
import { STREAM } from '../../bus/stream.js'
import { openClickHouse } from '../../store/clickhouse.js'
import { timelineFromStore } from '../../store/advice.js'
import { parseConfig } from '../../schemas/config.js'
import { startNats, eventually } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { sendConcurrently } from '../helpers/send.js'
import { processorProcess, metricsOf, processedOf } from '../helpers/processor-process.js'

t.setTimeout(600_000)

t.test('after kill -9 and restarts, a conversation has the same timeline live and from ClickHouse', async (t) => {
  const sim = simulate({ seed: 23, conversations: 400 })
  const nats = await startNats(t)
  const { url: ingestUrl } = await startIngest(t, nats.nc)
  const p = await processorProcess(t, { name: 'timeline', natsUrl: nats.server.url, store: true, partitions: 4 })
  await p.start()
  const kills = [Math.floor(sim.lines.length * 0.3), Math.floor(sim.lines.length * 0.7)]
  let busy = false
  const sent = await sendConcurrently(sim.lines, ingestUrl, 12, async (answered) => {
    if (busy || kills.length === 0 || answered < kills[0]!) return
    busy = true
    kills.shift()
    await p.kill('SIGKILL')
    await p.start()
    busy = false
  })
  t.equal(sent, sim.lines.length, 'every line answered 200')
  t.equal(kills.length, 0, 'killed twice')

  const jsm = await jetstreamManager(nats.nc)
  const total = Number((await jsm.streams.info(STREAM)).state.messages)
  await eventually(async () => (processedOf(await metricsOf(p)) >= total ? true : undefined), 300_000, 'every event processed')
  await eventually(async () => {
    const writers = []
    for await (const c of jsm.consumers.list(STREAM)) if (c.name.startsWith('timeline') && c.name.endsWith('-store')) writers.push(c)
    return writers.length > 0 && writers.every((w) => w.num_pending === 0 && w.num_ack_pending === 0) ? true : undefined
  }, 300_000, 'the store writer to write every event')

  const pick = async (where: string) => (await p.sql<{ conversation_id: string }>(`SELECT conversation_id FROM conversations FINAL WHERE ${where} ORDER BY conversation_id LIMIT 1`, true))[0]?.conversation_id
  const kinds = { breached: 'breaches > 0', reopened: 'reopened = 1', 'handed off': 'handed_off = 1', 'with CSAT': 'csat IS NOT NULL', 'still open': 'open = 1' }
  const ids: Array<[string, string]> = []
  for (const [kind, where] of Object.entries(kinds)) {
    const id = await pick(where)
    t.ok(id, `a ${kind} conversation in the day`)
    if (id) ids.push([kind, id])
  }
  const ms = (await p.sql<{ ms: string }>('SELECT toUnixTimestamp64Milli(max(at)) AS ms FROM events', true))[0]?.ms
  const until = Number(ms) + 3_600_000

  const live = new Map<string, Record<string, unknown>>()
  for (const [, id] of ids) {
    const res = await fetch(`http://127.0.0.1:${p.privatePort}/v1/conversations/${encodeURIComponent(id)}/timeline?until=${new Date(until).toISOString()}`)
    t.equal(res.status, 200)
    live.set(id, (await res.json()) as Record<string, unknown>)
  }
  await p.kill('SIGTERM')

  const ch = await openClickHouse({ embeddedPath: path.join(p.dataDir, 'clickhouse') })
  t.teardown(() => ch.close())
  for (const [kind, id] of ids) {
    const stored = await timelineFromStore(ch.client, parseConfig({}), id, until)
    const fromStream = live.get(id)!
    t.match(fromStream.source, { from: 'stream', complete: true })
    t.ok(stored.entries.length > 1, `${kind}: ${stored.entries.length} entries`)
    t.same({ ...fromStream, source: null }, { ...stored, source: null }, `${kind} (${id.slice(0, 24)}…): the same timeline live and from ClickHouse`)
  }
})
