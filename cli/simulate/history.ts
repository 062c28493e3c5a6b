/**
 * `deskpulse simulate --days N`: weeks of traffic whose arrival intensity is known
 * (docs/forecast.md "Simulated history"). Per line and local hour the expected arrivals are
 *   per_day · line share · trend(day) · weekday factor · hourly shape(hour) / Σ shape,
 * zero on holidays; arrivals are drawn from that Poisson process (a Poisson count per hour,
 * uniform times within it). Each arrival is a human conversation of the line's team (the flows of
 * flows.ts, agents on shifts: weekdays the full crew, weekends and holidays a skeleton one).
 * `--truth` writes the intensity, so a forecast can be scored against the truth itself.
 */
import { DateTime } from 'luxon'
import Holidays from 'date-holidays'
import { addShifts, AGENTS, createRoster } from './agents.js'
import { humanConversation } from './flows.js'
import { LINES, NAMES, ZONE, type Plan, type Sentiment, type Thread } from './model.js'
import { createRng, type Rng } from './random.js'
import { Script, type PlanContext } from './script.js'
import { createHash } from 'node:crypto'

export interface HistoryOptions {
  seed: number
  days: number
  /** First local day (Europe/Rome), YYYY-MM-DD. */
  start: string
  /** Expected conversations on a weekday at the start (all lines). */
  perDay: number
  /** Growth of the level over the whole period: 0.2 is +20 % by the last day (linear). */
  trend: number
  /** Local dates with no arrivals; default Italy's public holidays in the period. */
  holidays?: readonly string[]
}

export const DEFAULT_HISTORY_START = '2026-11-02'
/** Monday … Sunday. */
export const WEEKDAY_FACTORS = [1.1, 1, 1, 1, 0.95, 0.6, 0.35] as const
/** Relative arrivals per local hour: quiet nights, office hours, an evening peak. */
export const HOURLY_SHAPE = [0.4, 0.25, 0.15, 0.1, 0.1, 0.15, 0.4, 1.2, 2.8, 4.2, 4.6, 4.4, 3.6, 3.2, 3.8, 4, 4, 4.6, 6.8, 7.6, 7.2, 4.6, 3, 2] as const
const SHAPE_SUM = HOURLY_SHAPE.reduce((s, x) => s + x, 0)
export const LINE_SHARES = [0.55, 0.25, 0.2] as const

export interface IntensityCell {
  line: string
  team: string
  /** Start of the local hour (UTC ISO). */
  hour: string
  /** Expected arrivals in that hour. */
  expected: number
}

export interface HistoryTruth {
  kind: 'history'
  seed: number
  start: string
  days: number
  per_day: number
  trend: number
  holidays: string[]
  weekday_factors: readonly number[]
  hourly_shape: readonly number[]
  line_shares: readonly number[]
  conversations: number
  intensity: IntensityCell[]
}

export function historyHolidays(o: HistoryOptions): string[] {
  if (o.holidays) return [...o.holidays]
  const first = DateTime.fromISO(o.start, { zone: ZONE })
  const last = first.plus({ days: o.days - 1 })
  const hd = new Holidays('IT')
  const out: string[] = []
  for (let y = first.year; y <= last.year; y++) {
    for (const h of hd.getHolidays(y)) {
      const d = h.date.slice(0, 10)
      if (h.type === 'public' && d >= (first.toISODate() as string) && d <= (last.toISODate() as string)) out.push(d)
    }
  }
  return out
}

function checkOptions(o: HistoryOptions): DateTime {
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 400) throw new Error('--days must be a whole number from 1 to 400')
  if (!(o.perDay > 0)) throw new Error('--per-day must be positive')
  if (!(o.trend > -1)) throw new Error('--trend must be above -1')
  const day = DateTime.fromISO(o.start, { zone: ZONE }).startOf('day')
  if (!day.isValid) throw new Error(`invalid start date: ${o.start}`)
  return day
}

/** The expected arrivals per line and local hour, and the arrival times drawn from them. */
export function historyIntensity(o: HistoryOptions): { cells: IntensityCell[]; holidays: string[] } {
  const first = checkOptions(o)
  const holidays = new Set(historyHolidays(o))
  const cells: IntensityCell[] = []
  for (let d = 0; d < o.days; d++) {
    const day = first.plus({ days: d })
    const closed = holidays.has(day.toISODate() as string)
    const level = o.perDay * (1 + (o.trend * d) / Math.max(1, o.days - 1)) * WEEKDAY_FACTORS[day.weekday - 1]!
    for (let h = 0; h < 24; h++) {
      const hourStart = day.set({ hour: h })
      // A 23-hour day skips the missing hour; a 25-hour day counts its repeated hour once.
      if (hourStart.hour !== h) continue
      LINES.forEach((line, i) => {
        cells.push({ line: line.id, team: line.team, hour: hourStart.toUTC().toISO() as string, expected: closed ? 0 : (level * LINE_SHARES[i]! * HOURLY_SHAPE[h]!) / SHAPE_SUM })
      })
    }
  }
  return { cells, holidays: [...holidays] }
}

function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0
  if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rng)))
  const limit = Math.exp(-mean)
  let k = 0
  let p = rng.float()
  while (p > limit) {
    k++
    p *= rng.float()
  }
  return k
}

const gaussian = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float())

export interface Arrival { t: number; line: string; team: string }

/** The arrivals alone (Unix seconds), in time order: what the forecast is about. */
export function historyArrivals(o: HistoryOptions): { arrivals: Arrival[]; cells: IntensityCell[]; holidays: string[] } {
  const { cells, holidays } = historyIntensity(o)
  const rng = createRng(o.seed, 2)
  const arrivals: Arrival[] = []
  for (const c of cells) {
    const t0 = Date.parse(c.hour) / 1000
    const k = poisson(rng, c.expected)
    for (let i = 0; i < k; i++) arrivals.push({ t: t0 + rng.int(0, 3599), line: c.line, team: c.team })
  }
  arrivals.sort((a, b) => a.t - b.t)
  return { arrivals, cells, holidays }
}

/** The whole plan: every arrival a human conversation, agents on shifts day by day. */
export function planHistory(o: HistoryOptions): { plan: Plan; truth: HistoryTruth } {
  const first = checkOptions(o)
  const { arrivals, cells, holidays } = historyArrivals(o)
  const closed = new Set(holidays)
  const rng = createRng(o.seed, 0)
  const end = first.plus({ days: o.days }).toSeconds() - 1
  let counter = 0
  const threads: Thread[] = []
  const agentEvents: Plan['agentEvents'] = []
  const used = new Set<string>()
  const customer = () => {
    for (;;) {
      const id = `393${rng.int(20, 99)}${String(rng.int(0, 9_999_999)).padStart(7, '0')}`
      if (!used.has(id)) return used.add(id), id
    }
  }
  let next = 0
  for (let d = 0; d < o.days; d++) {
    const day = first.plus({ days: d })
    const midnight = day.toSeconds()
    const dayEnd = day.plus({ days: 1 }).toSeconds()
    // One roster per day keeps each agent's list of held chats short (a pick reads it all).
    const roster = createRoster()
    addShifts(roster, rng, midnight, day.weekday >= 6 || closed.has(day.toISODate() as string))
    addShifts(roster, rng, day.plus({ days: 1 }).toSeconds(), day.plus({ days: 1 }).weekday >= 6)
    agentEvents.push(...roster.events.filter((e) => e.t < dayEnd))
    const ctx: PlanContext = { rng, roster, end, wamid: () => wamid(o.seed, ++counter) }
    for (; next < arrivals.length && arrivals[next]!.t < dayEnd; next++) {
      const a = arrivals[next]!
      const line = LINES.find((l) => l.id === a.line)!
      const thread: Thread = { n: threads.length, line: line.id, customer: customer(), name: rng.pick(NAMES), flow: 'human', team: line.team, steps: [], notes: [] }
      const sentiment: Sentiment = rng.weighted([['negative', 0.15], ['neutral', 0.75], ['positive', 0.1]] as const)
      humanConversation(new Script(ctx, thread), a.t, thread.team, sentiment, true)
      thread.steps = thread.steps.filter((s) => s.t <= end)
      for (const s of thread.steps) if (s.kind === 'out') s.statuses = s.statuses.filter((st) => st.t <= end)
      if (thread.steps.length) threads.push(thread)
    }
  }
  threads.sort((a, b) => a.steps[0]!.t - b.steps[0]!.t)
  threads.forEach((t, i) => (t.n = i))
  const plan: Plan = {
    seed: o.seed,
    start: first.toUTC().toISO() as string,
    end,
    lines: LINES,
    agents: AGENTS,
    agentEvents: agentEvents.filter((e) => e.t <= end).sort((a, b) => a.t - b.t || a.agent.localeCompare(b.agent)),
    threads,
  }
  const truth: HistoryTruth = {
    kind: 'history',
    seed: o.seed,
    start: o.start,
    days: o.days,
    per_day: o.perDay,
    trend: o.trend,
    holidays,
    weekday_factors: WEEKDAY_FACTORS,
    hourly_shape: HOURLY_SHAPE,
    line_shares: LINE_SHARES,
    conversations: threads.length,
    intensity: cells,
  }
  return { plan, truth }
}

function wamid(seed: number, n: number): string {
  const head = Buffer.alloc(8)
  head.writeInt32BE((seed ^ 0x5eed) | 0, 0)
  head.writeUInt32BE(n, 4)
  return `wamid.HBgM${Buffer.concat([head, createHash('sha256').update(head).digest().subarray(0, 16)]).toString('base64')}`
}
