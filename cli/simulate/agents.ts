/**
 * The agents' day: shifts with short breaks (agent.status online / away / offline), and the
 * choice of who takes a conversation: the least loaded agent of the team who is online, another
 * team's agent when the team has nobody for a while, or whoever comes online first (nights).
 */
import { CAPACITY, type AgentEvent, type Team } from './model.js'
import type { Rng } from './random.js'

interface Shift { agent: string; team: Team; from: number; to: number }

/**
 * Weekday shifts in local hours: the most people for the evening peak (18–21); nobody from about
 * 23:45 to 07:30, when customers wait for the morning.
 */
const WEEKDAY: ReadonlyArray<readonly [string, Team, number, number]> = [
  ['a-1', 'billing', 8, 16], ['a-2', 'billing', 9, 17], ['a-3', 'billing', 11, 19], ['a-4', 'billing', 15, 23.25],
  ['a-5', 'support', 7.5, 15.5], ['a-6', 'support', 9, 17], ['a-7', 'support', 12, 20], ['a-8', 'support', 16, 23.5],
  ['a-9', 'support', 17, 23.75], ['a-10', 'sales', 9, 17], ['a-11', 'sales', 13, 21], ['a-12', 'sales', 16, 23.5],
]
/** A quiet day (the lead-in days before the simulated one) runs on a skeleton crew. */
const QUIET: ReadonlyArray<readonly [string, Team, number, number]> = [
  ['a-1', 'billing', 9, 18], ['a-6', 'support', 9, 15], ['a-7', 'support', 14, 20], ['a-10', 'sales', 10, 18],
]

export const AGENTS: ReadonlyArray<{ id: string; team: Team }> = WEEKDAY.map(([id, team]) => ({ id, team }))

export interface Roster {
  events: AgentEvent[]
  /** Online intervals [from, to) per agent, in time order. */
  online: Map<string, Array<[number, number]>>
  team: Map<string, Team>
  /** Conversations held per agent, [assigned, released). */
  held: Map<string, Array<[number, number]>>
}

export function createRoster(): Roster {
  return { events: [], online: new Map(), team: new Map(AGENTS.map((a) => [a.id, a.team])), held: new Map() }
}

/** Adds one day of shifts; `midnight` is the day's local midnight in Unix seconds. */
export function addShifts(roster: Roster, rng: Rng, midnight: number, quiet: boolean): void {
  for (const [agent, team, fromH, toH] of quiet ? QUIET : WEEKDAY) {
    const shift: Shift = { agent, team, from: midnight + fromH * 3600 + rng.int(-600, 600), to: midnight + toH * 3600 + rng.int(-600, 600) }
    const intervals = roster.online.get(agent) ?? []
    roster.online.set(agent, intervals)
    const emit = (t: number, status: AgentEvent['status']) => roster.events.push({ t, agent, team, status, capacity: CAPACITY })
    // One or two breaks ("away") in the middle of the shift.
    const breaks = shift.to - shift.from > 6 * 3600 ? 2 : 1
    let cursor = shift.from
    emit(cursor, 'online')
    for (let b = 1; b <= breaks; b++) {
      const at = shift.from + Math.round(((shift.to - shift.from) * b) / (breaks + 1)) + rng.int(-900, 900)
      const back = at + rng.int(10, 40) * 60
      intervals.push([cursor, at])
      emit(at, 'away')
      emit(back, 'online')
      cursor = back
    }
    intervals.push([cursor, shift.to])
    emit(shift.to, 'offline')
  }
}

/** Earliest time at or after t that the agent is online, or null. */
function nextOnline(roster: Roster, agent: string, t: number): number | null {
  for (const [from, to] of roster.online.get(agent) ?? []) {
    if (t < to) return Math.max(t, from)
  }
  return null
}

export function loadAt(roster: Roster, agent: string, t: number): number {
  let n = 0
  for (const [from, to] of roster.held.get(agent) ?? []) if (from <= t && t < to) n++
  return n
}

export interface Pick {
  agent: string
  team: Team
  /** When the agent can take it (later than asked when nobody is online). */
  at: number
  /** The agent already holds `capacity` conversations. */
  busy: boolean
}

/** Prefers the team (another team's agent when the team has nobody for 90 s), then the lighter load. */
export function pickAgent(roster: Roster, team: Team, t: number): Pick | null {
  let best: (Pick & { cost: number }) | null = null
  for (const [agent, agentTeam] of roster.team) {
    const at = nextOnline(roster, agent, t)
    if (at === null) continue
    const load = loadAt(roster, agent, at)
    const cost = at - t + (agentTeam === team ? 0 : 90) + (load >= CAPACITY ? 240 : load * 20)
    if (best === null || cost < best.cost) best = { agent, team: agentTeam, at, busy: load >= CAPACITY, cost }
  }
  return best && { agent: best.agent, team: best.team, at: best.at, busy: best.busy }
}

export function hold(roster: Roster, agent: string, from: number, to: number): void {
  const list = roster.held.get(agent) ?? []
  list.push([from, to])
  roster.held.set(agent, list)
}
