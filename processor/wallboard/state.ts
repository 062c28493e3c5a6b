/**
 * What the wallboard shows (issue 8), computed from the live state of every partition this
 * processor owns. No customer number or message text: a chat is shown by a short code of its
 * opaque id (a hash), with its line, team, agent, category and sentiment.
 */
import type { Engine } from '../core/engine.js'
import { stateOf } from '../core/state.js'
import { addBusinessSeconds } from '../core/calendar.js'
import { TimingStat } from '../core/timing.js'
import { conversationId } from '../core/state.js'

export interface WaitingChat {
  /** The conversation id (`<line>|<customer hash>#<opened ms>`): unique, never a phone number. */
  id: string
  /** A short code for people: the first hex digits of the customer hash. */
  code: string
  line: string
  team: string
  agent: string | null
  category: string | null
  sentiment: number | null
  waitingSince: number
  firstResponse: boolean
  warnAt: number | null
  breachAt: number | null
  level: 'ok' | 'warning' | 'breach'
}

export interface WallboardState {
  /** The clock the figures are for (ms). */
  at: number
  backlog: { bot: number; unassigned: number; awaiting_agent: number; awaiting_customer: number }
  waitingTotal: number
  breached: number
  /** The longest-waiting chats first, at most `maxChats`. */
  waiting: WaitingChat[]
  lastHour: { frt: { count: number; p50: number | null; p90: number | null }; serviceLevel: number | null; opened: number; resolved: number }
  /** FRT of the last 5 minutes: the charts' current point. */
  last5m: { frt: { count: number; p50: number | null; p90: number | null } }
  agents: Array<{ agent: string; team: string; active: number; capacity: number; load: number }>
  today: { since: number; csat: { responses: number; percent: number | null }; containment: { resolved: number; contained: number; rate: number | null } }
}

const HOUR = 3_600_000
const round = (x: number | null, digits = 1) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits)

function merged(stats: TimingStat[]) {
  const out = new TimingStat()
  for (const s of stats) out.merge(s)
  return out
}

export function wallboardState(engines: readonly Engine[], now: number, maxChats = 100): WallboardState {
  const views = engines.map((e) => e.view)
  const th = views[0]?.config.thresholds
  const backlog = { bot: 0, unassigned: 0, awaiting_agent: 0, awaiting_customer: 0 }
  const waiting: WaitingChat[] = []
  let breached = 0
  for (const v of views) {
    for (const c of v.convs.values()) {
      if (!c.open) continue
      backlog[stateOf(c)]++
      if (c.waitingSince === null || !th) continue
      if (c.breachedAt !== null) breached++
      const limit = c.waitingNegative ? th.escalate_after_negative : th.escalate_after
      const cal = th.escalate_outside_hours ? undefined : v.calendars.get(c.line)
      const at = (seconds: number) => (cal ? addBusinessSeconds(cal, c.waitingSince!, seconds) : c.waitingSince! + seconds * 1000)
      const warnAt = at(limit - th.warn_before)
      const breachAt = at(limit)
      const id = conversationId(c)
      waiting.push({
        id,
        code: c.key.slice(c.key.indexOf('|') + 1, c.key.indexOf('|') + 7),
        line: c.line,
        team: c.team,
        agent: c.agent,
        category: c.category,
        sentiment: round(c.sentimentLast, 2),
        waitingSince: c.waitingSince,
        firstResponse: c.firstHumanAt === null,
        warnAt: Number.isFinite(warnAt) ? warnAt : null,
        breachAt: Number.isFinite(breachAt) ? breachAt : null,
        level: c.breachedAt !== null ? 'breach' : c.warnedAt !== null ? 'warning' : 'ok',
      })
    }
  }
  waiting.sort((a, b) => a.waitingSince - b.waitingSince || (a.id < b.id ? -1 : 1))

  const frt = merged(views.map((v) => v.rolling.frt.window(now, HOUR)))
  const frt5 = merged(views.map((v) => v.rolling.frt.window(now, 5 * 60_000)))
  const hour = views.map((v) => v.rolling.counts.window(now, HOUR))
  const sum = (rows: Array<Record<string, number>>, k: string) => rows.reduce((n, r) => n + (r[k] ?? 0), 0)
  // "Today" per line from its local midnight (engine.ts today()); `since` is the earliest of
  // those midnights, or UTC midnight while no line has counted anything (the figures are 0 then).
  const todays = views.map((v) => v.today(now))
  const day = todays.map((x) => x.counts)
  const earliest = Math.min(...todays.map((x) => x.since))
  const since = Number.isFinite(earliest) ? earliest : Math.floor(now / 86_400_000) * 86_400_000

  const agents = new Map<string, { agent: string; team: string; online: boolean; active: number; capacity: number }>()
  for (const v of views) {
    for (const a of v.agents.byId.values()) {
      const seen = agents.get(a.id)
      if (seen) seen.active += a.active
      else agents.set(a.id, { agent: a.id, team: a.team, online: a.online, active: a.active, capacity: a.capacity })
    }
  }
  const csatResponses = sum(day, 'csat_responses')
  const botResolved = sum(day, 'bot_resolved')
  return {
    at: now,
    backlog,
    waitingTotal: waiting.length,
    breached,
    waiting: waiting.slice(0, maxChats),
    lastHour: {
      frt: { count: frt.count, p50: round(frt.quantile(0.5)), p90: round(frt.quantile(0.9)) },
      serviceLevel: frt.count ? round(sum(hour, 'frt_within_target') / frt.count, 4) : null,
      opened: sum(hour, 'opened'),
      resolved: sum(hour, 'resolved'),
    },
    last5m: { frt: { count: frt5.count, p50: round(frt5.quantile(0.5)), p90: round(frt5.quantile(0.9)) } },
    agents: [...agents.values()]
      .filter((a) => a.online)
      .map((a) => ({ agent: a.agent, team: a.team, active: a.active, capacity: a.capacity, load: round(Math.min(a.active / a.capacity, 1), 3)! }))
      .sort((a, b) => b.load - a.load || (a.agent < b.agent ? -1 : 1)),
    today: {
      since,
      csat: { responses: csatResponses, percent: csatResponses ? round((100 * sum(day, 'csat_positive')) / csatResponses) : null },
      containment: { resolved: botResolved, contained: sum(day, 'bot_contained'), rate: botResolved ? round(sum(day, 'bot_contained') / botResolved, 4) : null },
    },
  }
}
