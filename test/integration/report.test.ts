/**
 * `deskpulse report` (store/report.ts) against `deskpulse replay`: a seeded simulated day replayed
 * into embedded ClickHouse the way `replay --store` does, then the summary recomputed with SQL
 * alone must agree with the replay's, key by key (docs/architecture.md: three views of one truth).
 */
import t, { type Test } from 'tap'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { simulate } from '../../cli/simulate/index.js'
import { replayFile } from '../../processor/replay.js'
import { createTextAnalyser } from '../../ingest/text/analyse.js'
import { parseConfig } from '../../schemas/config.js'
import { createReplayStore } from '../../store/replay-store.js'
import { reportFromStore, type Report } from '../../store/report.js'
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { startClickHouse, tempDir } from '../helpers/harness.js'

const config = parseConfig({})
const analyseText = createTextAnalyser(config)
const sim = simulate({ seed: 42, conversations: 2000 })
const piiKey = 'report-test'

async function dayFile(t: Test): Promise<string> {
  const file = path.join(await tempDir(t), 'day.jsonl')
  await writeFile(file, sim.lines.join('\n') + '\n')
  return file
}

/** `deskpulse replay [--until] [--store]`: the summary, with the rows written when `client` is given. */
async function replay(file: string, opts: { until?: number; client?: ClickHouseClient } = {}): Promise<Report> {
  const store = opts.client ? createReplayStore(opts.client, config) : null
  const { pipeline, until } = await replayFile(file, {
    config,
    piiKey,
    analyseText,
    ...(opts.until !== undefined ? { until: opts.until } : {}),
    ...(store ? { onBatch: (p, events, lineNo) => store.onBatch(p, events, lineNo) } : {}),
  })
  await store?.flush()
  return pipeline.summary(until)
}

/**
 * Every figure of `expected` (the replay) in `actual` (the report): integers exactly, other
 * numbers within 1e-6 relative, percentiles within the sketch's accuracy (2 % + 1 s, as the
 * golden day). Keys only the live views have (per-agent, delivery, rolling windows) are skipped.
 */
function sameFigures(t: Test, actual: unknown, expected: unknown, at = 'summary') {
  if (expected !== null && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) sameFigures(t, (actual as Record<string, unknown>)?.[k], v, `${at}.${k}`)
    return
  }
  if (/\.p(50|90|99)$/.test(at) && typeof expected === 'number') {
    t.ok(typeof actual === 'number' && Math.abs(actual - expected) <= 0.02 * expected + 1, `${at}: ${actual} ≈ ${expected}`)
  } else if (typeof expected === 'number' && !Number.isInteger(expected)) {
    t.ok(typeof actual === 'number' && Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${at}: ${actual} ≈ ${expected}`)
  } else {
    t.equal(actual, expected, at)
  }
}

const LIVE_ONLY = ['agents', 'delivery', 'windows']
const withoutLiveOnly = (s: Report) => Object.fromEntries(Object.entries(s).filter(([k]) => !LIVE_ONLY.includes(k)))

/** A minute-aligned moment six hours before the end of the day (NRT under --until is exact to the minute). */
const cutOf = (s: Report) => Math.floor((Date.parse(s.until) - 6 * 3_600_000) / 60_000) * 60_000

/** Figures whose moment the rows carry: under `until`, exactly the replay's with the same `--until`. */
const AT_THEIR_MOMENT = ['until', 'conversations.opened', 'conversations.resolved', 'messages', 'first_response_seconds', 'next_response_seconds', 'assignment_seconds', 'resolution_seconds', 'full_resolution_seconds', 'bot_first_response_seconds', 'escalations', 'bot', 'service_level', 'fcr.final', 'fcr.fcr']
const pick = (s: Report, keys: string[]) => Object.fromEntries(keys.map((k) => [k, k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], s)]))

t.test('a replayed day in ClickHouse', async (t) => {
  const file = await dayFile(t)
  const ch = await startClickHouse(t)
  let started = performance.now()
  const replayed = await replay(file, { client: ch.client })
  t.comment(`replay --store of ${sim.lines.length} lines: ${Math.round(performance.now() - started)} ms`)
  t.ok(replayed.conversations.opened >= 2000 && replayed.escalations.breaches > 0 && replayed.csat.responses > 0 && replayed.bot.handoffs > 0 && replayed.fcr.final > 0, 'the day exercises breaches, CSAT, handoffs and FCR verdicts')
  started = performance.now()
  const report = await reportFromStore(ch.client, config)
  t.comment(`report: ${Math.round(performance.now() - started)} ms`)

  t.test('the report agrees with the replay on every figure', async (t) => {
    sameFigures(t, report, withoutLiveOnly(replayed))
    t.equal(report.as_of, replayed.until, 'the point-in-time figures hold at the newest event')
  })

  t.test('--until on a cut: the facts with a moment in the rows are the replay --until’s; the backlog is the store’s newest', async (t) => {
    const cut = cutOf(replayed)
    const atCut = await replay(file, { until: cut })
    const reported = await reportFromStore(ch.client, config, { until: cut })
    sameFigures(t, pick(reported, AT_THEIR_MOMENT), pick(atCut, AT_THEIR_MOMENT))
    t.ok(reported.conversations.opened < report.conversations.opened && reported.next_response_seconds.count < report.next_response_seconds.count, 'the cut leaves facts out')
    t.equal(reported.as_of, report.as_of)
    t.same(pick(reported, ['conversations.open', 'backlog', 'oldest_waiting_seconds', 'window_closing_soon']), pick(report, ['conversations.open', 'backlog', 'oldest_waiting_seconds', 'window_closing_soon']), 'point-in-time figures: as the rows were last written')
  })

  t.test('--from splits the conversations and messages at its moment', async (t) => {
    const split = cutOf(replayed)
    const before = await reportFromStore(ch.client, config, { until: split - 1 })
    const after = await reportFromStore(ch.client, config, { from: split })
    t.equal(before.conversations.opened + after.conversations.opened, report.conversations.opened, 'opened')
    t.equal(before.messages.in + after.messages.in, report.messages.in, 'messages in')
    t.equal(before.messages.out + after.messages.out, report.messages.out, 'messages out')
    const categorised = (s: Report) => Object.values(s.categories as Record<string, number>).reduce((a, b) => a + b, 0)
    t.equal(categorised(after), after.conversations.opened, 'every conversation of the window has a category or is uncategorised')
    t.equal(after.until, report.until, 'until defaults to the newest event')
  })

  t.test('replaying the same file again into the same store changes nothing', async (t) => {
    const started = performance.now()
    const again = await replay(file, { client: ch.client })
    t.comment(`second replay --store: ${Math.round(performance.now() - started)} ms`)
    t.same(withoutLiveOnly(again), withoutLiveOnly(replayed), 'the replay itself')
    t.same(await reportFromStore(ch.client, config), report, 'the report')
  })
})

t.test('a store filled by a replay --until reports that replay’s figures', async (t) => {
  const file = await dayFile(t)
  const full = await replay(file)
  const ch = await startClickHouse(t)
  const atCut = await replay(file, { until: cutOf(full), client: ch.client })
  const report = await reportFromStore(ch.client, config)
  sameFigures(t, report, withoutLiveOnly(atCut))
})
