/**
 * Issue 14, point 2: erasure that sticks. `deskpulse erase` used to delete rows and stream
 * messages while the processors' live state and checkpoints still held the customer and wrote
 * them back after the next start. Tombstones (processor/shell/erasures.ts) are applied to the
 * live state at once, on every restore, and to late events.
 */
import t from 'tap'
import { headers as natsHeaders } from '@nats-io/transport-node'
import { jetstream } from '@nats-io/jetstream'
import { createLogger } from '../../cli/logger.js'
import { createProcessor, type Processor } from '../../processor/processor.js'
import { parseConfig } from '../../schemas/config.js'
import { customerKeys, liveRunners } from '../../cli/erase-command.js'
import { collectReports, openErasureBucket, writeTombstones } from '../../processor/shell/erasures.js'
import { eraseCustomer } from '../../store/erase.js'
import { subjectFor } from '../../bus/subjects.js'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { physicalRows } from '../helpers/customer-rows.js'
import { postSigned, textWebhook, TEST_PII_KEY } from '../helpers/webhooks.js'
import type { CanonicalEvent } from '../../schemas/events.js'

const LINE = '106540352242922'
const config = parseConfig({ processing: { checkpoint_seconds: 1 } })
const NONE = { events: 0, conversations: 0, fcr_verdicts: 0, escalations: 0, sla_outcomes: 0 }

interface Summary {
  conversations: { opened: number; open: number }
  backlog: { unassigned: number }
}

t.test('an erased customer leaves the live state and checkpoints, and no restart or late event brings them back', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url } = await startIngest(t, nats.nc)
  const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
  let port = await freePort()
  const start = async () => {
    const p = createProcessor({ host: '127.0.0.1', port, config, runner: { flushIntervalMs: 200 } }, { nc: nats.nc, clickhouse: ch.client, log })
    await p.start()
    return p
  }
  let processor: Processor = await start()
  t.teardown(() => processor.close())
  const summary = async () => (await (await fetch(`${processor.privateUrl}/v1/summary`)).json()) as Summary
  const now = () => Math.floor(Date.now() / 1000)
  const write = (from: string, id: string) => postSigned(url, JSON.stringify(textWebhook({ from, id, ts: now() })))

  const key = (wa: string) => customerKeys(TEST_PII_KEY, LINE, wa)[0] ?? ''
  const [a, b, c] = [key('393331110001'), key('393331110002'), key('393331110003')]
  t.equal((await write('393331110001', 'wamid.A1')).status, 200)
  t.equal((await write('393331110002', 'wamid.B1')).status, 200)
  await eventually(async () => (((await physicalRows(ch.client, a)).conversations ?? 0) > 0 ? true : undefined), 20_000, "A's conversation row written")
  await eventually(async () => ((await summary()).conversations.open === 2 ? true : undefined), 10_000, 'two chats open: A and B')

  // Erase A while the processor runs, as `deskpulse erase` does.
  const kv = await openErasureBucket(nats.nc)
  const runners = await liveRunners(nats.nc, 1)
  t.same(runners.sort(), ['processor', 'processor-store'], 'the live and the store runner of the one partition')
  await writeTombstones(kv, [a], runners)
  const reports = await collectReports(kv, [a], runners, 10_000)
  t.same(Object.fromEntries(reports), { processor: 1, 'processor-store': 1 }, 'each runner removed the one conversation and said so')
  await eraseCustomer(ch.client, [a])
  t.equal((await summary()).conversations.open, 1, 'the live summary no longer holds A')

  // A copy of A's event received before the erasure (a redelivery, a late copy) is refused.
  const late: CanonicalEvent = {
    v: 1, id: 'late-copy-of-a', at: new Date().toISOString(), received_at: new Date(Date.now() - 60_000).toISOString(), source: 'whatsapp', line: LINE, customer: a,
    kind: 'message.in', message_id: 'late', message_type: 'text', reply_id: null, context_id: null, digit: null, errors: [],
  }
  const h = natsHeaders()
  h.set('Nats-Msg-Id', late.id)
  await jetstream(nats.nc).publish(subjectFor(0, 'message.in'), JSON.stringify(late), { headers: h })
  await eventually(async () => (/deskpulse_processor_events_refused_total\{reason="erased"\} 1/.test(await (await fetch(`${processor.privateUrl}/metrics`)).text()) ? true : undefined), 10_000, 'the late copy refused')
  t.pass('a late event of the erased customer is refused and counted')

  // C's state is in a checkpoint taken before C's erasure, while no processor runs.
  t.equal((await write('393331110003', 'wamid.C1')).status, 200)
  await eventually(async () => (((await physicalRows(ch.client, c)).conversations ?? 0) > 0 ? true : undefined), 20_000, "C's conversation row written")
  await processor.close()
  t.same(await liveRunners(nats.nc, 1), [], 'no runner holds a lease once the processor stopped')
  await writeTombstones(kv, [c], [])
  await eraseCustomer(ch.client, [c])

  port = await freePort()
  processor = await start()
  const after = await summary()
  t.equal(after.conversations.open, 1, 'after the restart only B is open: neither A nor C came back from the checkpoint')
  // Let the new runners flush and checkpoint a few times, with new traffic from B.
  t.equal((await write('393331110002', 'wamid.B2')).status, 200)
  await new Promise((resolve) => setTimeout(resolve, 3_000))
  t.same(await physicalRows(ch.client, a), NONE, 'no row of A was written back')
  t.same(await physicalRows(ch.client, c), NONE, 'no row of C was written back')
  t.ok(((await physicalRows(ch.client, b)).conversations ?? 0) > 0, 'B is untouched')

  // A customer who writes again after the erasure is a new conversation, counted as usual.
  t.equal((await write('393331110001', 'wamid.A2')).status, 200)
  await eventually(async () => ((await summary()).conversations.open === 2 ? true : undefined), 10_000, 'A writing again after the erasure')
  t.pass('a message the customer sends after the erasure opens a new conversation')
})
