/**
 * The read model (STYLE.md "The read model"): an immutable projection of the live state of the
 * engines a processor owns, at a moment. The core decides every point-in-time KPI here once —
 * backlog state, waiting, first response pending, over the limit, the warning and breach
 * moments, the service window closing, agents' load — and the readers (`/metrics` gauges, the
 * wallboard, `/v1/summary`) only select and format. Reading changes nothing.
 */
import type { Engine } from './engine.js'
import { escalationMoments } from './escalation.js'
import { conversationId, stateOf, type BacklogState } from './state.js'
import { missPending, policyOf, priorityOf, stepsPaged, targetActive } from './sla-rules.js'

/** ok, warning, breach, or the name of the highest escalation step paged (docs/sla.md). */
export type EscalationLevel = string

export interface WaitingChat {
  /** The conversation id (`<line>|<customer hash>#<opened ms>`): unique, never a phone number. */
  readonly id: string
  /** A short code for people: the first hex digits of the customer hash. */
  readonly code: string
  readonly line: string
  readonly team: string
  readonly agent: string | null
  readonly category: string | null
  /** The customer's latest sentiment in [−1, 1], or null. */
  readonly sentiment: number | null
  readonly waitingSince: number
  /** Waiting for its first human response (KPIS.md "First response time"). */
  readonly firstResponse: boolean
  /** The five-minute rule's moments for this waiting period (null: never, outside hours). */
  readonly warnAt: number | null
  readonly breachAt: number | null
  readonly level: EscalationLevel
  /** The helpdesk's own id of the conversation (events' helpdesk_conversation), for a deep link, or null. */
  readonly helpdeskConversation: string | null
  /** The chat's SLA policy and priority (docs/sla.md): the limit counted down is its policy's. */
  readonly policy: string
  readonly priority: string
}

export interface LineTeamBacklog {
  readonly line: string
  readonly team: string
  readonly open: Readonly<Record<BacklogState, number>>
  readonly awaitingFirstResponse: number
  /** Waiting past the five-minute rule (breached, not answered yet). */
  readonly overThreshold: number
  /** Earliest waiting start (ms), or null when nobody waits. */
  readonly oldestWaitingSince: number | null
  /** Waiting chats whose 24 h service window closes within `window_closing_soon`. */
  readonly windowClosing: number
}

export interface AgentLoad {
  readonly agent: string
  readonly team: string
  readonly online: boolean
  /** Active conversations, summed over the partitions (each partition counts its own). */
  readonly active: number
  readonly capacity: number
  /** KPIS.md "Agent load": active ÷ capacity, at most 1. */
  readonly load: number
}

export interface Projection {
  readonly at: number
  readonly byLineTeam: readonly LineTeamBacklog[]
  /** Every waiting chat, the longest-waiting first. */
  readonly waiting: readonly WaitingChat[]
  readonly agents: readonly AgentLoad[]
  /**
   * Per policy name and target (first response, next response, resolution): [running, missed not
   * yet logged] (sla.ts: a miss is logged when its target closes; readers add these to the tallies).
   */
  readonly sla: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>
}

/** KPIS.md "Agent load": one agent's share of their capacity in use, at most 1. */
export const agentLoad = (active: number, capacity: number) => Math.min(active / capacity, 1)

const emptyBacklog = (): Record<BacklogState, number> => ({ bot: 0, unassigned: 0, awaiting_agent: 0, awaiting_customer: 0 })

/**
 * `now`: the moment the figures are for (ms). `waiting: false` leaves the list of waiting chats
 * out (the gauges need only the counts, once a second over every open conversation). Agents are told to every partition (their status is
 * the same in each engine); their active conversations are summed over the partitions.
 */
export function project(engines: readonly Engine[], now: number, opts: { waiting?: boolean } = {}): Projection {
  const withWaiting = opts.waiting ?? true
  const byKey = new Map<string, { line: string; team: string; open: Record<BacklogState, number>; awaitingFirstResponse: number; overThreshold: number; oldestWaitingSince: number | null; windowClosing: number }>()
  const waiting: WaitingChat[] = []
  const sla = new Map<string, Array<[number, number]>>()
  const moments = { warn: 0, breach: 0 }
  for (const engine of engines) {
    const { convs, config, slaRules } = engine.view
    const th = config.thresholds
    const windowMs = th.service_window * 1000
    const soonMs = th.window_closing_soon * 1000
    for (const c of convs.values()) {
      if (!c.open) continue
      const policy = policyOf(slaRules, c)
      let row = sla.get(policy.name)
      if (!row) sla.set(policy.name, (row = [[0, 0], [0, 0], [0, 0]]))
      for (let i = 0; i < 3; i++) {
        if (targetActive(slaRules, c, i)) row[i]![0]++
        if (missPending(c, i)) row[i]![1]++
      }
      const key = `${c.line}\u0001${c.team}`
      let s = byKey.get(key)
      if (!s) byKey.set(key, (s = { line: c.line, team: c.team, open: emptyBacklog(), awaitingFirstResponse: 0, overThreshold: 0, oldestWaitingSince: null, windowClosing: 0 }))
      s.open[stateOf(c)]++
      if (c.waitingSince === null) continue
      if (c.firstHumanAt === null) s.awaitingFirstResponse++
      if (c.breachedAt !== null) s.overThreshold++
      if (s.oldestWaitingSince === null || c.waitingSince < s.oldestWaitingSince) s.oldestWaitingSince = c.waitingSince
      const closes = c.lastCustomerAt + windowMs
      if (closes > now && closes - now <= soonMs) s.windowClosing++
      if (!withWaiting) continue
      const { warn, breach } = escalationMoments(c, slaRules, moments)
      const steps = stepsPaged(c)
      const hash = c.key.indexOf('|') + 1
      waiting.push({
        id: conversationId(c),
        code: c.key.slice(hash, hash + 6),
        line: c.line,
        team: c.team,
        agent: c.agent,
        category: c.category,
        sentiment: c.sentimentLast,
        waitingSince: c.waitingSince,
        firstResponse: c.firstHumanAt === null,
        warnAt: Number.isFinite(warn) ? warn : null,
        breachAt: Number.isFinite(breach) ? breach : null,
        level: steps > 0 ? slaRules.steps[steps - 1]!.name : c.breachedAt !== null ? 'breach' : c.warnedAt !== null ? 'warning' : 'ok',
        helpdeskConversation: c.helpdeskConversation ?? null,
        policy: policy.name,
        priority: priorityOf(c),
      })
    }
  }
  waiting.sort((a, b) => a.waitingSince - b.waitingSince || (a.id < b.id ? -1 : 1))

  return { at: now, byLineTeam: [...byKey.values()], waiting, agents: projectAgents(engines), sla }
}

/** The SLA policy and priority of a conversation of `engine` (the per-chat alerts' annotations), or null when it is gone. */
export function chatSla(engine: Engine, conversation: string): { policy: string; priority: string } | null {
  const c = engine.view.convs.get(conversation.slice(0, conversation.lastIndexOf('#')))
  if (!c || conversationId(c) !== conversation) return null
  return { policy: policyOf(engine.view.slaRules, c).name, priority: priorityOf(c) }
}

/** Agents' load over the engines: their status is the same in each, active conversations are summed. */
export function projectAgents(engines: readonly Engine[]): AgentLoad[] {
  const agents = new Map<string, { agent: string; team: string; online: boolean; active: number; capacity: number }>()
  for (const engine of engines) {
    for (const a of engine.view.agents.byId.values()) {
      const seen = agents.get(a.id)
      if (seen) seen.active += a.active
      else agents.set(a.id, { agent: a.id, team: a.team, online: a.online, active: a.active, capacity: a.capacity })
    }
  }
  return [...agents.values()].map((a) => ({ ...a, load: agentLoad(a.active, a.capacity) }))
}

/**
 * The reassignment hint of an escalation (docs/sla.md "Routing"): the online agent of the team
 * with the most spare capacity (capacity − active, above 0), not the chat's own agent; ties go to
 * the lower load, then the name. null when nobody has room.
 */
export function reassignmentHint(agents: readonly AgentLoad[], team: string, exclude: string | null): string | null {
  let best: AgentLoad | null = null
  for (const a of agents) {
    if (!a.online || a.team !== team || a.agent === exclude || a.capacity - a.active <= 0) continue
    const spare = a.capacity - a.active
    const bestSpare = best ? best.capacity - best.active : -1
    if (spare > bestSpare || (spare === bestSpare && (a.load < best!.load || (a.load === best!.load && a.agent < best!.agent)))) best = a
  }
  return best?.agent ?? null
}
