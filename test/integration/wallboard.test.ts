import t from 'tap'
import WebSocket from 'ws'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { textWebhook, postSigned } from '../helpers/webhooks.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const TOKEN = 'wallboard-test-token'
const LINE = '106540352242922'
const CLIENTS = 200

interface Received {
  at: number
  msg: { type: string; serverTime: number; seq: number; state?: { waiting: Array<{ id: string; waitingSince: number }> }; changes?: { waiting?: Array<{ id: string; waitingSince: number }> } }
}

function connect(url: string) {
  const ws = new WebSocket(url)
  const received: Received[] = []
  ws.on('message', (data) => received.push({ at: Date.now(), msg: JSON.parse(String(data)) }))
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, received, opened }
}

t.test('the wallboard: token checked before any data, 200 screens get the snapshot and every update', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url: ingestUrl } = await startIngest(t, nats.nc, { partitions: 4 })
  const port = await freePort()
  const processor = createProcessor(
    { host: '127.0.0.1', port, config: parseConfig({ lines: { [LINE]: { team: 'billing' } } }), partitions: 4, wallboardToken: TOKEN },
    { nc: nats.nc, clickhouse: ch.client, log },
  )
  await processor.start()
  t.teardown(() => processor.close())
  const base = `http://127.0.0.1:${port}`

  // The page: refused without the token, served with it.
  t.equal((await fetch(`${base}/`)).status, 401, 'no token: 401')
  t.equal((await fetch(`${base}/?token=wrong-token-123`)).status, 401, 'wrong token: 401')
  const page = await fetch(`${base}/?token=${TOKEN}`)
  t.equal(page.status, 200)
  t.match(await page.text(), /<script src="\/wallboard\/app.js">/)
  t.equal((await fetch(`${base}/wallboard/uplot.js`)).status, 200, 'uPlot is served')

  // The feed: a wrong token is refused at the handshake, before any message.
  for (const url of [`ws://127.0.0.1:${port}/live`, `ws://127.0.0.1:${port}/live?token=wrong-token-123`]) {
    const bad = new WebSocket(url)
    const messages: unknown[] = []
    bad.on('message', (m) => messages.push(m))
    bad.on('error', () => {})
    const status = await new Promise<number>((resolve) => {
      bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      bad.on('open', () => resolve(101))
    })
    bad.terminate()
    t.equal(status, 401, `refused: ${url.includes('wrong') ? 'wrong token' : 'no token'}`)
    t.same(messages, [], 'no data sent')
  }

  const heapBefore = process.memoryUsage().heapUsed
  const screens = Array.from({ length: CLIENTS }, () => connect(`ws://127.0.0.1:${port}/live?token=${TOKEN}`))
  await Promise.all(screens.map((s) => s.opened))
  t.teardown(() => screens.forEach((s) => s.ws.terminate()))
  await eventually(async () => (screens.every((s) => s.received.some((r) => r.msg.type === 'snapshot')) ? true : undefined), 10_000, 'every snapshot')
  t.ok(screens.every((s) => s.received[0]!.msg.type === 'snapshot'), 'the snapshot comes first')

  // Ten chats open one after another; each screen sees each of them arrive in a delta.
  const s0 = Math.floor(Date.now() / 1000)
  const sentAt = new Map<number, number>()
  for (let i = 0; i < 10; i++) {
    const ts = s0 - 30 + i
    sentAt.set(ts * 1000, Date.now())
    t.equal((await postSigned(ingestUrl, JSON.stringify(textWebhook({ line: LINE, from: `39333000${1000 + i}`, ts, id: `wamid.wallboard-${i}` })))).status, 200)
    await new Promise((r) => setTimeout(r, 300))
  }
  const firstSeen = (s: (typeof screens)[number], since: number) =>
    s.received.find((r) => (r.msg.changes?.waiting ?? r.msg.state?.waiting ?? []).some((c) => c.waitingSince === since))
  await eventually(async () => (screens.every((s) => [...sentAt.keys()].every((since) => firstSeen(s, since))) ? true : undefined), 20_000, 'every chat on every screen')

  // Fan-out: from the server sending an update to each screen having it.
  const fanout = screens.flatMap((s) => s.received.filter((r) => r.msg.type === 'delta').map((r) => r.at - r.msg.serverTime)).sort((a, b) => a - b)
  const endToEnd = screens.flatMap((s) => [...sentAt].map(([since, sent]) => firstSeen(s, since)!.at - sent)).sort((a, b) => a - b)
  const p99 = (xs: number[]) => xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!
  const heapAfter = process.memoryUsage().heapUsed
  t.comment(`${CLIENTS} screens: ${fanout.length} deltas delivered, fan-out p50 ${fanout[Math.floor(fanout.length / 2)]} ms, p99 ${p99(fanout)} ms; webhook → on every screen p50 ${endToEnd[Math.floor(endToEnd.length / 2)]} ms, p99 ${p99(endToEnd)} ms; heap ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB more with the screens connected`)
  t.ok(p99(fanout) < 1_000, `update latency p99 ${p99(fanout)} ms (under 1 s)`)
  t.ok(screens.every((s) => s.received.every((r, i) => i === 0 || r.msg.seq > s.received[i - 1]!.msg.seq)), 'updates arrive in order on every screen')
  t.match(await (await fetch(`${processor.privateUrl}/metrics`)).text(), new RegExp(`deskpulse_wallboard_clients ${CLIENTS}\\b`))
  t.notOk(screens[0]!.received.some((r) => JSON.stringify(r.msg).includes('39333000')), 'no phone number on the wallboard')
})
