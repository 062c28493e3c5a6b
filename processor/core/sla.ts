/**
 * SLA outcomes (docs/sla.md): the policy a chat falls under, decided at opening and again when
 * its priority, tier, team or category changes; each target's outcome, hit or missed, counted
 * once under the policy in force when it falls. The rules themselves are in sla-rules.ts.
 */
import { SLA_TARGETS, type Priority } from '../../schemas/sla-config.js'
import { TimerKind } from './timers.js'
import type { Conversation } from './state.js'
import type { CoreContext } from './context.js'
import { MISSED_BIT, calendarOf, deadline, matchPolicy, policyIndexOf, policyOf, withPolicy, withPriority, type SlaRules } from './sla-rules.js'

const FIRST = 0
const NEXT = 1
const RESOLUTION = 2

export function createSla(ctx: CoreContext, rules: SlaRules) {
  const { timers, tallies, emit, changed } = ctx

  function decide(c: Conversation, i: number, hit: boolean, at: number) {
    const policy = policyOf(rules, c).name
    if (!hit) c.sla |= MISSED_BIT[i as 0 | 1 | 2]
    tallies.slaOutcome(policy, i, hit)
    const startedAt = i === FIRST ? (c.handoffAt ?? c.openedAt) : i === NEXT ? (c.waitingSince ?? at) : c.openedAt
    emit({ type: 'sla', key: c.key, openedAt: c.openedAt, line: c.line, team: c.team, policy, target: SLA_TARGETS[i]!, outcome: hit ? 'hit' : 'missed', startedAt, at })
    changed(c)
  }

  /** The resolution target's timer: one per chat, at the moment after its deadline. */
  function scheduleResolution(c: Conversation) {
    const due = deadline(rules, c, RESOLUTION)
    if (Number.isFinite(due) && c.firstResolvedAt === null && !(c.sla & MISSED_BIT[RESOLUTION])) timers.push({ at: due + 1, kind: TimerKind.SlaResolution, key: c.key, ref: c.openedAt })
  }

  /** The target the current waiting period is timed against (first or next response), or -1. */
  const waitTarget = (c: Conversation) => (c.waitingSince === null || !c.open ? -1 : c.firstHumanAt === null ? FIRST : NEXT)

  return {
    /** A new conversation: normal, no tier, and the policy that fits it. */
    open(c: Conversation) {
      c.sla = withPolicy(c.sla, matchPolicy(rules, c))
      scheduleResolution(c)
    },

    /**
     * The moment (ms) the waiting period's response target is missed if nobody replies: one past
     * its deadline (a reply at the deadline is in time). Infinity when nothing is timed.
     */
    waitMissAt(c: Conversation): number {
      const i = waitTarget(c)
      if (i < 0 || c.sla & MISSED_BIT[i as 0 | 1]) return Infinity
      return deadline(rules, c, i) + 1
    },

    /** Counts the waiting period's response target missed when its moment is at or before `now`. */
    waitDue(c: Conversation, now: number): boolean {
      const i = waitTarget(c)
      if (i < 0 || c.sla & MISSED_BIT[i as 0 | 1] || !(deadline(rules, c, i) < now)) return false
      decide(c, i, false, now)
      return true
    },

    /** A human reply at `at`: the first or next response target is hit (or, overdue and not yet counted, missed). */
    replied(c: Conversation, at: number, first: boolean) {
      const i = first ? FIRST : NEXT
      if (c.sla & MISSED_BIT[i as 0 | 1]) return
      if (policyOf(rules, c).targets[i] != null) decide(c, i, at <= deadline(rules, c, i), at)
    },

    /** The first explicit resolution at `at`. */
    resolved(c: Conversation, at: number) {
      if (c.sla & MISSED_BIT[RESOLUTION] || policyOf(rules, c).targets[RESOLUTION] == null) return
      decide(c, RESOLUTION, at <= deadline(rules, c, RESOLUTION), at)
    },

    /** The SlaResolution timer set for the conversation opened at `ref`. */
    resolutionDue(c: Conversation | undefined, ref: number, at: number) {
      if (!c || c.openedAt !== ref || c.firstResolvedAt !== null || c.sla & MISSED_BIT[RESOLUTION]) return
      if (deadline(rules, c, RESOLUTION) < at) decide(c, RESOLUTION, false, at)
    },

    /** A conversation.prioritised event: new priority and tier bits (the caller re-applies the policy). */
    prioritise(c: Conversation, priority: Priority, tier: string | null) {
      c.sla = withPriority(rules, c.sla, priority, tier)
      changed(c)
    },

    /**
     * Decides the policy again (docs/sla.md "Re-application"): true when the policy or the chat's
     * calendar changed, so its timers must follow. A resolution deadline already past is missed now.
     */
    rematch(c: Conversation, at: number, previousTeam: string): boolean {
      const index = matchPolicy(rules, c)
      const calendarMoved = previousTeam !== c.team && calendarOf(rules, { team: previousTeam, line: c.line }) !== calendarOf(rules, c)
      if (index === policyIndexOf(c) && !calendarMoved) return false
      c.sla = withPolicy(c.sla, index)
      changed(c)
      if (c.firstResolvedAt === null && !(c.sla & MISSED_BIT[RESOLUTION]) && deadline(rules, c, RESOLUTION) < at) decide(c, RESOLUTION, false, at)
      else scheduleResolution(c)
      return true
    },
  }
}
export type Sla = ReturnType<typeof createSla>
