/**
 * Agents' minute rows (KPIS.md "Agents": online time, occupancy, load): cumulative times at each
 * minute boundary the clock passes, taken before anything at or after the boundary applies, for
 * at most a day after the agents last changed: later minutes carry nothing new (each total grows
 * linearly from the last row), and a quiet week writes no week of rows. Only what happened before
 * a minute decides it, so the figures are the same however the stream is batched, checkpointed
 * or ordered within the lateness (a cap counted back from the clock's target was not: targets are
 * watermarks, which depend on the order).
 */
import type { CoreContext } from './context.js'

const MINUTE = 60_000
const MAX_AGENT_MINUTES = 1_440

export function createAgentMinutes({ agents, tallies, emit }: CoreContext, clock: number) {
  const { rolling } = tallies
  let nextMinute = Number.isFinite(clock) ? Math.floor(clock / MINUTE) * MINUTE + MINUTE : Infinity

  /** The clock's first target: minutes count from the one after it. */
  function start(now: number) {
    if (nextMinute === Infinity && Number.isFinite(now)) nextMinute = Math.floor(now / MINUTE) * MINUTE + MINUTE
  }

  /** The clock moves to `to` (ms). */
  function pass(to: number) {
    if (to < nextMinute) return
    // Old minutes leave the rolling timings here, as the clock advances, never when one is read.
    rolling.frt.prune(to)
    rolling.nrt.prune(to)
    rolling.resolution.prune(to)
    if (agents.byId.size > 0) {
      const last = Math.floor(to / MINUTE) * MINUTE
      let changed = -Infinity
      for (const a of agents.byId.values()) if (a.since > changed) changed = a.since
      const until = Math.min(last, changed + MAX_AGENT_MINUTES * MINUTE)
      for (let m = nextMinute; m <= until; m += MINUTE) emit({ type: 'agent_minute', end: m, agents: agents.totals(m) })
    }
    nextMinute = Math.floor(to / MINUTE) * MINUTE + MINUTE
  }

  return { start, pass }
}
