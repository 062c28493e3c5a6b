/**
 * What the core's KPI modules share: the configuration, the conversations, the timer queue, the
 * tallies, and the two outlets (effects, changed conversations). engine.ts builds one per core.
 */
import type { Config } from '../../schemas/config.js'
import type { Calendar } from './calendar.js'
import type { SlaRules } from './sla-rules.js'
import type { TimerQueue } from './timers.js'
import type { Agents } from './agents.js'
import type { Conversation } from './state.js'
import type { Effect } from './effects.js'
import type { createTallies } from './tallies.js'

export const S = 1000

export type Tallies = ReturnType<typeof createTallies>

export interface CoreContext {
  config: Config
  th: Config['thresholds']
  /** Business-hours calendars of the lines that have them. */
  calendars: Map<string, Calendar>
  /** SLA policies, team calendars and escalation steps (sla-rules.ts). */
  slaRules: SlaRules
  /** Open conversations and resolved ones that may still reopen (until their Compact timer). */
  convs: Map<string, Conversation>
  timers: TimerQueue
  agents: Agents
  tallies: Tallies
  emit: (e: Effect) => void
  /** Marks a conversation's row as changed for the sinks. */
  changed: (c: Conversation) => void
  /** The core's event-time clock (ms). */
  clock: () => number
}
