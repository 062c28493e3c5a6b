/**
 * summariseMany (processor/core/summary.ts): a simulated day split into stream partitions as the
 * ingest splits it (conversations by partitionKey, agent.status to every partition), one pipeline
 * per partition, merged — against one pipeline over everything.
 */
import t, { type Test } from 'tap'
import { simulate } from '../../cli/simulate/index.js'
import { lineToEvents } from '../../processor/replay.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import { createTextAnalyser } from '../../ingest/text/analyse.js'
import { partitionsOf } from '../../ingest/publish.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { summarise, summariseMany } from '../../processor/core/summary.js'

const config = parseConfig({})
const sim = simulate({ seed: 5, conversations: 1500 })
const keyCustomer = createCustomerKeyer('merge')
const analyseText = createTextAnalyser(config)
const events: CanonicalEvent[] = sim.lines.flatMap((line, i) => lineToEvents(line, i + 1, { keyCustomer, receivedAt: new Date(0).toISOString(), analyseText }))
const lateness = config.processing.replay_lateness_seconds * 1000
const until = Math.max(...events.map((e) => Date.parse(e.at)))
const P = 4

/** Events in stream order, through the reorder buffer as a processor reads them (a catch-up every 256). */
function run(list: readonly CanonicalEvent[]) {
  const p = createKpiPipeline(config, lateness)
  list.forEach((e, i) => {
    p.push(e)
    if (i % 256 === 255) p.catchUp()
  })
  p.finish(until)
  return p
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** Equal, numbers that are not integers within 1e-9 relative (sums of the same floats in another order). */
function close(t: Test, actual: Json | undefined, expected: Json, at: string, skip: (path: string) => boolean = () => false): void {
  if (skip(at)) return
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return void t.fail(`${at}: ${JSON.stringify(actual)} is not an object`)
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)])
    for (const k of keys) close(t, (actual as Record<string, Json>)[k], (expected as Record<string, Json>)[k]!, `${at}.${k}`, skip)
    return
  }
  if (typeof expected === 'number' && typeof actual === 'number' && !Number.isInteger(expected)) {
    if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) t.fail(`${at}: ${actual} ≠ ${expected}`)
    return
  }
  if (actual !== expected) t.fail(`${at}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`)
}

t.test('one engine: summariseMany([e]) is summarise(e)', async (t) => {
  const p = run(events)
  t.same(summariseMany([p.engine], until), summarise(p.engine, until))
  t.equal(JSON.stringify(summariseMany([p.engine], until)), JSON.stringify(summarise(p.engine, until)), 'byte for byte')
})

t.test(`${P} partitions merged: the summary of one engine over everything`, async (t) => {
  const whole = run(events)
  const parts = Array.from({ length: P }, (_, n) => run(events.filter((e) => partitionsOf(e, P).includes(n))))
  const status = events.filter((e) => e.kind === 'agent.status').length
  t.ok(status > 0, `${status} agent.status events reach every partition`)
  t.ok(parts.every((p) => p.engine.view.totals.opened > 100), `conversations per partition: ${parts.map((p) => p.engine.view.totals.opened).join(', ')}`)

  const expected = summarise(whole.engine, until) as unknown as Record<string, Json>
  const merged = summariseMany(parts.map((p) => p.engine), until) as unknown as Record<string, Json>
  t.ok((expected.conversations as { opened: number }).opened >= 1500 && (expected.escalations as { breaches: number }).breaches > 0, 'the day has conversations and breaches')

  // Every key but agents: equal (floats within rounding of sums taken in another order).
  const before = t.counts.fail
  close(t, merged, expected, 'summary', (path) => path === 'summary.agents')
  t.equal(t.counts.fail, before, 'every figure outside `agents` is the single engine’s')

  // Agents: the same agents, with the same exact figures; occupancy and load approximately.
  type AgentRow = Record<string, Json> & { agent: string; occupancy: number | null; load: number | null }
  const byId = (list: Json) => new Map((list as AgentRow[]).map((a) => [a.agent, a]))
  const [want, got] = [byId(expected.agents!), byId(merged.agents!)]
  t.same([...got.keys()].sort(), [...want.keys()].sort(), `the same ${want.size} agents`)
  const failsBefore = t.counts.fail
  for (const [id, a] of want) {
    const b = got.get(id)!
    close(t, b, a, `agents.${id}`, (path) => /\.(occupancy|load)$/.test(path))
  }
  t.equal(t.counts.fail, failsBefore, 'per agent: team, online, active, capacity, online time, conversations, FRT, NRT, resolutions, CSAT exact')
  const gaps = { occupancy: [] as number[], load: [] as number[] }
  for (const [id, a] of want) {
    const b = got.get(id)!
    for (const k of ['occupancy', 'load'] as const) {
      if (a[k] === null) t.equal(b[k], null, `${id} ${k} null`)
      else gaps[k].push(b[k]! - a[k]!)
    }
    t.ok(b.load === null || b.load >= a.load! - 1e-9, `${id} load: merged ${b.load?.toFixed(3)} ≥ exact ${a.load?.toFixed(3)} (summed per-partition load never undercounts)`)
  }
  const worst = (xs: number[]) => Math.max(0, ...xs.map(Math.abs))
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length)
  t.comment(`occupancy: merged − exact mean ${mean(gaps.occupancy).toFixed(3)}, worst ${worst(gaps.occupancy).toFixed(3)}; load: mean ${mean(gaps.load).toFixed(3)}, worst ${worst(gaps.load).toFixed(3)}`)
  t.ok(worst(gaps.occupancy) <= 0.05, 'occupancy within 0.05 of the exact one (partitions taken as independent)')
  t.ok(worst(gaps.load) <= 0.05, 'load within 0.05 of the exact one (exact while agents stay within capacity)')
})
