/**
 * Point-in-time figures for the gauges of docs/metrics.md (and the wallboard), from the live
 * state of every partition this processor owns: computed once a second, read by each scrape.
 */
import type { Engine } from '../core/engine.js'
import { project, type LineTeamBacklog } from '../core/projection.js'
import { teamBalance, type TeamBalance } from '../core/rebalance.js'
import { slaSummary } from '../core/summary.js'
import type { SlaSummary } from '../../schemas/summary.js'

export type LineTeamState = LineTeamBacklog

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
  byLineTeam: readonly LineTeamState[]
  teams: TeamAgents[]
  /** Workload balance per team (processor/core/rebalance.ts, docs/advice.md). */
  balance: TeamBalance[]
  /** docs/sla.md "Outcomes" per policy (every configured one and default, zeros included): the summary's `sla`. */
  sla: SlaSummary
}

/** The gauges' selection of the core's projection (processor/core/projection.ts). */
export function liveState(engines: readonly Engine[], now: number): LiveState {
  const p = project(engines, now, { waiting: false })
  const teams = new Map<string, TeamAgents>()
  for (const a of p.agents) {
    let t = teams.get(a.team)
    if (!t) teams.set(a.team, (t = { team: a.team, online: 0, active: 0, occupied: 0, loadSum: 0 }))
    t.active += a.active
    if (!a.online) continue
    t.online++
    if (a.active > 0) t.occupied++
    t.loadSum += a.load
  }
  // Every engine has the same config; with none there are no agents to weigh.
  const spareBelow = engines[0]?.view.config.advice.spare_below ?? 1
  return { at: now, byLineTeam: p.byLineTeam, teams: [...teams.values()], balance: teamBalance(p, spareBelow), sla: slaSummary(engines, p.sla) }
}
