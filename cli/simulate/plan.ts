/**
 * Decides a day of helpdesk traffic from a seed, as plain data (see model.ts).
 *
 * Shape: three lines, twelve agents in three teams on shifts, arrivals following a weekday curve
 * with an evening peak (18–21) and, on Mondays, a billing spike (9–12); half of the conversations
 * on the bot lines meet the menu bot first; two campaign batches (templates with a quick reply).
 * Two quiet lead-in days come first (8 days and 1 day before) so that the day also holds repeat
 * contacts that open a new conversation (more than `reopen_window`, 24 h, after a resolution) and
 * conversations whose 7-day FCR window has passed. The plan stops at the day's last second:
 * conversations still running then stay open.
 */
import { createHash } from 'node:crypto'
import { DateTime } from 'luxon'
import { addShifts, AGENTS, createRoster } from './agents.js'
import { botConversation, campaignMessage, humanConversation } from './flows.js'
import { DEFAULT_START, LINES, NAMES, ZONE, type LineInfo, type Plan, type Sentiment, type Team, type Thread } from './model.js'
import { createRng, type Rng } from './random.js'
import { Script, type PlanContext } from './script.js'

export interface PlanOptions {
  seed: number
  /** Conversations opened on the simulated day (the lead-in days and campaign replies add more). */
  conversations: number
  /** The simulated day (its date in Europe/Rome); default 2026-11-23, a Monday. */
  start?: string
}

/** Relative arrivals per local hour on a weekday: quiet night, busy office hours, evening peak. */
const HOURLY = [0.4, 0.25, 0.15, 0.1, 0.1, 0.15, 0.4, 1.2, 2.8, 4.2, 4.6, 4.4, 3.6, 3.2, 3.8, 4, 4, 4.6, 6.8, 7.6, 7.2, 4.6, 3, 2]
/** Extra billing arrivals on a Monday morning (invoices go out over the weekend). */
const MONDAY_BILLING: Record<number, number> = { 9: 2.5, 10: 3, 11: 1.5 }
/** Campaign batches: local hour, line, the team that answers replies. */
const CAMPAIGNS: ReadonlyArray<readonly [number, LineInfo, Team]> = [[10.5, LINES[0] as LineInfo, 'support'], [17.5, LINES[2] as LineInfo, 'sales']]

interface Arrival {
  t: number
  quiet: boolean
  kind: 'organic' | 'billing-spike' | 'campaign'
  line?: LineInfo
  team?: Team
}

interface Returner { line: string; customer: string; name: string; readyAt: number }

export function planTraffic(options: PlanOptions): Plan {
  if (!Number.isInteger(options.conversations) || options.conversations < 1) throw new Error('conversations must be a positive whole number')
  const rng = createRng(options.seed, 0)
  const day = DateTime.fromISO(options.start ?? DEFAULT_START, { zone: ZONE }).startOf('day')
  if (!day.isValid) throw new Error(`invalid start date: ${options.start}`)
  const midnight = day.toSeconds()
  const end = day.plus({ days: 1 }).toSeconds() - 1
  const leadIn = [day.minus({ days: 8 }).toSeconds(), day.minus({ days: 1 }).toSeconds()]

  const roster = createRoster()
  for (const d of leadIn) addShifts(roster, rng, d, true)
  addShifts(roster, rng, midnight, false)
  let counter = 0
  const ctx: PlanContext = { rng, roster, end, wamid: () => wamid(options.seed, ++counter) }

  const arrivals = [
    ...leadIn.flatMap((d) => quietArrivals(rng, d, Math.max(2, Math.round(options.conversations * 0.04)))),
    ...dayArrivals(rng, midnight, options.conversations, day.weekday === 1),
    ...campaignSends(rng, midnight, Math.max(3, Math.round(options.conversations * 0.03))),
  ].sort((a, b) => a.t - b.t)

  const threads: Thread[] = []
  const returners: Returner[] = []
  const used = new Set<string>()
  const newCustomer = (): string => {
    for (;;) {
      const id = `393${rng.int(20, 99)}${String(rng.int(0, 9_999_999)).padStart(7, '0')}`
      if (!used.has(id)) return used.add(id), id
    }
  }
  for (const a of arrivals) {
    const line = a.line ?? (a.kind === 'billing-spike' ? (LINES[1] as LineInfo) : rng.weighted(LINES.map((l, i) => [l, [0.55, 0.25, 0.2][i] as number] as const)))
    const thread: Thread = { n: threads.length, line: line.id, customer: '', name: '', flow: 'human', team: a.team ?? line.team, steps: [], notes: [] }
    const back = a.kind !== 'campaign' && rng.chance(a.quiet ? 0.15 : 0.06) ? takeReturner(returners, line.id, a.t) : null
    if (back) {
      thread.customer = back.customer
      thread.name = back.name
      thread.notes.push('repeat')
    } else {
      thread.customer = newCustomer()
      thread.name = rng.pick(NAMES)
    }
    const s = new Script(ctx, thread)
    const sentiment: Sentiment = rng.weighted([['negative', 0.15], ['neutral', 0.75], ['positive', 0.1]] as const)
    if (a.kind === 'campaign') {
      thread.flow = 'campaign'
      campaignMessage(s, a.t, thread.team, rng.chance(0.3), sentiment)
    } else if (line.bot && rng.chance(0.5)) {
      thread.flow = 'bot'
      botConversation(s, a.t, line, rng.chance(0.18), a.quiet)
    } else {
      humanConversation(s, a.t, thread.team, sentiment, a.quiet)
    }
    if (thread.steps.some((st) => st.kind === 'in' && st.sentiment === 'negative')) s.note('negative')
    threads.push(thread)
    const last = thread.steps.at(-1)
    if (a.quiet && last && !thread.notes.includes('timeout')) {
      const resolvedAt = Math.max(...thread.steps.filter((st) => st.kind === 'resolved').map((st) => st.t))
      // Back after the reopen window: a new conversation, not a reopen.
      if (Number.isFinite(resolvedAt)) returners.push({ line: line.id, customer: thread.customer, name: thread.name, readyAt: Math.max(resolvedAt, last.t) + 86_400 + 600 })
    }
  }

  for (const thread of threads) truncate(thread, end)
  const kept = threads.filter((t) => t.steps.length > 0)
  kept.forEach((t, i) => (t.n = i))
  return {
    seed: options.seed,
    start: day.toUTC().toISO() as string,
    end,
    lines: LINES,
    agents: AGENTS,
    agentEvents: roster.events.filter((e) => e.t <= end).sort((a, b) => a.t - b.t || a.agent.localeCompare(b.agent)),
    threads: kept,
  }
}

function takeReturner(pool: Returner[], line: string, t: number): Returner | null {
  const i = pool.findIndex((r) => r.line === line && r.readyAt <= t)
  return i < 0 ? null : (pool.splice(i, 1)[0] as Returner)
}

/** Nothing after the plan's end: a reopen that would be cut is left out whole (never half-open). */
function truncate(thread: Thread, end: number): void {
  const lastT = thread.steps.at(-1)?.t ?? 0
  if (thread.reopenFrom !== undefined && lastT > end) {
    thread.steps.length = thread.reopenFrom
    thread.notes = thread.notes.filter((n) => n !== 'reopen')
    delete thread.reopenFrom
  }
  const before = thread.steps.length
  thread.steps = thread.steps.filter((s) => s.t <= end)
  for (const s of thread.steps) if (s.kind === 'out') s.statuses = s.statuses.filter((st) => st.t <= end)
  if (thread.steps.length < before) thread.notes.push('unfinished')
}

function dayArrivals(rng: Rng, midnight: number, n: number, monday: boolean): Arrival[] {
  const components: Array<readonly [readonly [number, Arrival['kind']], number]> = HOURLY.map((w, h) => [[h, 'organic'] as const, w] as const)
  if (monday) for (const [h, w] of Object.entries(MONDAY_BILLING)) components.push([[Number(h), 'billing-spike'], w])
  const arrivals: Arrival[] = Array.from({ length: n }, () => {
    const [hour, kind] = rng.weighted(components)
    return { t: midnight + hour * 3600 + rng.int(0, 3599), quiet: false, kind }
  })
  // The last agents leave by 23:55: a few customers who write after that are still waiting at the end.
  for (let i = 0; i < 4; i++) arrivals.push({ t: midnight + 86_399 - rng.int(20, 280), quiet: false, kind: 'organic' })
  return arrivals
}

function quietArrivals(rng: Rng, midnight: number, n: number): Arrival[] {
  return Array.from({ length: n }, () => ({ t: midnight + 9 * 3600 + rng.int(0, 10 * 3600), quiet: true, kind: 'organic' as const }))
}

function campaignSends(rng: Rng, midnight: number, perBatch: number): Arrival[] {
  return CAMPAIGNS.flatMap(([hour, line, team]) => {
    let t = midnight + hour * 3600
    return Array.from({ length: perBatch }, () => ({ t: (t += rng.int(1, 3)), quiet: false, kind: 'campaign' as const, line, team }))
  })
}

/** Looks like Meta's ids (base64 after `wamid.`); unique per (seed, counter). */
function wamid(seed: number, n: number): string {
  const head = Buffer.alloc(8)
  head.writeInt32BE(seed | 0, 0)
  head.writeUInt32BE(n, 4)
  const tail = createHash('sha256').update(head).digest().subarray(0, 16)
  return `wamid.HBgM${Buffer.concat([head, tail]).toString('base64')}`
}
