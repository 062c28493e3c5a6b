/**
 * npm run bench:processor — the KPI core alone (no I/O): events/s on one core, and heap per
 * 100,000 open conversations. Events are built before the clock starts.
 */
import { cpus, totalmem } from 'node:os'
import { PerformanceObserver } from 'node:perf_hooks'
import { createEngine } from '../processor/core/engine.js'
import { createKpiPipeline } from '../processor/core/pipeline.js'
import { project } from '../processor/core/projection.js'
import { summariseMany } from '../processor/core/summary.js'
import { liveState } from '../processor/metrics/live-state.js'
import { wallboardState } from '../processor/wallboard/state.js'
import { decodeCheckpoint, encodeCheckpoint } from '../processor/shell/checkpoints.js'
import { serialize } from 'node:v8'
import { parseConfig } from '../schemas/config.js'
import type { CanonicalEvent } from '../schemas/events.js'

const config = parseConfig({})
const T0 = Date.parse('2026-11-23T00:00:00.000Z')
let seq = 0
const base = (ms: number, customer: string | null, line = 'L1') => {
  const at = new Date(T0 + ms).toISOString()
  return { v: 1 as const, id: `e${++seq}`, at, received_at: at, source: 'api' as const, line, customer }
}

/** A realistic conversation: message, assignment, reply, second message, reply, statuses, resolution. */
function conversation(i: number, startMs: number): CanonicalEvent[] {
  const c = `cust${i}`
  const agent = `a${i % 40}`
  const mid = (k: number) => `wamid.out${i}.${k}`
  const ev: CanonicalEvent[] = [
    { ...base(startMs, c), kind: 'message.in', message_id: `wamid.in${i}.1`, message_type: 'text', reply_id: null, context_id: null, digit: null, sentiment: 0.1, errors: [] },
    { ...base(startMs + 5_000, c), kind: 'conversation.assigned', agent_id: agent, team: 'support' },
    { ...base(startMs + 40_000, c), kind: 'message.out', message_id: mid(1), message_type: 'text', sender_kind: 'agent', agent_id: agent, survey: false },
    { ...base(startMs + 41_000, c), kind: 'message.status', message_id: mid(1), status: 'delivered', errors: [], pricing_category: 'service', conversation_origin: null },
    { ...base(startMs + 45_000, c), kind: 'message.status', message_id: mid(1), status: 'read', errors: [], pricing_category: 'service', conversation_origin: null },
    { ...base(startMs + 90_000, c), kind: 'message.in', message_id: `wamid.in${i}.2`, message_type: 'text', reply_id: null, context_id: null, digit: null, sentiment: -0.4, errors: [] },
    { ...base(startMs + 200_000, c), kind: 'message.out', message_id: mid(2), message_type: 'text', sender_kind: 'agent', agent_id: agent, survey: false },
    { ...base(startMs + 201_000, c), kind: 'message.status', message_id: mid(2), status: 'delivered', errors: [], pricing_category: 'service', conversation_origin: null },
    { ...base(startMs + 300_000, c), kind: 'conversation.resolved', by_kind: 'agent', agent_id: agent },
    { ...base(startMs + 301_000, c), kind: 'csat.response', score: 1 + (i % 5) },
  ]
  return ev
}

/**
 * Events as the processor's consumer hands them to the core: each one JSON-decoded from its
 * message (processor/shell/runner.ts), so the events of one kind share a hidden class. The
 * objects conversation() builds with spread each get a hidden class of their own in Node 20,
 * which makes every property read in the core a cache miss: measured that way, the core looked
 * ~40 % slower than it runs behind the consumer (docs/processor.md "Speed").
 */
const decoded = (events: CanonicalEvent[]): CanonicalEvent[] => events.map((e) => JSON.parse(JSON.stringify(e)) as CanonicalEvent)

/**
 * The stream in chunks of 500 conversations (≈ 5,000 events) built just before they are fed, so
 * the bench does not hold a million events alive (that would make every GC walk them).
 * Conversations start every 150 ms: about 2,000 open at a time, a busy helpdesk.
 */
function* chunks(conversations: number): Generator<CanonicalEvent[]> {
  const per = 500
  let pending: CanonicalEvent[] = []
  for (let from = 0; from < conversations; from += per) {
    const next: CanonicalEvent[] = []
    for (let i = from; i < Math.min(conversations, from + per); i++) next.push(...conversation(i, i * 150))
    // Events of a chunk reach up to 301 s past its last start: hold back what the next chunk precedes.
    const all = pending.concat(next).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    const cut = new Date(T0 + Math.min(conversations, from + per) * 150).toISOString()
    yield decoded(all.filter((e) => e.at < cut))
    pending = all.filter((e) => e.at >= cut)
  }
  yield decoded(pending)
}

/** Garbage collection pauses inside the timed sections (what the core's allocations cost). */
const pauses: Array<{ start: number; end: number }> = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration })
}).observe({ entryTypes: ['gc'] })
let timed: Array<{ start: number; end: number }> = []
/** Milliseconds of GC pause inside the timed intervals (observer entries arrive asynchronously). */
async function gcInTimed(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 50))
  let ms = 0
  for (const p of pauses) for (const t of timed) ms += Math.max(0, Math.min(p.end, t.end) - Math.max(p.start, t.start))
  pauses.length = 0
  timed = []
  return ms
}

async function throughput(conversations: number, label: string, feed: (e: CanonicalEvent) => void, end: () => void) {
  let ms = 0
  let count = 0
  await gcInTimed()
  for (const chunk of chunks(conversations)) {
    const started = performance.now()
    for (const e of chunk) feed(e)
    const ended = performance.now()
    timed.push({ start: started, end: ended })
    ms += ended - started
    count += chunk.length
  }
  const started = performance.now()
  end()
  const ended = performance.now()
  timed.push({ start: started, end: ended })
  ms += ended - started
  const gcMs = await gcInTimed()
  process.stdout.write(`${label.padEnd(34)} ${(count / (ms / 1000)).toFixed(0).padStart(9)} events/s  (${count} events, ${(ms / 1000).toFixed(2)} s of processing, ${((gcMs / ms) * 100).toFixed(0)} % of it in GC)\n`)
}

/** Memory the engine holds for `n` open conversations: V8 heap plus typed arrays (off-heap: timer heap, dedup table). */
function heapPerOpen(n: number): { heap: number; offHeap: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with node --expose-gc')
  const events = Array.from({ length: n }, (_, i): CanonicalEvent => ({
    ...base(i * 10, `open-customer-${String(i).padStart(7, '0')}`),
    kind: 'message.in', message_id: `wamid.open${i}`, message_type: 'text', reply_id: null, context_id: null, digit: null, sentiment: 0, errors: [],
  }))
  gc()
  const before = process.memoryUsage()
  const engine = createEngine(config)
  for (const e of events) engine.apply(e)
  gc()
  const after = process.memoryUsage()
  if (engine.view.convs.size !== n) throw new Error('not all conversations are open')
  return { heap: after.heapUsed - before.heapUsed, offHeap: after.arrayBuffers - before.arrayBuffers }
}

const N = Number(process.env.BENCH_CONVERSATIONS ?? 100_000)
process.stdout.write(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; one core (single thread)\n\n`)
// Warm-up so the JIT has seen every path; ids differ so nothing is deduplicated away.
{
  const warm = createEngine(config)
  for (const chunk of chunks(20_000)) for (const e of chunk) warm.apply(e)
}
const engine = createEngine(config)
let drained = 0
// Effects and changed conversations are handed to sinks in batches, as the shell does.
await throughput(N, 'core (engine.apply)', (e) => {
  engine.apply(e)
  if (++drained % 1000 === 0) {
    engine.drainEffects()
    engine.drainChanged()
  }
}, () => engine.advance(T0 + N * 150 + 8 * 86_400_000))
const pipeline = createKpiPipeline(config, 5_000)
let k = 0
await throughput(N, 'reorder buffer + core', (e) => {
  pipeline.push(e)
  if (++k % 64 === 0) {
    pipeline.catchUp()
    pipeline.engine.drainEffects()
    pipeline.engine.drainChanged()
  }
}, () => pipeline.finish())
const heap = heapPerOpen(100_000)
const total = heap.heap + heap.offHeap
process.stdout.write(`memory per 100,000 open conversations  ${(total / 2 ** 20).toFixed(1)} MB (${(total / 100_000).toFixed(0)} bytes each): V8 heap ${(heap.heap / 2 ** 20).toFixed(1)} MB + typed arrays ${(heap.offHeap / 2 ** 20).toFixed(1)} MB (timer heap, dedup table)\n`)

/**
 * What grows with the open state, at 100,000 open conversations (one core, one partition): the
 * checkpoint (encoded on the main thread, docs/processor.md "Checkpoints"), its restore, and the
 * readers' walks over the read model: the gauges (live state), the wallboard, /v1/summary.
 */
function atOpenState(n: number) {
  const pipeline = createKpiPipeline(config, 100)
  for (let i = 0; i < n; i++) {
    pipeline.push(JSON.parse(JSON.stringify({
      ...base(i * 10, `open-customer-${String(i).padStart(7, '0')}`),
      kind: 'message.in', message_id: `wamid.state${i}`, message_type: 'text', reply_id: null, context_id: null, digit: null, sentiment: 0, errors: [],
    })) as CanonicalEvent)
    if (i % 50 === 0) pipeline.push(JSON.parse(JSON.stringify({ ...base(i * 10 + 5, `open-customer-${String(i).padStart(7, '0')}`), kind: 'conversation.assigned', agent_id: `a${i % 400}`, team: `t${i % 10}` })) as CanonicalEvent)
  }
  const now = T0 + n * 10 + 1_000
  pipeline.tick(now)
  pipeline.engine.drainEffects()
  pipeline.engine.drainChanged()
  const time = (f: () => unknown, runs = 5) => {
    f()
    const xs: number[] = []
    for (let r = 0; r < runs; r++) {
      const t = performance.now()
      f()
      xs.push(performance.now() - t)
    }
    return xs.sort((a, b) => a - b)[Math.floor(runs / 2)]!
  }
  const cp = () => ({ v: 1 as const, seq: 1, takenAt: new Date(now).toISOString(), pipeline: pipeline.exportState() })
  let asRows: Uint8Array = new Uint8Array()
  const encodeRows = time(() => (asRows = serialize(cp())))
  let bytes: Uint8Array = new Uint8Array()
  const encode = time(() => (bytes = encodeCheckpoint(cp())))
  const restore = time(() => createKpiPipeline(config, 100, decodeCheckpoint(bytes).pipeline))
  const engines = [pipeline.engine]
  const rows: Array<[string, number]> = [
    ['checkpoint encode, as rows (before)', encodeRows],
    ['checkpoint encode (columns)', encode],
    ['checkpoint restore (deserialize + core)', restore],
    ['gauges\' live state (liveState)', time(() => liveState(engines, now))],
    ['projection with waiting chats', time(() => project(engines, now))],
    ['wallboard state', time(() => wallboardState(engines, now))],
    ['/v1/summary (summariseMany)', time(() => summariseMany(engines, now))],
  ]
  process.stdout.write(`\nat ${n.toLocaleString('en')} open conversations (one partition; median of 5 runs):\n`)
  process.stdout.write(`  checkpoint size, as rows (before)        ${(asRows.length / 1e6).toFixed(1)} MB (${(asRows.length / n).toFixed(0)} bytes per open conversation)\n`)
  process.stdout.write(`  checkpoint size (columns)                ${(bytes.length / 1e6).toFixed(1)} MB (${(bytes.length / n).toFixed(0)} bytes per open conversation)\n`)
  for (const [name, ms] of rows) process.stdout.write(`  ${name.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms\n`)
}
atOpenState(N)
