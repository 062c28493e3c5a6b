/**
 * Point-in-time figures for the gauges of docs/metrics.md (and the wallboard), from the live
 * state of every partition this processor owns: computed once a second, read by each scrape.
 */
import type { Engine } from '../core/engine.js'
import { stateOf, type BacklogState } from '../core/state.js'

export interface LineTeamState {
  line: string
  team: string
  open: Record<BacklogState, number>
  awaitingFirstResponse: number
  overThreshold: number
  /** Earliest waiting start (ms), or null when nobody waits. */
  oldestWaitingSince: number | null
  windowClosing: number
}

export interface TeamAgents {
  team: string
  online: number
  /** Active conversations of the team's agents (online or not). */
  active: number
  /** Online agents with at least one active conversation. */
  occupied: number
  /** Σ over online agents of min(active / capacity, 1). */
  loadSum: number
}

export interface LiveState {
  at: number
  byLineTeam: LineTeamState[]
  teams: TeamAgents[]
}

/**
 * `now` is the clock the figures are for (ms). Agents are told to every partition (their status
 * is the same in each engine); their active conversations are summed over the partitions.
 */
export function liveState(engines: readonly Engine[], now: number): LiveState {
  const byKey = new Map<string, LineTeamState>()
  const th = engines[0]?.view.config.thresholds
  const windowMs = (th?.service_window ?? 86_400) * 1000
  const soonMs = (th?.window_closing_soon ?? 3_600) * 1000
  for (const engine of engines) {
    for (const c of engine.view.convs.values()) {
      if (!c.open) continue
      const key = `${c.line}\u0001${c.team}`
      let s = byKey.get(key)
      if (!s) {
        s = { line: c.line, team: c.team, open: { bot: 0, unassigned: 0, awaiting_agent: 0, awaiting_customer: 0 }, awaitingFirstResponse: 0, overThreshold: 0, oldestWaitingSince: null, windowClosing: 0 }
        byKey.set(key, s)
      }
      s.open[stateOf(c)]++
      if (c.waitingSince === null) continue
      if (c.firstHumanAt === null) s.awaitingFirstResponse++
      if (c.breachedAt !== null) s.overThreshold++
      if (s.oldestWaitingSince === null || c.waitingSince < s.oldestWaitingSince) s.oldestWaitingSince = c.waitingSince
      const closes = c.lastCustomerAt + windowMs
      if (closes > now && closes - now <= soonMs) s.windowClosing++
    }
  }

  const agents = new Map<string, { team: string; online: boolean; capacity: number; active: number }>()
  for (const engine of engines) {
    for (const a of engine.view.agents.byId.values()) {
      const seen = agents.get(a.id)
      if (seen) seen.active += a.active
      else agents.set(a.id, { team: a.team, online: a.online, capacity: a.capacity, active: a.active })
    }
  }
  const teams = new Map<string, TeamAgents>()
  for (const a of agents.values()) {
    let t = teams.get(a.team)
    if (!t) teams.set(a.team, (t = { team: a.team, online: 0, active: 0, occupied: 0, loadSum: 0 }))
    t.active += a.active
    if (!a.online) continue
    t.online++
    if (a.active > 0) t.occupied++
    t.loadSum += Math.min(a.active / a.capacity, 1)
  }
  return { at: now, byLineTeam: [...byKey.values()], teams: [...teams.values()] }
}
