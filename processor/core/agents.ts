/**
 * Agent online time, occupancy and load (KPIS.md "Agents"), integrated over event time:
 * each change first accounts for the time since the previous one.
 */
import { stateOf, type Conversation } from './state.js'

export interface Agent {
  id: string
  team: string
  online: boolean
  capacity: number
  active: number
  since: number
  onlineMs: number
  occupiedMs: number
  /** ∫ min(active / capacity, 1) dt over online time. */
  loadMs: number
}

export class Agents {
  readonly byId = new Map<string, Agent>()
  constructor(private readonly defaultTeam: string, private readonly defaultCapacity: number) {}

  toState(): Agent[] {
    return [...this.byId.values()]
  }

  restore(agents: Agent[]): void {
    for (const a of agents) this.byId.set(a.id, a)
  }

  get(id: string, at: number): Agent {
    let a = this.byId.get(id)
    if (!a) {
      a = { id, team: this.defaultTeam, online: false, capacity: this.defaultCapacity, active: 0, since: at, onlineMs: 0, occupiedMs: 0, loadMs: 0 }
      this.byId.set(id, a)
    }
    return a
  }

  /** Accounts for the time up to `at` (late events do not rewind it). */
  touch(a: Agent, at: number): void {
    const dt = at - a.since
    if (dt <= 0) return
    if (a.online) {
      a.onlineMs += dt
      if (a.active > 0) a.occupiedMs += dt
      a.loadMs += dt * Math.min(a.active / a.capacity, 1)
    }
    a.since = at
  }

  status(id: string, team: string | null, online: boolean, capacity: number, at: number): void {
    const a = this.get(id, at)
    this.touch(a, at)
    a.online = online
    a.capacity = capacity
    if (team) a.team = team
  }

  /**
   * Counts a conversation as active for its agent while it is open and not awaiting the customer
   * (KPIS.md "Agents"), moving it when either changes.
   */
  recount(c: Conversation, at: number): void {
    const want = c.open && c.agent && stateOf(c) !== 'awaiting_customer' ? c.agent : null
    if (want !== c.countedAgent) {
      this.move(c.countedAgent, want, at)
      c.countedAgent = want
    }
  }

  /** Moves one active conversation between agents (either may be null). */
  move(from: string | null, to: string | null, at: number): void {
    if (from === to) return
    if (from) {
      const a = this.get(from, at)
      this.touch(a, at)
      a.active = Math.max(0, a.active - 1)
    }
    if (to) {
      const a = this.get(to, at)
      this.touch(a, at)
      a.active++
    }
  }

  /** Cumulative times (ms) up to `until`, without changing the state (agent_minute rows). */
  totals(until: number) {
    return [...this.byId.values()].map((a) => {
      const dt = a.online ? Math.max(0, until - a.since) : 0
      return {
        agent: a.id, team: a.team, online: a.online, active: a.active, capacity: a.capacity,
        onlineMs: a.onlineMs + dt,
        occupiedMs: a.occupiedMs + (a.active > 0 ? dt : 0),
        loadMs: a.loadMs + dt * Math.min(a.active / a.capacity, 1),
      }
    })
  }

  /** Figures up to `until`, without changing the state. */
  report(until: number) {
    return [...this.byId.values()].map((a) => {
      const dt = a.online ? Math.max(0, until - a.since) : 0
      const onlineMs = a.onlineMs + dt
      const occupiedMs = a.occupiedMs + (a.active > 0 ? dt : 0)
      const loadMs = a.loadMs + dt * Math.min(a.active / a.capacity, 1)
      return {
        agent: a.id,
        team: a.team,
        online: a.online,
        active: a.active,
        capacity: a.capacity,
        online_seconds: onlineMs / 1000,
        occupancy: onlineMs > 0 ? occupiedMs / onlineMs : null,
        load: onlineMs > 0 ? loadMs / onlineMs : null,
      }
    })
  }
}
