/**
 * Workload balance (docs/advice.md): per team, how unevenly the online agents are loaded, who is
 * over capacity while a teammate has room, and the concrete moves that even it out. Pure
 * functions of the read model (projection.ts): the gauges, the wallboard and
 * GET /v1/advice/rebalance only select and format what these decide.
 */
import type { AgentLoad, EscalationLevel, Projection, WaitingChat } from './projection.js'

/** Active chats ÷ capacity, not capped at 1: 7 chats on a capacity of 5 is 1.4. */
export const utilisationOf = (a: { active: number; capacity: number }) => a.active / a.capacity
/** Holding more active chats than the capacity the agent declared. */
export const overCapacity = (a: AgentLoad) => a.online && a.active > a.capacity
/** Online, and loaded below `spareBelow` (advice.spare_below): can take chats. */
export const hasRoom = (a: AgentLoad, spareBelow: number) => a.online && a.load < spareBelow

export interface TeamBalance {
  readonly team: string
  /** Online agents of the team. */
  readonly online: number
  /** Highest minus lowest utilisation (active ÷ capacity, uncapped) among the online agents; 0 below two. */
  readonly spread: number
  /**
   * Online agents over capacity while another online agent of the team has room (load below
   * advice.spare_below): the imbalance a move can fix. 0 when nobody has room (that is a
   * staffing problem, HelpdeskUnderstaffedSoon's, not a balance one).
   */
  readonly overCapacity: number
  /** The agents counted in `overCapacity`, by id. */
  readonly overloadedAgents: readonly string[]
  /** Online agents with room, by id. */
  readonly agentsWithRoom: readonly string[]
}

const byId = (a: { agent: string }, b: { agent: string }) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0)

/** Every team that has an agent (online or not), by name. */
export function teamBalance(p: Projection, spareBelow: number): TeamBalance[] {
  const teams = new Map<string, AgentLoad[]>()
  for (const a of p.agents) {
    let list = teams.get(a.team)
    if (!list) teams.set(a.team, (list = []))
    list.push(a)
  }
  const out: TeamBalance[] = []
  for (const [team, all] of teams) {
    const online = all.filter((a) => a.online).sort(byId)
    const utils = online.map(utilisationOf)
    const spread = online.length >= 2 ? Math.max(...utils) - Math.min(...utils) : 0
    const room = online.filter((a) => hasRoom(a, spareBelow))
    const over = room.length ? online.filter(overCapacity) : []
    out.push({ team, online: online.length, spread, overCapacity: over.length, overloadedAgents: over.map((a) => a.agent), agentsWithRoom: room.map((a) => a.agent) })
  }
  return out.sort((a, b) => (a.team < b.team ? -1 : a.team > b.team ? 1 : 0))
}

export interface RebalanceMove {
  /** The conversation id (`<line>|<customer hash>#<opened ms>`). */
  readonly conversation: string
  readonly code: string
  readonly line: string
  readonly team: string
  readonly from: string
  readonly to: string
  readonly level: EscalationLevel
  readonly waitingSince: number
  /** The receiving agent's active chats and capacity once this move (and the earlier ones) is made. */
  readonly toActiveAfter: number
  readonly toCapacity: number
}

/** `breach`, or an escalation step paged after it (docs/sla.md): breaching. */
const levelRank = (level: EscalationLevel) => (level === 'ok' ? 2 : level === 'warning' ? 1 : 0)

/** Breaching chats first, then warned ones, then the longest-waiting, then by id: one order, always. */
export const moveOrder = (a: WaitingChat, b: WaitingChat) =>
  levelRank(a.level) - levelRank(b.level) || a.waitingSince - b.waitingSince || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * The rule (docs/advice.md "Rebalance rule"), per team:
 * 1. Givers: online agents over capacity (active > capacity); each gives at most its excess
 *    (active − capacity), and only chats waiting for a reply (an answered chat stays with the
 *    agent who knows it).
 * 2. Takers: online agents of the same team with room (load below `spareBelow`) when the advice
 *    starts; each takes chats until its active chats reach its capacity, never beyond.
 * 3. The givers' waiting chats in `moveOrder` (breaching first, then warned, then longest
 *    waiting); each goes to the taker with the most free slots (capacity − active, counting the
 *    moves already made), ties to the lower load, then the smaller id.
 * Nothing moves across teams. The result is deterministic for a projection.
 * Needs the projection's waiting chats (`project(…, { waiting: true })`).
 */
export function rebalanceMoves(p: Projection, spareBelow: number, team?: string): RebalanceMove[] {
  const moves: RebalanceMove[] = []
  for (const t of teamBalance(p, spareBelow)) {
    if (team !== undefined && t.team !== team) continue
    if (t.overCapacity === 0) continue
    const agents = new Map(p.agents.map((a) => [a.agent, a]))
    const excess = new Map(t.overloadedAgents.map((id) => [id, agents.get(id)!.active - agents.get(id)!.capacity]))
    const takers = t.agentsWithRoom.map((id) => ({ agent: id, active: agents.get(id)!.active, capacity: agents.get(id)!.capacity }))
    const chats = p.waiting.filter((c) => c.agent !== null && excess.has(c.agent)).sort(moveOrder)
    for (const c of chats) {
      const left = excess.get(c.agent!)!
      if (left <= 0) continue
      let best: (typeof takers)[number] | null = null
      for (const k of takers) {
        const free = k.capacity - k.active
        if (free <= 0) continue
        if (!best) best = k
        else {
          const bestFree = best.capacity - best.active
          if (free > bestFree || (free === bestFree && (utilisationOf(k) < utilisationOf(best) || (utilisationOf(k) === utilisationOf(best) && k.agent < best.agent)))) best = k
        }
      }
      if (!best) break
      best.active++
      excess.set(c.agent!, left - 1)
      moves.push({ conversation: c.id, code: c.code, line: c.line, team: t.team, from: c.agent!, to: best.agent, level: c.level, waitingSince: c.waitingSince, toActiveAfter: best.active, toCapacity: best.capacity })
    }
  }
  return moves
}
