import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { jetstreamManager } from '@nats-io/jetstream'
import type { NatsConnection, RequestOptions } from '@nats-io/transport-node'
import { startNatsCluster, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { startIngest, streamEvents } from '../helpers/ingest.js'
import { postSigned, textWebhook, TEST_PII_KEY } from '../helpers/webhooks.js'
import { createMessageKeyer } from '../../ingest/pii.js'
import { connectBus } from '../../bus/connect.js'
import { STREAM, SUBJECT_ROOT } from '../../bus/stream.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'

const log = createLogger('silent')
const config = parseConfig({})
const TOTAL = 1_500
const PER_SECOND = 150
/** The stream leader is killed once this many webhooks have been sent (about a third). */
const KILL_AFTER = 500

/**
 * The ingest's own connection, counting the JetStream publishes of each event (by Nats-Msg-Id)
 * on their way through: every request still goes to the real servers.
 */
function countingPublishes(nc: NatsConnection) {
  const attempts = new Map<string, number>()
  const request = (subject: string, payload?: Uint8Array | string, opts?: RequestOptions) => {
    const id = subject.startsWith(`${SUBJECT_ROOT}.`) ? opts?.headers?.get('Nats-Msg-Id') : undefined
    if (id) attempts.set(id, (attempts.get(id) ?? 0) + 1)
    return nc.request(subject, payload, opts)
  }
  const proxy = new Proxy(nc, {
    get(target, key) {
      if (key === 'request') return request
      const v = Reflect.get(target, key, target) as unknown
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  return { nc: proxy, attempts }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0

t.test('NATS cluster of three, stream R3: the stream leader killed mid-run, every webhook answered 200 and stored once', async (t) => {
  const nats = await startNatsCluster(t)
  const jsm = await jetstreamManager(nats.nc)
  const before = await jsm.streams.info(STREAM)
  t.equal(before.config.num_replicas, 3, 'the stream has three replicas')
  t.equal((before.cluster?.replicas ?? []).filter((r) => r.current).length, 2, 'a leader and two current followers')
  const ch = await startClickHouse(t)

  // Ingest and processor each connect to all three servers, as NATS_URL would list them.
  const ingestNc = await connectBus(nats.urls, 'deskpulse-ingest')
  t.teardown(() => ingestNc.close())
  const spy = countingPublishes(ingestNc)
  const { url } = await startIngest(t, spy.nc)

  const processorNc = await connectBus(nats.urls, 'deskpulse-processor')
  t.teardown(() => processorNc.close())
  const processor = createProcessor(
    { host: '127.0.0.1', port: await freePort(), config, runner: { flushIntervalMs: 100 }, replicas: 3 },
    { nc: processorNc, clickhouse: ch.client, log },
  )
  await processor.start()
  t.teardown(() => processor.close())

  const rows = async () => {
    const r = await ch.client.query({ query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM events FINAL', format: 'JSONEachRow' })
    const [row] = await r.json<{ n: string; u: string }>()
    return { n: Number(row!.n), u: Number(row!.u) }
  }

  // ClickHouse's row count, sampled through the run: the processor's progress.
  const progress: Array<{ at: number; n: number }> = []
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      progress.push({ at: performance.now(), n: (await rows()).n })
      await sleep(200)
    }
  })()

  // Webhooks at a steady pace (open loop: a slow answer does not delay the next request).
  type Answer = { id: string; status: number | string; sentAt: number; ms: number }
  const answers: Promise<Answer>[] = []
  let killAt = 0
  let killed = ''
  let placement = ''
  let kill: Promise<void> = Promise.resolve()
  // The ingest's /readyz after the kill: for how long it said "not ready".
  let watching = true
  let notReady: Promise<number> = Promise.resolve(0)
  const watchReadiness = async () => {
    let ms = 0
    while (watching) {
      const at = performance.now()
      const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false)
      await sleep(100)
      if (!ok) ms += performance.now() - at
    }
    return ms
  }
  const start = performance.now()
  for (let i = 0; i < TOTAL; i++) {
    const due = start + (i * 1000) / PER_SECOND
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait)
    if (i === KILL_AFTER) {
      kill = (async () => {
        const leader = (await jsm.streams.info(STREAM)).cluster?.leader
        const victim = nats.cluster.servers.find((s) => s.name === leader)
        if (!victim) throw new Error(`no server named ${leader}`)
        killed = victim.name
        const on = (nc: NatsConnection) => nats.cluster.servers.find((s) => s.url.endsWith(`:${nc.info?.port}`))?.name
        placement = `ingest connected to ${on(ingestNc)}, processor to ${on(processorNc)}, processor consumer leader ${(await jsm.consumers.info(STREAM, config.processing.consumer_name)).cluster?.leader}`
        killAt = performance.now()
        await victim.kill()
        notReady = watchReadiness()
      })()
    }
    const id = `wamid.CLUSTER-${i}`
    const body = JSON.stringify(textWebhook({ id, from: `3933300${String(i % 97).padStart(5, '0')}`, ts: 1764000000 + i }))
    const sentAt = performance.now()
    answers.push(
      postSigned(url, body).then(
        async (res) => {
          await res.arrayBuffer()
          return { id, status: res.status, sentAt, ms: performance.now() - sentAt }
        },
        (err: Error) => ({ id, status: err.message, sentAt, ms: performance.now() - sentAt }),
      ),
    )
  }
  await kill
  const sentFor = performance.now() - start
  const all = await Promise.all(answers)

  watching = false
  const notReadyMs = await notReady
  const readyz = (await fetch(`${url}/readyz`)).status

  const failed = all.filter((a) => a.status !== 200)
  t.same(failed.map((a) => `${a.id}: ${a.status}`), [], `all ${TOTAL} requests answered 200`)
  t.equal(readyz, 200, 'the ingest is ready again after the failover')

  const afterKill = all.filter((a) => a.sentAt + a.ms >= killAt)
  const beforeKill = all.filter((a) => a.sentAt + a.ms < killAt).map((a) => a.ms).sort((a, b) => a - b)
  const retried = [...spy.attempts.values()].filter((n) => n > 1)
  const slowest = all.reduce((a, b) => (b.ms > a.ms ? b : a))
  t.comment(`killed ${killed} (the stream leader) after ${KILL_AFTER} of ${TOTAL} webhooks; sent at ${PER_SECOND}/s in ${(sentFor / 1000).toFixed(1)} s`)
  t.comment(placement)
  t.comment(`before the kill: p50 ${percentile(beforeKill, 0.5).toFixed(1)} ms, p99 ${percentile(beforeKill, 0.99).toFixed(1)} ms`)
  t.comment(`requests that needed a publish retry: ${retried.length} (publishes: ${[...spy.attempts.values()].reduce((a, b) => a + b, 0)} for ${TOTAL} events, most for one event: ${Math.max(...spy.attempts.values())})`)
  t.comment(`ingest /readyz answered 503 for about ${(notReadyMs / 1000).toFixed(1)} s after the kill`)
  t.comment(`longest request: ${(slowest.ms / 1000).toFixed(2)} s, sent ${((slowest.sentAt - killAt) / 1000).toFixed(2)} s after the kill; requests answered after the kill: ${afterKill.length}`)

  // The stream holds each event exactly once.
  const info = await jsm.streams.info(STREAM)
  t.equal(info.state.messages, TOTAL, 'the stream holds one message per webhook')
  const ids = new Set((await streamEvents(nats.nc)).map((e) => e.msgId))
  t.equal(ids.size, TOTAL, 'with distinct ids')
  const keyMessage = createMessageKeyer(TEST_PII_KEY)
  t.same(all.filter((a) => !ids.has(`wa:in:${keyMessage(a.id)}`)).map((a) => a.id), [], 'every acknowledged webhook is in the stream (wamids keyed)')
  t.not(info.cluster?.leader, killed, `a new stream leader (${info.cluster?.leader}) took over`)

  // The processor carries on to the last event.
  const final = await eventually(async () => {
    const r = await rows()
    return r.n === TOTAL ? r : undefined
  }, 50_000, `${TOTAL} rows in ClickHouse`)
  sampling = false
  await sampler
  t.same(final, { n: TOTAL, u: TOTAL }, 'ClickHouse holds every event once')
  const doneAt = performance.now()
  let stall = 0
  for (let i = 1; i < progress.length; i++) {
    const p = progress[i]!
    const q = progress[i - 1]!
    if (p.n === q.n && q.at >= killAt) {
      let j = i
      while (j < progress.length && progress[j]!.n === q.n) j++
      stall = Math.max(stall, (progress[j]?.at ?? doneAt) - q.at)
    }
  }
  t.comment(`processor: all ${TOTAL} rows in ClickHouse ${((doneAt - killAt) / 1000).toFixed(1)} s after the kill; longest pause in its progress after the kill: ${(stall / 1000).toFixed(1)} s`)

  // The killed server comes back and catches up.
  const victim = nats.cluster.servers.find((s) => s.name === killed)!
  const restartAt = performance.now()
  // Catching up every stream, consumer and bucket (two consumers per partition) takes longer
  // on a loaded 2-core machine than a cold start.
  await victim.restart(90_000)
  const replicas = await eventually(async () => {
    const r = (await jsm.streams.info(STREAM)).cluster?.replicas ?? []
    return r.length === 2 && r.every((p) => p.current) ? r : undefined
  }, 15_000, 'the restarted server to catch up')
  t.ok(replicas.some((r) => r.name === killed), `${killed} is a current replica again`)
  t.comment(`${killed} restarted and current again in ${((performance.now() - restartAt) / 1000).toFixed(1)} s`)
})
