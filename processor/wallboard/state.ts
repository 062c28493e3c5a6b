/**
 * What the wallboard shows (issue 8), computed from the live state of every partition this
 * processor owns. No customer number or message text: a chat is shown by a short code of its
 * opaque id (a hash), with its line, team, agent, category and sentiment.
 */
import type { Engine } from '../core/engine.js'
import { TimingStat } from '../core/timing.js'
import { project, type WaitingChat } from '../core/projection.js'
import { rebalanceMoves, teamBalance } from '../core/rebalance.js'
import { helpdeskUrl } from '../../schemas/helpdesk.js'

/** A waiting chat as the page shows it: `link` opens it in the helpdesk (the line's helpdesk_url), or null. */
export interface WallboardChat extends WaitingChat {
  readonly link: string | null
  /** The agent the rebalance advice would hand it to (docs/advice.md), or null. */
  readonly moveTo: string | null
}
export type { WaitingChat }

export interface WallboardState {
  /** The clock the figures are for (ms). */
  at: number
  backlog: { bot: number; unassigned: number; awaiting_agent: number; awaiting_customer: number }
  waitingTotal: number
  breached: number
  /** The longest-waiting chats first, at most `maxChats`. */
  waiting: readonly WallboardChat[]
  lastHour: { frt: { count: number; p50: number | null; p90: number | null }; serviceLevel: number | null; opened: number; resolved: number }
  /** FRT of the last 5 minutes: the charts' current point. */
  last5m: { frt: { count: number; p50: number | null; p90: number | null } }
  /** `overloaded`: over capacity while a teammate has room (processor/core/rebalance.ts). */
  agents: Array<{ agent: string; team: string; active: number; capacity: number; load: number; overloaded: boolean }>
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
  // The core decides the backlog, who waits, and each chat's warning and breach moments.
  const p = project(engines, now)
  const backlog = { bot: 0, unassigned: 0, awaiting_agent: 0, awaiting_customer: 0 }
  let breached = 0
  for (const s of p.byLineTeam) {
    for (const k of Object.keys(backlog) as Array<keyof typeof backlog>) backlog[k] += s.open[k]
    breached += s.overThreshold
  }
  const lines = engines[0]?.view.config.lines ?? {}
  // The rebalance advice marks the overloaded agents and the chats that could move.
  const spareBelow = engines[0]?.view.config.advice.spare_below ?? 1
  const overloaded = new Set(teamBalance(p, spareBelow).flatMap((t) => t.overloadedAgents))
  const moveTo = new Map(rebalanceMoves(p, spareBelow).map((m) => [m.conversation, m.to]))
  const waiting = p.waiting.slice(0, maxChats).map((c) => ({ ...c, sentiment: round(c.sentiment, 2), link: helpdeskUrl(lines, c.line, c.helpdeskConversation), moveTo: moveTo.get(c.id) ?? null }))

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

  const csatResponses = sum(day, 'csat_responses')
  const botResolved = sum(day, 'bot_resolved')
  return {
    at: now,
    backlog,
    waitingTotal: p.waiting.length,
    breached,
    waiting,
    lastHour: {
      frt: { count: frt.count, p50: round(frt.quantile(0.5)), p90: round(frt.quantile(0.9)) },
      serviceLevel: frt.count ? round(sum(hour, 'frt_within_target') / frt.count, 4) : null,
      opened: sum(hour, 'opened'),
      resolved: sum(hour, 'resolved'),
    },
    last5m: { frt: { count: frt5.count, p50: round(frt5.quantile(0.5)), p90: round(frt5.quantile(0.9)) } },
    agents: p.agents
      .filter((a) => a.online)
      .map((a) => ({ agent: a.agent, team: a.team, active: a.active, capacity: a.capacity, load: round(a.load, 3)!, overloaded: overloaded.has(a.agent) }))
      .sort((a, b) => b.load - a.load || (a.agent < b.agent ? -1 : 1)),
    today: {
      since,
      csat: { responses: csatResponses, percent: csatResponses ? round((100 * sum(day, 'csat_positive')) / csatResponses) : null },
      containment: { resolved: botResolved, contained: sum(day, 'bot_contained'), rate: botResolved ? round(sum(day, 'bot_contained') / botResolved, 4) : null },
    },
  }
}
