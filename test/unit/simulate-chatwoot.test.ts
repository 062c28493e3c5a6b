/**
 * `deskpulse simulate --via chatwoot`: the same simulated day as Chatwoot webhooks alone gives the
 * KPI core the same summary as Meta webhooks plus /v1/events, and both match the simulator's own
 * ground truth (cli/simulate/truth.ts), not each other's engine output.
 */
import t, { type Test } from 'tap'
import { simulate } from '../../cli/simulate/index.js'
import { renderChatwoot, simChatwootInboxes } from '../../cli/simulate/render-chatwoot.js'
import { lineToEvents } from '../../processor/replay.js'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import { createTextAnalyser } from '../../ingest/text/analyse.js'
import { parseConfig } from '../../schemas/config.js'
import type { Summary } from '../../schemas/summary.js'

const sim = simulate({ seed: 11, conversations: 400 })
const config = parseConfig({ adapters: { chatwoot: { inboxes: simChatwootInboxes(sim.plan) } } })
const analyseText = createTextAnalyser(config)
const keyCustomer = createCustomerKeyer('simulate-chatwoot-test-key')
const until = Date.parse(sim.truth.until)

/** The replay path in memory: every line through the ingest's normalisers into the KPI core. */
function summaryOf(lines: readonly string[]): Summary {
  const pipeline = createKpiPipeline(config, config.processing.replay_lateness_seconds * 1000)
  for (const [i, line] of lines.entries()) {
    for (const e of lineToEvents(line, i + 1, { keyCustomer, receivedAt: new Date(0).toISOString(), analyseText, chatwootInboxes: config.adapters.chatwoot.inboxes })) {
      if (Date.parse(e.at) <= until) pipeline.push(e)
    }
    if (i % 256 === 255) pipeline.catchUp()
  }
  pipeline.finish(until, until)
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

t.test('the same day via Meta + /v1/events and via Chatwoot alone: the truth both ways', async (t) => {
  const chatwoot = renderChatwoot(sim.plan)
  t.ok(sim.truth.csat.responses > 0 && sim.truth.bot.handoffs > 0 && sim.truth.conversations.reopened > 0, 'the day has CSAT, handoffs and reopens')
  t.ok(chatwoot.duplicates > 0, `${chatwoot.duplicates} retried Chatwoot deliveries`)
  t.ok(chatwoot.lines.every((l) => l.startsWith('{"chatwoot":')), 'Chatwoot webhooks alone: no Meta webhook, no /v1/events')

  sameFigures(t, summaryOf(sim.lines), sim.truth, 'meta')
  // A CSAT button tap is a WhatsApp message in Meta's feed; in Chatwoot's it is a rating on the
  // survey page (message_updated), not a message: the only figure that differs, by that count.
  const expected = { ...sim.truth, messages: { ...sim.truth.messages, in: sim.truth.messages.in - chatwoot.csatTaps } }
  t.ok(chatwoot.csatTaps > 0, `${chatwoot.csatTaps} CSAT taps`)
  sameFigures(t, summaryOf(chatwoot.lines), expected, 'chatwoot')
})
