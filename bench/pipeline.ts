/**
 * npm run bench:pipeline — the whole path, measured from outside as a user runs it: `deskpulse
 * start` (ingest and processor in one process, its own nats-server, embedded ClickHouse) in a
 * temporary data directory, signed webhooks sent by autocannon from this process.
 *
 * Prints, on the machine it ran on:
 * 1. the raw JetStream publish and consume rates of the same nats-server (the physical limit);
 * 2. on the idle pipeline, the latency from a webhook's 200 to the event in `/metrics`, in the
 *    wallboard's feed and in ClickHouse (p50/p99/max over BENCH_SAMPLES, default 200);
 * 3. per traffic shape and offered rate: offered, acknowledged and processed events/s, lag (max
 *    and p99, from the ingest's and the processor's own counters), catch-up time, ingest latency,
 *    CPU per process;
 * 4. the webhook → `/metrics` and → wallboard latency again under half the target load;
 * 5. the ingest at full speed (one and five events per webhook), as a share of raw publish;
 * 6. on a fresh engine posting to a real Alertmanager: breach moment → the receiver, idle, under
 *    the many shape at 3,000 events/s and under the ingest at full speed.
 *
 * Environment: BENCH_SECONDS (per phase, default 15), BENCH_SAMPLES (200), BENCH_SHAPES
 * (many,new,mix), BENCH_QUICK=1 (fewer rates), BENCH_PROFILE=1 (the engine's CPU profile into
 * bench-profiles/; `node --import tsx bench/profile-summary.ts FILE` summarises it).
 */
import autocannon from 'autocannon'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import getPort from 'get-port'
import WebSocket from 'ws'
import { headers as natsHeaders } from '@nats-io/transport-node'
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connectBus } from '../bus/connect.js'
import { signBody } from '../ingest/whatsapp/signature.js'
import { normaliseWebhook } from '../ingest/whatsapp/normalise.js'
import { createCustomerKeyer } from '../ingest/pii.js'
import { simulate } from '../cli/simulate/index.js'
import { metaJson } from '../cli/simulate/send.js'
import { startAlertmanager } from '../runtime/alertmanager.js'
import { alertmanagerConfig, startReceiver, type Delivered } from '../test/helpers/alert-receiver.js'

const SECRET = 'bench-app-secret-0123456789'
const API_TOKEN = 'bench-api-token-0123456789'
const ADMIN_TOKEN = 'bench-admin-token-0123456789'
const WALL_TOKEN = 'bench-wall-token'
const PII = 'bench-pii-key-0123456789abcdef'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15)
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200)
const SHAPES = (process.env.BENCH_SHAPES ?? 'many,new,mix').split(',')
const QUICK = process.env.BENCH_QUICK === '1'
/** Which parts to run: raw, idle, load, half, full, alert (default all). */
const SECTIONS = (process.env.BENCH_SECTIONS ?? 'raw,idle,load,half,full,alert').split(',')
const LINE = '106540352242922'
/** Probes come on a line of their own, so their counts can be told from the load's. */
const PROBE_LINE = '106540352249999'
const MESSAGES_PER_WEBHOOK = 5

// ---------------------------------------------------------------------------------------------
// Bodies. Every timestamp is the moment of sending: the engine runs on wall time.

let serial = 0
const run = Date.now().toString(36)

function inboundWebhook(line: string, customers: readonly string[], body = 'Buongiorno, vorrei sapere quando arriva il mio ordine, grazie'): string {
  const ts = String(Math.floor(Date.now() / 1000))
  const messages = customers.map((c) => ({ from: c, id: `wamid.BENCH${run}${serial++}`, timestamp: ts, type: 'text', text: { body } }))
  return metaJson({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: line },
              contacts: customers.map((c) => ({ profile: { name: 'Cliente' }, wa_id: c })),
              messages,
            },
          },
        ],
      },
    ],
  })
}

interface Shape {
  name: string
  what: string
  /** Events per request on average (for the offered rate). */
  eventsPerRequest: number
  next(): { path: string; body: string; headers: Record<string, string> }
}

const signed = (body: string) => ({ path: '/webhooks/whatsapp', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SECRET) } })

/** 5,000 customers writing again and again: the conversations stay open and take many messages. */
function manyMessages(): Shape {
  let i = 0
  return {
    name: 'many',
    what: `5,000 customers, ${MESSAGES_PER_WEBHOOK} inbound messages per webhook`,
    eventsPerRequest: MESSAGES_PER_WEBHOOK,
    next: () => signed(inboundWebhook(LINE, Array.from({ length: MESSAGES_PER_WEBHOOK }, () => `39333${String(1_000_000 + (i++ % 5_000))}`))),
  }
}

/** Every message from a customer never seen: every event opens a conversation. */
function newConversations(): Shape {
  let i = 0
  const base = 2_000_000 + Math.floor(Math.random() * 1_000_000) * 10
  return {
    name: 'new',
    what: `every message a new conversation, ${MESSAGES_PER_WEBHOOK} per webhook`,
    eventsPerRequest: MESSAGES_PER_WEBHOOK,
    next: () => signed(inboundWebhook(LINE, Array.from({ length: MESSAGES_PER_WEBHOOK }, () => `3934${String(base + i++)}`))),
  }
}

/**
 * `deskpulse simulate`'s day in its own order (webhooks of messages and statuses, the helpdesk's
 * events), every timestamp moved to the moment of sending: the realistic mix of kinds, at the
 * offered rate rather than the day's.
 */
function simulatedMix(): Shape {
  const { lines } = simulate({ seed: 7, conversations: 4_000 })
  const parsed = lines.map((l) => JSON.parse(l) as { webhook?: unknown; event?: Record<string, unknown> })
  const counts = parsed.map((p) => (p.event ? 1 : countItems(p.webhook)))
  const perRequest = counts.reduce((a, b) => a + b, 0) / counts.length
  let i = 0
  let round = 0
  return {
    name: 'mix',
    what: `deskpulse simulate's day (seed 7, 4,000 conversations; ${lines.length} requests, ${perRequest.toFixed(2)} events each), timestamps at sending`,
    eventsPerRequest: perRequest,
    next() {
      if (i === lines.length) {
        i = 0
        round++
      }
      const suffix = `r${run}${round}`
      const now = Date.now()
      const text = lines[i++]!
        .replace(/"timestamp":"\d+"/g, `"timestamp":"${Math.floor(now / 1000)}"`)
        .replace(/"at":"[^"]+"/g, `"at":"${new Date(now).toISOString()}"`)
        .replace(/"(wamid\.[A-Za-z0-9+/=_-]+)"/g, `"$1${suffix}"`)
        .replace(/"id":"(sim\d+-[0-9a-z]+)"/g, `"id":"$1${suffix}"`)
      const line = JSON.parse(text) as { webhook?: unknown; event?: unknown }
      if (line.webhook !== undefined) return signed(metaJson(line.webhook))
      return { path: '/v1/events', body: JSON.stringify(line.event), headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` } }
    },
  }
}

function countItems(webhook: unknown): number {
  let n = 0
  for (const entry of (webhook as { entry?: Array<{ changes?: Array<{ value?: { messages?: unknown[]; statuses?: unknown[] } }> }> }).entry ?? [])
    for (const c of entry.changes ?? []) n += (c.value?.messages?.length ?? 0) + (c.value?.statuses?.length ?? 0)
  return Math.max(n, 1)
}

// ---------------------------------------------------------------------------------------------
// The engine under test.

interface Engine {
  child: ChildProcess
  ingest: string
  processor: string
  processorPrivate: string
  ingestPrivate: string
  nats: string
  dir: string
}

async function startEngine(extraEnv: Record<string, string> = {}): Promise<Engine> {
  const dir = await mkdtemp(path.join(tmpdir(), 'deskpulse-bench-pipeline-'))
  const [port, processorPort, natsPort, natsMonitorPort, ingestPrivatePort, processorPrivatePort] = [await getPort(), await getPort(), await getPort(), await getPort(), await getPort(), await getPort()]
  // BENCH_PROFILE=1: the engine writes a V8 CPU profile per thread when it stops (bench/profile-summary.ts
  // reads it). Node refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve('bench-profiles')}`] : []
  const child = spawn(process.execPath, [...profile, fileURLToPath(new URL('../bin/deskpulse.js', import.meta.url)), 'start'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PROCESSOR_PORT: String(processorPort),
      INGEST_PRIVATE_PORT: String(ingestPrivatePort),
      PROCESSOR_PRIVATE_PORT: String(processorPrivatePort),
      NATS_PORT: String(natsPort),
      NATS_MONITOR_PORT: String(natsMonitorPort),
      NATS_URL: '',
      CLICKHOUSE_URL: '',
      DESKPULSE_DATA_DIR: dir,
      ...extraEnv,
      WHATSAPP_APP_SECRET: SECRET,
      WHATSAPP_VERIFY_TOKEN: 'bench-verify',
      DESKPULSE_API_TOKEN: API_TOKEN,
      DESKPULSE_ADMIN_TOKEN: ADMIN_TOKEN,
      DESKPULSE_WALLBOARD_TOKEN: WALL_TOKEN,
      DESKPULSE_PII_KEY: PII,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  })
  const engine = {
    child,
    dir,
    ingest: `http://127.0.0.1:${port}`,
    processor: `http://127.0.0.1:${processorPort}`,
    processorPrivate: `http://127.0.0.1:${processorPrivatePort}`,
    ingestPrivate: `http://127.0.0.1:${ingestPrivatePort}`,
    nats: `nats://127.0.0.1:${natsPort}`,
  }
  const deadline = Date.now() + 120_000
  for (const url of [`${engine.ingest}/readyz`, `${engine.processor}/readyz`]) {
    for (;;) {
      try {
        if ((await fetch(url)).ok) break
      } catch {}
      if (Date.now() > deadline) throw new Error(`${url} did not answer in 120 s`)
      await sleep(200)
    }
  }
  return engine
}

async function stopEngine(e: Engine) {
  const exited = new Promise((r) => e.child.once('exit', r))
  e.child.kill('SIGINT')
  await Promise.race([exited, sleep(20_000)])
  if (e.child.exitCode === null) process.kill(-e.child.pid!, 'SIGKILL')
  await rm(e.dir, { recursive: true, force: true })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------------------------------------
// Reading the engine's own counters.

async function scrape(url: string, auth = true): Promise<string> {
  const res = await fetch(url, auth ? { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } } : {})
  return res.text()
}

/** Sum of a metric's samples whose labels contain every `match`. */
function sum(text: string, name: string, ...match: string[]): number {
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue
    if (match.some((m) => !line.includes(m))) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}

// An agent.status is published once and processed by every partition: both sides leave it out.
const AGENT_STATUS = 'kind="agent.status"'
const published = async (e: Engine) => {
  const text = await scrape(`${e.ingestPrivate}/metrics`)
  return sum(text, 'deskpulse_ingest_events_published_total') - sum(text, 'deskpulse_ingest_events_published_total', AGENT_STATUS)
}
const processorMetrics = (e: Engine) => scrape(`${e.processorPrivate}/metrics`)
const processedOf = (text: string) => sum(text, 'deskpulse_events_processed_total') - sum(text, 'deskpulse_events_processed_total', AGENT_STATUS)

// ---------------------------------------------------------------------------------------------
// CPU per process, from /proc (user + system seconds).

function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function processes(e: Engine): Record<string, number> {
  const out: Record<string, number> = { deskpulse: e.child.pid!, 'load generator (this process)': process.pid }
  for (const pid of childrenOf(e.child.pid!)) {
    const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
    out[name] = pid
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Raw JetStream, on the engine's own nats-server, in a scratch stream like the engine's.

async function rawJetStream(e: Engine, count: number) {
  const nc = await connectBus(e.nats, 'bench-raw')
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  await jsm.streams.add({ name: 'BENCH_RAW', subjects: ['benchraw.>'] })
  const keyer = createCustomerKeyer(PII)
  const enc = new TextEncoder()
  const payloads = Array.from({ length: count }, (_, i) => {
    const body = JSON.parse(inboundWebhook(LINE, [`39335${String(1_000_000 + i)}`])) as never
    const ev = normaliseWebhook(body, { keyCustomer: keyer, storeText: false, receivedAt: new Date().toISOString() })[0]!
    return { id: ev.id, data: enc.encode(JSON.stringify(ev)) }
  })
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: 512 }, async () => {
      while (next < payloads.length) {
        const p = payloads[next++]!
        const h = natsHeaders()
        h.set('Nats-Msg-Id', p.id)
        await js.publish(`benchraw.${next % 8}.message.in`, p.data, { headers: h })
      }
    }),
  )
  const publish = count / ((performance.now() - started) / 1000)
  // As the processor's consumers: acknowledged in bulk, no limit on unacknowledged messages.
  await jsm.consumers.add('BENCH_RAW', { durable_name: 'raw', ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: -1 })
  const consumer = await js.consumers.get('BENCH_RAW', 'raw')
  const dec = new TextDecoder()
  const t0 = performance.now()
  let seen = 0
  const messages = await consumer.consume({ max_messages: 10_000 })
  for await (const m of messages) {
    JSON.parse(dec.decode(m.data))
    if (++seen % 5_000 === 0 || seen === count) m.ack()
    if (seen === count) break
  }
  const consume = count / ((performance.now() - t0) / 1000)
  await jsm.streams.delete('BENCH_RAW')
  await nc.close()
  return { publish, consume }
}

// ---------------------------------------------------------------------------------------------
// Latency of one event: webhook answered → /metrics, wallboard feed, ClickHouse.

interface Watch {
  /** Resolves when the feed shows more opened conversations than `than`. */
  openedAbove(than: number): Promise<number>
  opened: number
  close(): void
}

async function watchWallboard(e: Engine): Promise<Watch> {
  const ws = new WebSocket(`${e.processor.replace('http', 'ws')}/live?token=${WALL_TOKEN}`)
  let opened = -1
  let waiters: Array<{ than: number; resolve: (t: number) => void }> = []
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { type: string; state?: { lastHour: { opened: number } }; changes?: { lastHour?: { opened: number } } }
    const value = msg.type === 'snapshot' ? msg.state?.lastHour.opened : msg.changes?.lastHour?.opened
    if (value === undefined) return
    opened = value
    const now = performance.now()
    waiters = waiters.filter((w) => {
      if (opened > w.than) w.resolve(now)
      return opened <= w.than
    })
  })
  await new Promise((r, j) => ws.once('open', r).once('error', j))
  while (opened < 0) await sleep(20)
  return {
    get opened() {
      return opened
    },
    openedAbove: (than) => (opened > than ? Promise.resolve(performance.now()) : new Promise((resolve) => waiters.push({ than, resolve }))),
    close: () => ws.close(),
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 5): Promise<number> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (await check()) return performance.now()
    await sleep(everyMs)
  }
  return NaN
}

interface LatencySamples {
  metrics: number[]
  wallboard: number[]
  clickhouse: number[]
}

/** One probe at a time: a new customer's message on the probe line. */
const debugT0 = performance.now()
async function probeLatency(e: Engine, samples: number, withStore: boolean): Promise<LatencySamples> {
  const wall = await watchWallboard(e)
  const out: LatencySamples = { metrics: [], wallboard: [], clickhouse: [] }
  // BENCH_DEBUG: the processor's thread answering /healthz, every 20 ms (is it blocked?).
  let healthMax = 0
  let polling = !!process.env.BENCH_DEBUG
  void (async () => {
    while (polling) {
      const t = performance.now()
      await fetch(`${e.processor}/healthz`).catch(() => undefined)
      healthMax = Math.max(healthMax, performance.now() - t)
      await sleep(20)
    }
  })()
  const probeCount = async () => sum(await processorMetrics(e), 'helpdesk_messages_total', `line="${PROBE_LINE}"`, 'direction="in"')
  const stored = async () => sum(await processorMetrics(e), 'deskpulse_processor_events_stored_total')
  for (let i = 0; i < samples; i++) {
    const before = await probeCount()
    const storedBefore = withStore ? await stored() : 0
    const openedBefore = wall.opened
    const req = signed(inboundWebhook(PROBE_LINE, [`39377${String(1_000_000 + i)}${Math.floor(Math.random() * 10)}`]))
    const res = await fetch(`${e.ingest}${req.path}`, { method: 'POST', body: req.body, headers: req.headers })
    const acked = performance.now()
    if (!res.ok) throw new Error(`probe answered ${res.status}`)
    const [m, w, c] = await Promise.all([
      until(async () => (await probeCount()) > before, 10_000),
      Promise.race([wall.openedAbove(openedBefore), sleep(10_000).then(() => NaN)]),
      withStore ? until(async () => (await stored()) > storedBefore, 10_000, 10) : Promise.resolve(NaN),
    ])
    out.metrics.push(m - acked)
    out.wallboard.push(w - acked)
    if (process.env.BENCH_DEBUG && m - acked > 1_000) {
      const text = await processorMetrics(e)
      const pick = (n: string) => sum(text, n).toFixed(3)
      process.stderr.write(`slow probe ${i}: ${(m - acked).toFixed(0)} ms at +${((acked - debugT0) / 1000).toFixed(1)} s; lag ${pick('deskpulse_processor_lag_seconds')} loop max ${pick('nodejs_eventloop_lag_max_seconds')} checkpoint ${pick('deskpulse_processor_checkpoint_seconds')} healthz max ${healthMax.toFixed(0)} ms\n`)
    }
    healthMax = 0
    if (withStore) out.clickhouse.push(c - acked)
    // Desynchronise from the engine's timers.
    await sleep(20 + Math.random() * 180)
  }
  wall.close()
  polling = false
  return out
}

const nearestRank = (xs: number[], q: number) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  return s.length ? s[Math.max(0, Math.ceil(q * s.length) - 1)]! : NaN
}
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : 'n/a')
function latencyRow(name: string, xs: number[]) {
  const lost = xs.filter((x) => !Number.isFinite(x)).length
  return `  ${name.padEnd(26)} p50 ${ms(nearestRank(xs, 0.5)).padStart(7)}   p99 ${ms(nearestRank(xs, 0.99)).padStart(7)}   max ${ms(nearestRank(xs, 1)).padStart(7)}   (${xs.length - lost} samples${lost ? `, ${lost} not seen in 10 s` : ''})\n`
}

// ---------------------------------------------------------------------------------------------
// Load at a fixed rate.

interface PhaseResult {
  offered: number
  acked: number
  processed: number
  lagMax: number
  lagP99: number
  coreLagMax: number
  catchUp: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  cpu: Record<string, number>
}

async function phase(e: Engine, shape: Shape, eventsPerSecond: number | null, opts: { seconds?: number; connections?: number } = {}): Promise<PhaseResult> {
  const seconds = opts.seconds ?? SECONDS
  const procs = processes(e)
  const cpuBefore = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid)]))
  const pub0 = await published(e)
  const proc0 = processedOf(await processorMetrics(e))
  // Counters sampled every 100 ms: lag is how long ago the ingest had published what the
  // processor has processed now.
  const series: Array<{ t: number; pub: number; proc: number; coreLag: number }> = []
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const t = performance.now()
      const [pub, text] = await Promise.all([published(e), processorMetrics(e)])
      series.push({ t, pub, proc: processedOf(text), coreLag: sum(text, 'deskpulse_processor_lag_seconds') })
      await sleep(100)
    }
  })()
  const t0 = performance.now()
  const instance = autocannon({
    url: e.ingest,
    connections: opts.connections ?? 32,
    duration: seconds,
    ...(eventsPerSecond ? { overallRate: Math.max(1, Math.round(eventsPerSecond / shape.eventsPerRequest)) } : {}),
    requests: [{ method: 'POST', setupRequest: (req: autocannon.Request) => ({ ...req, ...shape.next() }) }],
    // The promise is also the run (autocannon's docs): it has stop().
  }) as Promise<autocannon.Result> & { stop(): void }
  running.add(instance)
  const result = await instance
  running.delete(instance)
  const loadEnd = performance.now()
  const pubEnd = await published(e)
  // Catch-up: until the processor has processed all that was published.
  const caught = await until(async () => processedOf(await processorMetrics(e)) - proc0 >= pubEnd - pub0, 120_000, 50)
  sampling = false
  await sampler
  const cpu = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, (cpuSeconds(pid) - cpuBefore[k]!) / ((caught || performance.now()) / 1000 - t0 / 1000)]))
  const lags: number[] = []
  for (const s of series) {
    if (s.t > loadEnd) break
    // The earliest sample at which the ingest had published as much as is processed now.
    // (Scraped apart, the processed count can be a little ahead of the published one: lag 0.)
    const first = series.find((p) => p.pub - pub0 >= s.proc - proc0)
    lags.push(first ? Math.max(0, s.t - first.t) : 0)
  }
  const procEnd = series.filter((s) => s.t <= loadEnd).at(-1)?.proc ?? proc0
  return {
    offered: eventsPerSecond ?? NaN,
    acked: (pubEnd - pub0) / ((loadEnd - t0) / 1000),
    processed: (procEnd - proc0) / ((loadEnd - t0) / 1000),
    lagMax: Math.max(0, ...lags),
    lagP99: nearestRank(lags, 0.99),
    coreLagMax: Math.max(0, ...series.map((s) => s.coreLag)),
    catchUp: Number.isFinite(caught) ? Math.max(0, caught - loadEnd) : NaN,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpu,
  }
}

function phaseRow(label: string, r: PhaseResult): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(0).padStart(6) : '   max')
  const s = (x: number) => (Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : '> 120 s')
  const cpu = Object.entries(r.cpu)
    .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
    .join(', ')
  return (
    `  ${label.padEnd(10)} offered ${f(r.offered)}   acked ${f(r.acked)}   processed ${f(r.processed)} ev/s   lag max ${s(r.lagMax)} p99 ${s(r.lagP99)}   catch-up ${s(r.catchUp)}   ingest p50 ${r.p50} ms p99 ${r.p99} ms${r.non2xx || r.errors ? `   non-2xx ${r.non2xx} errors ${r.errors}` : ''}\n` +
    `  ${''.padEnd(10)} CPU of one core: ${cpu}; processor's own lag gauge max ${r.coreLagMax.toFixed(2)} s\n`
  )
}

// ---------------------------------------------------------------------------------------------

/**
 * Each section after the idle one runs on a fresh engine: conversations a phase opens and nobody
 * answers all breach five minutes later, and a later section would measure that storm (150,000
 * breaches after the new-conversation shape) instead of its own load.
 */
async function withEngine<T>(f: (e: Engine) => Promise<T>, extraEnv: Record<string, string> = {}): Promise<T> {
  const e = await startEngine(extraEnv)
  try {
    return await f(e)
  } finally {
    await stopEngine(e)
  }
}

async function main() {
  const out = (s: string) => process.stdout.write(s)
  out(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${execFileSync('nats-server', ['--version']).toString().trim()}, ${new Date().toISOString().slice(0, 16)}Z\n`)
  out(`engine: deskpulse start (ingest + processor in one process, its own nats-server, embedded ClickHouse), a fresh one per section; load: autocannon in this process; ${SECONDS} s per phase\n\n`)
  const raw = await withEngine(async (e) => {
    const raw = SECTIONS.includes('raw') || SECTIONS.includes('full') ? await rawJetStream(e, 100_000) : { publish: NaN, consume: NaN }
    if (SECTIONS.includes('raw')) out(`raw JetStream on the same nats-server (one client, 512 publishes in flight, file storage, 100,000 canonical events):\n  publish ${raw.publish.toFixed(0)} events/s, consume ${raw.consume.toFixed(0)} events/s\n\n`)
    if (SECTIONS.includes('idle')) {
      out(`idle pipeline, one webhook at a time (${SAMPLES} samples), from the webhook's 200 to:\n`)
      const idle = await probeLatency(e, SAMPLES, true)
      out(latencyRow('/metrics (its counter)', idle.metrics))
      out(latencyRow('the wallboard feed', idle.wallboard))
      out(latencyRow('ClickHouse (row written)', idle.clickhouse))
      out('\n')
    }
    return raw
  })

  const shapes: Array<[Shape, number[]]> = []
  if (!SECTIONS.includes('load')) SHAPES.length = 0
  if (SHAPES.includes('many')) shapes.push([manyMessages(), QUICK ? [3_000, 6_000] : [2_000, 4_000, 6_000, 8_000]])
  if (SHAPES.includes('new')) shapes.push([newConversations(), QUICK ? [4_000] : [2_000, 4_000, 5_000]])
  if (SHAPES.includes('mix')) shapes.push([simulatedMix(), QUICK ? [4_000] : [2_000, 4_000, 6_000]])
  for (const [shape, rates] of shapes) {
    await withEngine(async (e) => {
      out(`${shape.name}: ${shape.what}\n`)
      for (const rate of rates) out(phaseRow(`${rate}/s`, await phase(e, shape, rate)))
      out('\n')
    })
  }

  if (SECTIONS.includes('half')) {
    await withEngine(async (e) => {
      out(`half-loaded pipeline (many-messages shape at 3,000 events/s), probes on their own line (${SAMPLES} samples), from the webhook's 200 to:\n`)
      const shape = manyMessages()
      // Warm the shape so its 5,000 conversations are open (new conversations then are probes only).
      await phase(e, shape, 3_000, { seconds: 3 })
      const loading = phase(e, shape, 3_000, { seconds: 3_600 })
      // The load is stopped by ending autocannon early: run probes, then let it end.
      const half = await probeLatency(e, SAMPLES, false)
      out(latencyRow('/metrics (its counter)', half.metrics))
      out(latencyRow('the wallboard feed', half.wallboard))
      stopLoad()
      await loading.catch(() => undefined)
      out('\n')
    })
  }

  if (SECTIONS.includes('full')) await withEngine((e) => fullSpeed(e, raw, out))
  if (SECTIONS.includes('alert')) await breachToAlertmanager(out)
}

async function fullSpeed(e: Engine, raw: { publish: number; consume: number }, out: (s: string) => void) {
  out('ingest at full speed (64 connections, no rate limit):\n')
  const one = await phase(e, { ...newConversations(), name: 'one', eventsPerRequest: 1, next: () => signed(inboundWebhook(LINE, [`3936${String(Math.floor(Math.random() * 1e9))}`])) }, null, { connections: 64 })
  out(phaseRow('1/webhook', one))
  const five = await phase(e, manyMessages(), null, { connections: 64 })
  out(phaseRow('5/webhook', five))
  out(`  acknowledged ÷ raw publish: ${(one.acked / raw.publish).toFixed(2)} (one event per webhook), ${(five.acked / raw.publish).toFixed(2)} (five)\n`)
  out(`  processed ÷ raw consume: ${(Math.max(one.processed, five.processed) / raw.consume).toFixed(2)}\n`)
  const text = await processorMetrics(e)
  out(`\nlast checkpoint: ${(sum(text, 'deskpulse_processor_checkpoint_bytes') / 1e6).toFixed(1)} MB in ${(sum(text, 'deskpulse_processor_checkpoint_seconds') * 1000).toFixed(0)} ms (summed over partitions and runners)\n`)
}

// ---------------------------------------------------------------------------------------------
// Breach → Alertmanager → receiver, on an idle engine and under load.

const ALERT_PROBES = 10

/**
 * A fresh engine posting to a real Alertmanager (Debian's prometheus-alertmanager, the shipped
 * alerting/alertmanager.yml with its receivers pointed at a webhook here). Probes are messages
 * dated 300 − k seconds ago on the probe line, so each breaches the five-minute rule k seconds
 * after it is sent; nobody answers. The delay is from the breach moment (message time + 300 s) to
 * the alert's arrival at the receiver.
 */
async function breachToAlertmanager(out: (s: string) => void) {
  try {
    execFileSync('prometheus-alertmanager', ['--version'], { stdio: 'ignore' })
  } catch {
    out('breach → Alertmanager: skipped (prometheus-alertmanager is not installed: apt-get install prometheus-alertmanager, or npm test once)\n')
    return
  }
  const teardowns: Array<() => unknown> = []
  const t = { teardown: (f: () => unknown) => teardowns.push(f) }
  try {
    const receiver = await startReceiver(t)
    const dir = await mkdtemp(path.join(tmpdir(), 'deskpulse-bench-am-'))
    teardowns.push(() => rm(dir, { recursive: true, force: true }))
    const am = await startAlertmanager({ dir, port: await getPort(), config: alertmanagerConfig(receiver.url) })
    teardowns.push(() => am.stop())
    const e = await startEngine({ ALERTMANAGER_URL: am.url })
    try {
      out(`breach → Alertmanager → receiver (${ALERT_PROBES} unanswered chats per row, each breaching 5–${4 + ALERT_PROBES} s after it is sent):\n`)
      out(latencyRow('idle', await breachProbes(e, receiver.delivered, 0)))
      const shape = manyMessages()
      await phase(e, shape, 3_000, { seconds: 3 })
      const loading = phase(e, shape, 3_000, { seconds: 3_600 })
      out(latencyRow('many shape at 3,000 ev/s', await breachProbes(e, receiver.delivered, 1)))
      stopLoad()
      await loading.catch(() => undefined)
      const full = phase(e, shape, null, { seconds: 3_600, connections: 64 })
      out(latencyRow('ingest at full speed', await breachProbes(e, receiver.delivered, 2)))
      stopLoad()
      await full.catch(() => undefined)
    } finally {
      await stopEngine(e)
    }
  } finally {
    for (const f of teardowns.reverse()) await f()
  }
  out('\n')
}

async function breachProbes(e: Engine, delivered: Delivered[], round: number): Promise<number[]> {
  const now = Math.floor(Date.now() / 1000)
  const sent = Array.from({ length: ALERT_PROBES }, (_, k) => ({ customer: `39388${round}${String(1_000_000 + k)}${run.slice(-3)}`, ts: now - 300 + 5 + k }))
  for (const p of sent) {
    const body = JSON.parse(inboundWebhook(PROBE_LINE, [p.customer])) as { entry: Array<{ changes: Array<{ value: { messages: Array<{ timestamp: string }> } }> }> }
    body.entry[0]!.changes[0]!.value.messages[0]!.timestamp = String(p.ts)
    const req = signed(metaJson(body))
    const res = await fetch(`${e.ingest}${req.path}`, { method: 'POST', body: req.body, headers: req.headers })
    if (!res.ok) throw new Error(`breach probe answered ${res.status}`)
  }
  // The conversation label ends with its waiting start (the message's time, ms): one per probe.
  const delays = await Promise.all(
    sent.map(async (p) => {
      const deadline = (p.ts + 300) * 1000 + 30_000
      for (;;) {
        const hit = delivered.find((d) => d.status === 'firing' && d.labels.level === 'breach' && d.labels.line === PROBE_LINE && d.labels.conversation?.endsWith(`#${p.ts * 1000}`))
        if (hit) return hit.receivedAt - (p.ts + 300) * 1000
        if (Date.now() > deadline) {
          if (process.env.BENCH_DEBUG) process.stderr.write(`not seen: ${p.ts}; delivered: ${JSON.stringify(delivered.slice(-3))}\n`)
          return NaN
        }
        await sleep(20)
      }
    }),
  )
  return delays
}

/** autocannon runs in flight, so that an open-ended phase can be ended from outside. */
const running = new Set<{ stop(): void }>()
function stopLoad() {
  for (const r of running) r.stop()
}

await main()
