import t from 'tap'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { createEngine } from '../../processor/core/engine.js'
import { summarise } from '../../processor/core/summary.js'
import { parseConfig, type Config } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import type { Timing } from '../../schemas/summary.js'
import { ev, T0, DAY } from '../helpers/events.js'

/** Runs events through reorder buffer and core; the summary at `until` seconds after T0. */
function run(events: CanonicalEvent[], until?: number, config: Config = parseConfig({})) {
  const p = createKpiPipeline(config, 60_000)
  for (const e of events) {
    p.push(e)
    p.catchUp()
  }
  const end = p.finish(until === undefined ? undefined : T0 + until * 1000)
  return { s: p.summary(end), engine: p.engine, p }
}

t.test('bot answers, hands off, a human replies: FRT from the handoff', async (t) => {
  const { s } = run([ev.in(0), ev.out(2, 'bot'), ev.in(10), ev.handoff(20), ev.out(50, 'agent')])
  // FRT = 50 − 20 (handoff) = 30 s; bot first response 2 s; nothing waits at the end.
  t.match(s.first_response_seconds, { count: 1, mean: 30 })
  t.match(s.bot, { conversations: 1, handoffs: 1, contained: 0 })
  t.match(s.bot_first_response_seconds, { count: 1, mean: 2 })
  t.same(s.backlog, { bot: 0, unassigned: 0, awaiting_agent: 0, awaiting_customer: 1 })
  t.equal(s.escalations.breaches, 0, 'waiting with the bot is not waiting for a human')
})

t.test('a bot-contained conversation has no FRT and counts as contained', async (t) => {
  const { s } = run([ev.in(0), ev.out(1, 'bot'), ev.in(30), ev.out(31, 'bot'), ev.resolved(40, { by: 'bot' })])
  t.equal(s.first_response_seconds.count, 0)
  t.match(s.bot, { conversations: 1, contained: 1, handoffs: 0 })
  t.match(s.resolution_seconds, { count: 1, mean: 40 })
})

t.test('reopen within the window, and a new conversation after it', async (t) => {
  const within = run([ev.in(0), ev.out(30, 'agent'), ev.resolved(60), ev.in(3600)]).s
  t.match(within.conversations, { opened: 1, reopened: 1, open: 1, resolved: 1 })
  t.equal(within.fcr.pending, 0, 'an open conversation has no FCR verdict')
  const after = run([ev.in(0), ev.out(30, 'agent'), ev.resolved(60), ev.in(60 + DAY + 1)]).s
  t.match(after.conversations, { opened: 2, reopened: 0 })
  // The first was resolved at 60 s; the verdict stays pending until its 7-day window has passed …
  t.match(after.fcr, { final: 0, fcr: 0, pending: 1 })
  // … and then it is not FCR: the customer came back within the window.
  const later = run([ev.in(0), ev.out(30, 'agent'), ev.resolved(60), ev.in(60 + DAY + 1)], 60 + 7 * DAY + 1).s
  t.match(later.fcr, { final: 1, fcr: 0, pending: 0 })
})

t.test('two agents in one conversation is not FCR; NRT per waiting period', async (t) => {
  const { s } = run([ev.in(0), ev.out(10, 'agent', { agent: 'a' }), ev.in(20), ev.out(40, 'agent', { agent: 'b' }), ev.resolved(50)], 50 + 7 * DAY + 1)
  t.match(s.next_response_seconds, { count: 1, mean: 20 }, '40 − 20')
  t.match(s.fcr, { final: 1, fcr: 0, pending: 0 })
})

t.test('repeat contact on day 6 is not FCR, on day 8 it is', async (t) => {
  const day6 = run([ev.in(0), ev.out(10, 'agent'), ev.resolved(20), ev.in(20 + 6 * DAY)], 20 + 7 * DAY + 1).s
  t.match(day6.fcr, { final: 1, fcr: 0, pending: 0 })
  const day8 = run([ev.in(0), ev.out(10, 'agent'), ev.resolved(20), ev.in(20 + 8 * DAY)]).s
  // The verdict fell at 20 s + 7 days (FCR); the day-8 contact opened a new conversation.
  t.match(day8.fcr, { final: 1, fcr: 1, pending: 0 })
  t.equal(day8.conversations.opened, 2)
})

t.test('CSAT as a button reply, as a digit after a survey, as an event; a late digit is not CSAT', async (t) => {
  const { s } = run([
    ev.in(0, { c: 'x' }), ev.out(5, 'agent', { c: 'x' }), ev.resolved(10, { c: 'x' }), ev.out(11, 'automation', { c: 'x', survey: true }), ev.in(20, { c: 'x', type: 'interactive', reply: 'csat_4' }),
    ev.in(0, { c: 'y' }), ev.out(5, 'agent', { c: 'y' }), ev.resolved(10, { c: 'y' }), ev.out(11, 'automation', { c: 'y', survey: true }), ev.in(11 + 3600, { c: 'y', digit: 5 }),
    ev.in(0, { c: 'z' }), ev.out(5, 'agent', { c: 'z' }), ev.resolved(10, { c: 'z' }), ev.csat(100, 2, { c: 'z' }),
    ev.in(0, { c: 'w' }), ev.out(5, 'agent', { c: 'w' }), ev.resolved(10, { c: 'w' }), ev.out(11, 'automation', { c: 'w', survey: true }), ev.in(11 + 25 * 3600, { c: 'w', digit: 3 }),
  ])
  // Scores 4, 5, 2: satisfied (4s and 5s) 2 of 3 = 66.667 %, mean 11/3 = 3.667.
  t.match(s.csat, { responses: 3, percent: 66.667, mean: 3.667 })
  t.equal(s.conversations.reopened, 0, 'CSAT answers reopen nothing')
  t.equal(s.conversations.opened, 5, "w's late digit (25 h after the survey) is an ordinary message: a new conversation")
})

t.test('a reply stamped before the message it answers counts 0 s', async (t) => {
  const { s } = run([ev.out(99.5, 'agent'), ev.in(100)])
  t.match(s.first_response_seconds, { count: 1, mean: 0 })
})

t.test('early replies: the window and the bound come from config; the oldest is evicted first', async (t) => {
  // 1.5 s early: paired with the default 2 s window (FRT 0) …
  t.match(run([ev.out(98.5, 'agent'), ev.in(100)]).s.first_response_seconds, { count: 1, mean: 0 })
  // … not with a 1 s window: the customer waits for a reply (none yet) and the chat is unassigned.
  const narrow = run([ev.out(98.5, 'agent'), ev.in(100)], 100, parseConfig({ processing: { early_reply_seconds: 1 } })).s
  t.equal(narrow.first_response_seconds.count, 0)
  t.match(narrow.backlog, { unassigned: 1 })
  // Room for 2: x, y, z are answered early in that order, so x (the oldest) is forgotten and y, z
  // pair with their opening messages. A wipe at the bound would have forgotten all three.
  const bounded = parseConfig({ processing: { early_replies_max: 2 } })
  const { s } = run([
    ev.out(10, 'agent', { c: 'x' }), ev.out(10.5, 'agent', { c: 'y' }), ev.out(11, 'agent', { c: 'z' }),
    ev.in(11.5, { c: 'x' }), ev.in(11.5, { c: 'y' }), ev.in(11.5, { c: 'z' }),
  ], 11.5, bounded)
  t.match(s.first_response_seconds, { count: 2, mean: 0 })
  t.match(s.backlog, { unassigned: 1, awaiting_customer: 2 })
})

t.test('duplicate and out-of-order statuses never downgrade', async (t) => {
  const { s } = run([
    ev.status(9, 'm1', 'read'), ev.out(10, 'agent', { mid: 'm1' }), ev.status(11, 'm1', 'delivered'), ev.status(12, 'm1', 'read'),
    ev.out(20, 'automation', { mid: 'm2' }), ev.status(21, 'm2', 'sent'), ev.status(22, 'm2', 'failed', [131047]), ev.status(23, 'm2', 'delivered'),
    ev.out(30, 'agent', { mid: 'm3' }), ev.status(31, 'm3', 'delivered'), ev.status(32, 'm3', 'failed', [131026]),
  ])
  t.match(s.delivery, {
    read: 1, delivered: 1, failed: 1, sent: 0, failures_by_code: { 131047: 1 },
    // m1 agent read, m3 agent delivered; m2 automation failed.
    by_sender_kind: { agent: { read: 1, delivered: 1, failed: 0 }, automation: { failed: 1, sent: 0 } },
    by_line: { L1: { read: 1, delivered: 1, failed: 1, sent: 0 } },
  })
})

t.test('a wait of 300 s breaches and warns at 240 s; a negative chat at 180 s and 120 s', async (t) => {
  const plain = run([ev.in(0), ev.out(300, 'agent')]).s
  t.match(plain.escalations, { warnings: 1, breaches: 1 }, 'a reply exactly at the limit breaches')
  const quick = run([ev.in(0), ev.out(239, 'agent')]).s
  t.match(quick.escalations, { warnings: 0, breaches: 0 })
  const negative = run([ev.in(0, { sentiment: -0.8 }), ev.out(200, 'agent')]).s
  t.match(negative.escalations, { warnings: 1, breaches: 1 }, '200 s > 180 s limit')
  const negWarnOnly = run([ev.in(0, { sentiment: -0.8 }), ev.out(150, 'agent')]).s
  t.match(negWarnOnly.escalations, { warnings: 1, breaches: 0 }, 'warned at 120 s, answered at 150 s')
})

t.test('a breach answered late, with a reply stamped before the breach, is retracted', async (t) => {
  const engine = createEngine(parseConfig({}))
  engine.apply(ev.in(0))
  engine.advance(T0 + 400_000)
  t.match(summarise(engine, T0 + 400_000).escalations, { warnings: 1, breaches: 1 })
  engine.apply(ev.out(200, 'agent'))
  const s = summarise(engine, T0 + 400_000)
  t.match(s.escalations, { warnings: 0, breaches: 0 }, 'the reply at 200 s came before the warning (240 s) and the breach (300 s): both retracted')
  t.match(s.first_response_seconds, { count: 1, mean: 200 })
  const retracted = engine.drainEffects().filter((e) => e.type === 'escalation' && e.action === 'retract')
  t.equal(retracted.length, 2)
})

t.test('business hours across midnight and a holiday', async (t) => {
  // Europe/Rome (UTC+1 in November): open 22:00–02:00 every day; 2026-11-25 is a holiday.
  const config = parseConfig({
    lines: { L1: { business_hours: { timezone: 'Europe/Rome', weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['22:00', '02:00']]])), holidays: ['2026-11-25'] } } },
  })
  const rome = (local: string) => (Date.parse(`${local}+01:00`) - T0) / 1000
  // Mon 23 Nov 21:00 → 23:00 local: 2 h on the clock, 1 h (22:00–23:00) in hours.
  const a = run([ev.in(rome('2026-11-23T21:00:00')), ev.out(rome('2026-11-23T23:00:00'), 'agent')], undefined, config).s as Record<string, { mean: number }>
  t.equal(a.first_response_seconds!.mean, 7200)
  t.equal(a.first_response_business_seconds!.mean, 3600)
  // Holiday Wed 25 Nov 23:00 → Thu 00:30: the range starting on the holiday is closed: 0 s.
  const b = run([ev.in(rome('2026-11-25T23:00:00')), ev.out(rome('2026-11-26T00:30:00'), 'agent')], undefined, config).s as Record<string, { mean: number }>
  t.equal(b.first_response_business_seconds!.mean, 0)
  // Waiting from 21:58 counts from 22:00: warning at 22:04, breach at 22:05; answered 22:04:30.
  const c = run([ev.in(rome('2026-11-23T21:58:00')), ev.out(rome('2026-11-23T22:04:30'), 'agent')], undefined, config).s
  t.match(c.escalations, { warnings: 1, breaches: 0 })
})

t.test('agent online, then away, with concurrent chats: online time, occupancy, load', async (t) => {
  const { s } = run([
    ev.agent(0, 'a', 'online', 2),
    ev.in(0, { c: 'p' }), ev.assigned(0, 'a', { c: 'p' }),
    ev.in(60, { c: 'q' }), ev.assigned(60, 'a', { c: 'q' }),
    ev.out(120, 'agent', { c: 'p', agent: 'a' }),
    ev.agent(180, 'a', 'away', 2),
  ], 300)
  const a = (s.agents as { agent: string; online_seconds: number; occupancy: number; load: number }[]).find((x) => x.agent === 'a')!
  t.equal(a.online_seconds, 180)
  t.equal(a.occupancy, 1, 'at least one active chat all 180 s')
  // load: 0–60 s 1/2, 60–120 s 2/2, 120–180 s 1/2 → (30 + 60 + 30) / 180
  t.equal(Number(a.load.toFixed(4)), Number((120 / 180).toFixed(4)))
})

t.test('inactivity auto-close, missed chat, window closing soon', async (t) => {
  const closed = run([ev.in(0)], DAY + 1).s
  t.match(closed.conversations, { resolved: 1, open: 0 })
  t.equal(closed.resolution_seconds.count, 0, 'timeouts are not resolution samples')
  t.equal(closed.missed, 1, 'still waiting when the 24-hour window closed')
  const soon = run([ev.in(0)], DAY - 1800).s
  t.equal(soon.window_closing_soon, 1)
  t.equal(soon.oldest_waiting_seconds, DAY - 1800)
})

t.test('backlog states and oldest waiting', async (t) => {
  const { s } = run([
    ev.in(0, { c: 'u' }),
    ev.in(10, { c: 'b' }), ev.out(11, 'bot', { c: 'b' }),
    ev.in(20, { c: 'g' }), ev.assigned(21, 'a', { c: 'g' }),
    ev.in(30, { c: 'k' }), ev.out(40, 'agent', { c: 'k' }),
  ], 100)
  t.same(s.backlog, { bot: 1, unassigned: 1, awaiting_agent: 1, awaiting_customer: 1 })
  t.equal(s.oldest_waiting_seconds, 100)
  t.match(s.assignment_seconds, { count: 1, mean: 1 })
})

t.test('categories: tag beats menu beats keyword', async (t) => {
  const config = parseConfig({ categories: { menu: { menu_billing: 'billing' } } })
  const { engine } = run([ev.in(0, { category: 'delivery' }), ev.in(5, { type: 'interactive', reply: 'menu_billing' }), ev.in(0, { c: 'd', category: 'delivery' }), ev.in(0, { c: 't', reply: 'menu_billing', type: 'interactive' }), ev.tagged(3, 'returns', { c: 't' })], undefined, config)
  const cat = (c: string) => engine.view.convs.get(`L1|${c}`)!.category
  t.equal(cat('c1'), 'billing')
  t.equal(cat('d'), 'delivery')
  t.equal(cat('t'), 'returns')
  const summary = run([ev.in(0, { category: 'delivery' }), ev.in(5, { type: 'interactive', reply: 'menu_billing' }), ev.in(0, { c: 'd', category: 'delivery' }), ev.in(0, { c: 't', reply: 'menu_billing', type: 'interactive' }), ev.tagged(3, 'returns', { c: 't' }), ev.in(0, { c: 'u' })], undefined, config).s
  // c1 went delivery → billing; d delivery; t billing → returns; u nothing.
  t.same(summary.categories, { billing: 1, delivery: 1, returns: 1, uncategorised: 1 })
})

t.test('sentiment: messages scored, their mean, negative ones', async (t) => {
  const { s } = run([ev.in(0, { sentiment: -0.8 }), ev.in(10, { sentiment: 0.4 }), ev.in(20), ev.in(30, { c: 'x', sentiment: -0.2 })])
  // (−0.8 + 0.4 − 0.2) / 3 = −0.2; one below −0.25.
  t.same(s.sentiment, { scored_messages: 3, mean: -0.2, negative_messages: 1 })
})

t.test('duplicates change nothing; order within the lateness changes nothing', async (t) => {
  const events = [ev.in(0), ev.out(2, 'bot'), ev.handoff(20), ev.assigned(25, 'a'), ev.out(50, 'agent', { agent: 'a' }), ev.in(70), ev.out(400, 'agent', { agent: 'a' }), ev.resolved(500)]
  const base = run(events).s
  t.same(run([...events, ...events]).s, base, 'every event twice')
  t.same(run([events[4]!, ...events.slice(0, 4), ...events.slice(5), events[0]!]).s, base, 'the 50 s reply before the four earlier events, and a retry at the end')
  t.same(run([events[1]!, events[0]!, events[3]!, events[2]!, ...events.slice(4)]).s, base, 'neighbours swapped')
})

t.test('rolling windows hold the samples of the last 5 minutes, hour and day', async (t) => {
  // FRTs of 10 s (at 0–10 s), 20 s (at 2 h) and 30 s (at 2 h 58 min); the summary at 3 h.
  const { s } = run([
    ev.in(0, { c: 'a' }), ev.out(10, 'agent', { c: 'a' }),
    ev.in(7200, { c: 'b' }), ev.out(7220, 'agent', { c: 'b' }),
    ev.in(10650, { c: 'c' }), ev.out(10680, 'agent', { c: 'c' }),
  ], 10800)
  const w = s.windows as Record<string, Record<string, unknown>>
  // The last 5 minutes hold only c: opened at 2 h 57 min 30 s, answered in 30 s (within the 60 s target).
  t.match(w['5m'], { first_response_seconds: { count: 1, mean: 30 }, conversations_opened: 1, messages: { in: 1, out: 1 }, service_level: 1 })
  t.match(w['1h'], { first_response_seconds: { count: 1, mean: 30 }, conversations_opened: 1 })
  t.match(w['24h'], { first_response_seconds: { count: 3, mean: 20 }, conversations_opened: 3, messages: { in: 3, out: 3 }, service_level: 1 })
})

t.test('per agent: conversations, FRT, NRT, resolutions, CSAT of the last assigned agent', async (t) => {
  const { s } = run([
    ev.in(0, { c: 'p' }), ev.assigned(1, 'a', { c: 'p' }), ev.out(30, 'agent', { c: 'p', agent: 'a' }), ev.in(40, { c: 'p' }), ev.out(100, 'agent', { c: 'p', agent: 'a' }), ev.resolved(110, { c: 'p' }), ev.csat(120, 5, { c: 'p' }),
    ev.in(0, { c: 'q' }), ev.assigned(2, 'a', { c: 'q' }), ev.assigned(3, 'b', { c: 'q' }), ev.out(50, 'agent', { c: 'q', agent: 'b' }), ev.resolved(60, { c: 'q' }), ev.csat(70, 2, { c: 'q' }),
  ])
  const by = Object.fromEntries((s.agents as { agent: string }[]).map((a) => [a.agent, a])) as Record<string, Record<string, unknown>>
  // a: p (FRT 30, NRT 100 − 40 = 60, resolved, CSAT 5) and q (assigned, then moved to b).
  t.match(by.a, { conversations: 2, first_response_seconds: { count: 1, mean: 30 }, next_response_seconds: { count: 1, mean: 60 }, resolutions: 1, csat: { responses: 1, percent: 100 } })
  t.match(by.b, { conversations: 1, first_response_seconds: { count: 1, mean: 50 }, resolutions: 1, csat: { responses: 1, percent: 0 } })
})

t.test('full resolution: one sample per conversation, its latest resolution; one resolution per agent', async (t) => {
  const events = [
    // p: resolved at 60 by a's chat, reopened at 3600, reassigned to b, resolved again at 4000.
    ev.in(0, { c: 'p' }), ev.assigned(1, 'a', { c: 'p' }), ev.out(30, 'agent', { c: 'p', agent: 'a' }), ev.resolved(60, { c: 'p' }),
    ev.in(3600, { c: 'p' }), ev.assigned(3700, 'b', { c: 'p' }), ev.out(3800, 'agent', { c: 'p', agent: 'b' }), ev.resolved(4000, { c: 'p' }),
    // q: resolved once at 100 (a).
    ev.in(0, { c: 'q' }), ev.assigned(2, 'a', { c: 'q' }), ev.out(20, 'agent', { c: 'q', agent: 'a' }), ev.resolved(100, { c: 'q' }),
    // r: resolved at 50, reopened at 500, resolved again at 600, both times a's.
    ev.in(0, { c: 'r' }), ev.assigned(1, 'a', { c: 'r' }), ev.out(10, 'agent', { c: 'r', agent: 'a' }), ev.resolved(50, { c: 'r' }),
    ev.in(500, { c: 'r' }), ev.out(510, 'agent', { c: 'r', agent: 'a' }), ev.resolved(600, { c: 'r' }),
  ]
  const agentsOf = (s: Record<string, unknown>) => Object.fromEntries((s.agents as { agent: string }[]).map((a) => [a.agent, a])) as Record<string, Record<string, unknown> | undefined>

  // At the end (4000 s): p 4000, q 100, r 600 → 3 samples (not 5), mean 4700 / 3; sorted
  // 100, 600, 4000: p50 = ⌈1.5⌉ = 2nd = 600, p90 = ⌈2.7⌉ = 3rd = 4000.
  const full = (s: Record<string, unknown>) => s.full_resolution_seconds as Timing
  const end = run(events)
  t.equal(full(end.s).count, 3)
  t.ok(Math.abs(full(end.s).mean! - 4700 / 3) < 1e-9)
  t.ok(Math.abs(full(end.s).p50! - 600) <= 6, 'p50 = 600 within 1 %')
  t.ok(Math.abs(full(end.s).p90! - 4000) <= 40, 'p90 = 4000 within 1 %')
  // First resolutions are unchanged: 60, 100, 50.
  t.match(end.s.resolution_seconds, { count: 3, mean: 70 })
  // a: q and r (r resolved twice counts once; p's credit moved to b with its latest resolution).
  t.match(agentsOf(end.s).a, { resolutions: 2 })
  t.match(agentsOf(end.s).b, { resolutions: 1 })

  // Reading the summary again changes nothing.
  t.same(end.p.summary(T0 + 4000 * 1000).full_resolution_seconds, end.s.full_resolution_seconds)

  // At 3650 s p is open again: its sample is still its first resolution (60). 60 + 100 + 600.
  const mid = run(events, 3650).s
  t.match(mid.full_resolution_seconds, { count: 3 })
  t.ok(Math.abs(full(mid).mean! - 760 / 3) < 1e-9)
  t.match(agentsOf(mid).a, { resolutions: 3 })

  // Two days later every conversation has left memory (Compact timer): the settled sketch holds
  // the same three samples, once each.
  const later = run(events, 4000 + 2 * DAY).s
  t.match(later.full_resolution_seconds, { count: 3 })
  t.ok(Math.abs(full(later).mean! - 4700 / 3) < 1e-9)
  t.equal(later.conversations.open, 0)
})

t.test('finish reads no clock: the last event, the given end, or the caller\'s fallback', async (t) => {
  const p = createKpiPipeline(parseConfig({}), 60_000)
  p.push(ev.in(0))
  p.push(ev.out(30, 'agent'))
  // Default: the last event's time, however late the run is.
  t.equal(p.finish(), T0 + 30_000)
  const empty = createKpiPipeline(parseConfig({}), 60_000)
  t.equal(empty.finish(undefined, 1234), 1234, 'no event: the caller\'s end')
  t.equal(createKpiPipeline(parseConfig({}), 60_000).finish(), 0, 'no event, no fallback: the epoch, not the wall clock')
})
