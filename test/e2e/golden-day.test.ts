import t, { type Test } from 'tap'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createRng } from '../../cli/simulate/random.js'
import { simulate } from '../../cli/simulate/index.js'
import { replayFile } from '../../processor/replay.js'
import { createTextAnalyser } from '../../ingest/text/analyse.js'
import { parseConfig } from '../../schemas/config.js'
import { tempDir } from '../helpers/harness.js'
import type { Summary } from '../../schemas/summary.js'

const config = parseConfig({})
const analyseText = createTextAnalyser(config)
const sim = simulate({ seed: 42, conversations: 2000 })

async function replayLines(t: Test, name: string, lines: string[]): Promise<Summary & Record<string, unknown>> {
  const dir = await tempDir(t)
  const file = path.join(dir, name)
  await writeFile(file, lines.join('\n') + '\n')
  const { pipeline, until } = await replayFile(file, { config, piiKey: 'golden', analyseText })
  return pipeline.summary(until)
}

/** Percentiles come from a sketch (1 % relative accuracy) and the truth from exact ranks. */
function sameFigures(t: Test, actual: unknown, expected: unknown, at = 'summary') {
  if (expected !== null && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) sameFigures(t, (actual as Record<string, unknown>)?.[k], v, `${at}.${k}`)
    return
  }
  if (/\.p(50|90|99)$/.test(at) && typeof expected === 'number') {
    t.ok(typeof actual === 'number' && Math.abs(actual - expected) <= 0.02 * expected + 1, `${at}: ${actual} ≈ ${expected}`)
  } else if (typeof expected === 'number' && !Number.isInteger(expected)) {
    t.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-3 * Math.max(1, Math.abs(expected)), `${at}: ${actual} ≈ ${expected}`)
  } else {
    t.equal(actual, expected, at)
  }
}

t.test('a golden day: the replay of 2,000+ simulated conversations agrees with the simulator’s own ground truth', async (t) => {
  t.ok(sim.truth.conversations.opened >= 2000, `${sim.truth.conversations.opened} conversations`)
  t.ok(sim.truth.escalations.breaches > 0 && sim.truth.bot.handoffs > 0 && sim.truth.csat.responses > 0, 'the day exercises breaches, handoffs and CSAT')
  const replayed = await replayLines(t, 'golden.jsonl', sim.lines)
  sameFigures(t, replayed, sim.truth)
})

t.test('the same file twice, every line duplicated, or lines shuffled within 30 s: the same summary', async (t) => {
  const base = await replayLines(t, 'base.jsonl', sim.lines)
  t.same(await replayLines(t, 'twice.jsonl', [...sim.lines, ...sim.lines]), base, 'twice')
  t.same(await replayLines(t, 'dup.jsonl', sim.lines.flatMap((l) => [l, l])), base, 'every line duplicated')
  t.same(await replayLines(t, 'shuffled.jsonl', shuffleWithin30s(sim.lines, 7)), base, 'shuffled within 30 s')
})

/** The time a line carries: an event's `at`, or a webhook's first item timestamp. */
function timeOf(line: string): number {
  const rec = JSON.parse(line) as { event?: { at: string }; webhook?: { entry: { changes: { value: Record<string, { timestamp?: string }[]> }[] }[] } }
  if (rec.event) return Date.parse(rec.event.at)
  const value = rec.webhook!.entry[0]!.changes[0]!.value
  const item = (value.messages ?? value.statuses ?? [])[0]
  return Number(item?.timestamp ?? 0) * 1000
}

/** Shuffles runs of consecutive lines that fall in the same 30-second slot: no line moves past one 30 s away. */
function shuffleWithin30s(lines: string[], seed: number): string[] {
  const rng = createRng(seed, 7)
  const out: string[] = []
  let run: string[] = []
  let slot = NaN
  const flush = () => {
    for (let i = run.length - 1; i > 0; i--) {
      const j = rng.int(0, i)
      ;[run[i], run[j]] = [run[j]!, run[i]!]
    }
    out.push(...run)
    run = []
  }
  for (const line of lines) {
    const s = Math.floor(timeOf(line) / 30_000)
    if (s !== slot) flush()
    slot = s
    run.push(line)
  }
  flush()
  t.not(out.join('\n'), lines.join('\n'), 'the order did change')
  return out
}
