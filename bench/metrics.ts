/**
 * npm run bench:metrics — the processor's /metrics with 10 lines × 10 teams: time to render the
 * text (every KPI series summed over 4 partitions, the live gauges, Node's defaults), and time to
 * recompute the live state (done once a second) over 100,000 open conversations and 200 agents.
 */
import { cpus, totalmem } from 'node:os'
import { createEngine } from '../processor/core/engine.js'
import { KpiSeries } from '../processor/metrics/kpi-series.js'
import { liveState, type LiveState } from '../processor/metrics/live-state.js'
import { createProcessorMetrics } from '../processor/metrics/registry.js'
import { parseConfig } from '../schemas/config.js'
import type { CanonicalEvent } from '../schemas/events.js'

const LINES = 10
const TEAMS = 10
const PARTITIONS = 4
const OPEN = Number(process.env.BENCH_OPEN ?? 100_000)
const RUNS = 300

const lines = Array.from({ length: LINES }, (_, i) => `10654035224${String(i).padStart(4, '0')}`)
const teams = Array.from({ length: TEAMS }, (_, i) => `team-${i}`)
const config = parseConfig({ teams })

// Every series of every line × team, as a busy day leaves them (each partition saw each).
const partitions = Array.from({ length: PARTITIONS }, (_, p) => {
  const s = new KpiSeries()
  let x = p
  for (const line of lines) {
    s.inc('opened', [line], 100)
    for (const kind of ['customer', 'agent', 'bot', 'automation', 'app']) s.inc('messages', [line, kind === 'customer' ? 'in' : 'out', kind], 50)
    for (const status of ['sent', 'delivered', 'read', 'played', 'failed']) s.inc('statuses', [line, status], 10)
    for (const code of ['131026', '131047', '131049', 'other']) s.inc('failures', [line, code])
    for (const outcome of ['fcr', 'not_fcr']) s.inc('fcr', [line, outcome])
    for (const outcome of ['contained', 'human']) s.inc('botResolutions', [line, outcome])
    for (let i = 0; i < 20; i++) s.observe('bot_frt', [line], (x = (x * 7 + 3) % 97))
    for (const team of teams) {
      for (const by of ['agent', 'bot', 'automation', 'timeout']) s.inc('resolved', [line, team, by])
      for (const score of ['1', '2', '3', '4', '5']) s.inc('csat', [line, team, score])
      for (const level of ['warning', 'breach']) s.inc('escalations', [line, team, level])
      s.inc('withinTarget', [line, team])
      s.inc('handoffs', [line, team])
      s.inc('missed', [line, team])
      for (let i = 0; i < 20; i++) for (const h of ['frt', 'nrt', 'assignment', 'resolution'] as const) s.observe(h, [line, team], (x = (x * 31 + 17) % 4000))
    }
  }
  return s
})

// 100,000 open conversations over every line × team, 200 agents online.
const T0 = Date.parse('2026-11-23T09:00:00Z')
const engine = createEngine(config)
let n = 0
const event = (at: number, rest: Record<string, unknown>) => ({ v: 1, id: `b${++n}`, at: new Date(at).toISOString(), received_at: new Date(at).toISOString(), source: 'api', ...rest }) as unknown as CanonicalEvent
for (let a = 0; a < 200; a++) engine.apply(event(T0, { line: null, customer: null, kind: 'agent.status', agent_id: `a${a}`, team: teams[a % TEAMS], status: 'online', capacity: 3 }), T0)
for (let i = 0; i < OPEN; i++) {
  const at = T0 + i * 10
  const line = lines[i % LINES]!
  const customer = `c${i}`
  engine.apply(event(at, { line, customer, kind: 'message.in', message_id: `m${i}`, message_type: 'text', reply_id: null, context_id: null, digit: null, errors: [] }), at)
  engine.apply(event(at, { line, customer, kind: 'conversation.assigned', agent_id: `a${i % 200}`, team: teams[Math.floor(i / LINES) % TEAMS] }), at)
}
engine.drainEffects()
engine.drainChanged()
const now = T0 + OPEN * 10

const percentile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!

const liveTimes: number[] = []
let live: LiveState | null = null
for (let i = 0; i < 30; i++) {
  const t = performance.now()
  live = liveState([engine], now)
  liveTimes.push(performance.now() - t)
}

const metrics = createProcessorMetrics({ series: () => partitions, live: () => live, frtTargetSeconds: 60, sloObjective: 0.9 })
const renderTimes: number[] = []
let text = ''
for (let i = 0; i < RUNS; i++) {
  const t = performance.now()
  text = await metrics.registry.metrics()
  renderTimes.push(performance.now() - t)
}
const samples = text.split('\n').filter((l) => l && !l.startsWith('#')).length

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`)
console.log(`/metrics with ${LINES} lines × ${TEAMS} teams, ${PARTITIONS} partitions: ${samples} samples, ${(text.length / 1024).toFixed(0)} KiB`)
console.log(`  render: p50 ${percentile(renderTimes, 0.5).toFixed(2)} ms, p90 ${percentile(renderTimes, 0.9).toFixed(2)} ms, p99 ${percentile(renderTimes, 0.99).toFixed(2)} ms (${RUNS} renders)`)
console.log(`live state over ${OPEN.toLocaleString('en')} open conversations, 200 agents (once a second): p50 ${percentile(liveTimes, 0.5).toFixed(2)} ms, max ${Math.max(...liveTimes).toFixed(2)} ms`)
