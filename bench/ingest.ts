/**
 * npm run bench:ingest — signed, realistic WhatsApp webhooks POSTed by autocannon to the real
 * ingest (its own process, `deskpulse ingest`) with a real nats-server; every 200 means JetStream
 * acknowledged the event. Prints requests/s and latency at full load and at 2,000/s, next to the
 * rate one client can publish the same events to JetStream directly (the physical limit here).
 */
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import getPort from 'get-port'
import { headers as natsHeaders } from '@nats-io/transport-node'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { startNatsServer } from '../runtime/nats-server.js'
import { connectBus } from '../bus/connect.js'
import { ensureStream, STREAM } from '../bus/stream.js'
import { signBody } from '../ingest/whatsapp/signature.js'
import { normaliseWebhook } from '../ingest/whatsapp/normalise.js'
import { createCustomerKeyer } from '../ingest/pii.js'
import { partitionKey } from '../ingest/publish.js'
import { partitionOf, subjectFor } from '../bus/subjects.js'

const SECRET = 'bench-app-secret'
const PII = 'bench-pii-key-0123456789'
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
const WORKERS = process.env.INGEST_WORKERS ?? '2'

/** A realistic mix: inbound texts and delivery statuses, one item per POST as Meta mostly sends. */
function webhook(i: number): string {
  const line = `10654035224292${i % 4}`
  const customer = `39333${String(1000000 + (i % 50000))}`
  const value =
    i % 3 === 0
      ? { statuses: [{ id: `wamid.OUT${i}`, status: ['sent', 'delivered', 'read'][i % 3 === 0 ? (i / 3) % 3 : 0], timestamp: String(1764000000 + i), recipient_id: customer, pricing: { billable: true, pricing_model: 'PMP', category: 'service' } }] }
      : { contacts: [{ profile: { name: 'Cliente' }, wa_id: customer }], messages: [{ from: customer, id: `wamid.HBgMMzkzMzMx${i}`, timestamp: String(1764000000 + i), type: 'text', text: { body: 'Buongiorno, vorrei sapere quando arriva il mio ordine n. 4711, grazie' } }] }
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: line }, ...value } }] }],
  })
}

/** Bodies and signatures are made before the clock starts, so the load generator only sends. */
function requestsFrom(offset: number, count: number): autocannon.Request[] {
  const prepared = Array.from({ length: count }, (_, k) => {
    const body = webhook(offset + k)
    return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SECRET) } }
  })
  let i = 0
  return [
    {
      method: 'POST',
      path: '/webhooks/whatsapp',
      // Past the prepared set, bodies repeat: still signed, answered 200 as JetStream duplicates.
      setupRequest: (req: autocannon.Request) => ({ ...req, ...prepared[i++ % prepared.length]! }),
    },
  ]
}

/** CPU seconds (user + system) used by a process and its children (ingest workers), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  let children: number[] = []
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {}
  // Only the ingest's workers are followed: the bench's own children are the servers measured apart.
  const own = (Number(fields[11]) + Number(fields[12])) / 100
  return pid === process.pid ? own : own + children.reduce((sum, c) => sum + cpuSeconds(c), 0)
}

let pids: Record<string, number | undefined> = {}

async function load(url: string, opts: { offset: number; rate?: number; connections: number }) {
  const requests = requestsFrom(opts.offset, (opts.rate ?? 15_000) * DURATION)
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]))
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: DURATION,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    requests,
  })
  const cpu = Object.entries(pids)
    .map(([k, pid]) => `${k} ${((cpuSeconds(pid) - before[k]!) / result.duration * 100).toFixed(0)}%`)
    .join(', ')
  return {
    cpu,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  }
}

async function rawPublishRate(natsUrl: string, count: number): Promise<number> {
  const nc = await connectBus(natsUrl, 'bench-raw')
  const js = jetstream(nc)
  const keyer = createCustomerKeyer(PII)
  const enc = new TextEncoder()
  const events = Array.from({ length: count }, (_, i) =>
    normaliseWebhook(JSON.parse(webhook(10_000_000 + i)), { keyCustomer: keyer, storeText: false, receivedAt: new Date().toISOString() })[0]!,
  )
  const window = 512
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < events.length) {
        const e = events[next++]!
        const h = natsHeaders()
        h.set('Nats-Msg-Id', e.id)
        await js.publish(subjectFor(partitionOf(partitionKey(e), 8), e.kind), enc.encode(JSON.stringify(e)), { headers: h })
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  await nc.close()
  return count / seconds
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), 'deskpulse-bench-'))
  const nats = await startNatsServer({ storeDir: path.join(dir, 'nats'), port: await getPort(), monitorPort: await getPort() })
  const nc = await connectBus(nats.url, 'bench-setup')
  await ensureStream(nc)
  const port = await getPort()
  const ingest = spawn(process.execPath, [fileURLToPath(new URL('../bin/deskpulse.js', import.meta.url)), 'ingest'], {
    env: { ...process.env, NATS_URL: nats.url, PORT: String(port), HOST: '127.0.0.1', WHATSAPP_APP_SECRET: SECRET, DESKPULSE_PII_KEY: PII, DESKPULSE_API_TOKEN: 'bench-api-token-0123456789', WHATSAPP_VERIFY_TOKEN: 'v', LOG_LEVEL: 'warn', INGEST_WORKERS: WORKERS },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  pids = { 'nats-server': nats.pid, ingest: ingest.pid, autocannon: process.pid }
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break
    } catch {}
    if (i > 200) throw new Error('ingest did not start')
    await new Promise((r) => setTimeout(r, 100))
  }
  try {
    process.stdout.write(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${execFileSync('nats-server', ['--version']).toString().trim()}\n`)
    process.stdout.write(`load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per phase, one event per webhook, file-backed JetStream acks\n\n`)
    await load(url, { offset: 0, connections: CONNECTIONS }) // warm-up (JIT, stream files)
    const full = await load(url, { offset: 5_000_000, connections: CONNECTIONS })
    const paced = await load(url, { offset: 8_000_000, connections: 32, rate: 2_000 })
    const raw = await rawPublishRate(nats.url, 100_000)
    const jsm = await jetstreamManager(nc)
    const stored = (await jsm.streams.info(STREAM)).state.messages
    const row = (name: string, r: Awaited<ReturnType<typeof load>>) =>
      `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   non-2xx ${r.non2xx}   errors ${r.errors}\n${''.padEnd(29)}CPU of one core: ${r.cpu}\n`
    process.stdout.write(row('ingest, full load', full))
    process.stdout.write(row('ingest, paced at 2,000/s', paced))
    process.stdout.write(`${'raw JetStream publish'.padEnd(28)} ${raw.toFixed(0).padStart(7)} events/s (one client, 512 in flight, same events)\n`)
    process.stdout.write(`events in the stream: ${stored}\n`)
  } finally {
    ingest.kill('SIGTERM')
    await nc.close()
    await nats.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
