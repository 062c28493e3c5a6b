/**
 * npm run bench:replay — `deskpulse replay` on a simulated stream (`deskpulse simulate`, seed 7),
 * timed in its stages on one core: the replay as the CLI runs it (read, parse, normalise, text
 * analysis, reorder buffer, core), then the normalising alone and the core alone on the same
 * events, so the figure says which stage bounds it.
 *
 * Environment: BENCH_CONVERSATIONS (default 20,000).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { simulate } from '../cli/simulate/index.js'
import { lineToEvents, replayFile } from '../processor/replay.js'
import { createKpiPipeline } from '../processor/core/pipeline.js'
import { createCustomerKeyer } from '../ingest/pii.js'
import { createTextAnalyser } from '../ingest/text/analyse.js'
import { parseConfig } from '../schemas/config.js'
import type { CanonicalEvent } from '../schemas/events.js'

const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 20_000)
const config = parseConfig({})
const out = (s: string) => process.stdout.write(s)
out(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; one core (single thread)\n`)

const { lines } = simulate({ seed: 7, conversations })
const dir = await mkdtemp(path.join(tmpdir(), 'deskpulse-bench-replay-'))
const file = path.join(dir, 'day.jsonl')
await writeFile(file, `${lines.join('\n')}\n`)
out(`stream: deskpulse simulate, seed 7, ${conversations.toLocaleString('en')} conversations, ${lines.length.toLocaleString('en')} lines\n\n`)

const analyseText = createTextAnalyser(config)
const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en').padStart(9)} events/s`

const countKeyer = createCustomerKeyer('count')
const count = lines.reduce((n, line, i) => n + lineToEvents(line, i + 1, { keyCustomer: countKeyer, receivedAt: new Date(0).toISOString() }).length, 0)

try {
  // Warm-up: the JIT sees every path once.
  await replayFile(file, { config, piiKey: 'bench', analyseText })
  for (let run = 1; run <= 3; run++) {
    const t0 = performance.now()
    await replayFile(file, { config, piiKey: 'bench', analyseText })
    const ms = performance.now() - t0
    out(`replay as the CLI runs it, run ${run}   ${rate(count, ms)}  (${count} events in ${(ms / 1000).toFixed(2)} s)\n`)
  }
  // The stages apart, on the same lines.
  const keyCustomer = createCustomerKeyer('bench')
  let events: CanonicalEvent[] = []
  let t0 = performance.now()
  lines.forEach((line, i) => {
    for (const e of lineToEvents(line, i + 1, { keyCustomer, receivedAt: new Date(0).toISOString(), analyseText })) events.push(e)
  })
  const normalise = performance.now() - t0
  out(`  parse + normalise + text analysis  ${rate(events.length, normalise)}\n`)
  t0 = performance.now()
  const p = createKpiPipeline(config, config.processing.replay_lateness_seconds * 1000)
  events.forEach((e, i) => {
    p.push(e)
    if (i % 1_000 === 999) p.catchUp()
  })
  p.finish()
  const core = performance.now() - t0
  out(`  reorder buffer + core              ${rate(events.length, core)}\n`)
  events = []
} finally {
  await rm(dir, { recursive: true, force: true })
}
