/**
 * SLA outcomes (docs/sla.md): the policy a chat falls under, decided at opening and again when
 * its priority, tier, team or category changes; each target's outcome, hit or missed, under the
 * policy in force when it falls. The rules themselves are in sla-rules.ts.
 *
 * A hit comes with a reply or a resolution and is logged then (tally and `sla` effect). A miss
 * falls at a deadline, while the chat still waits: it only sets a bit then, and is logged when its
 * target closes (the reply, the end of the waiting period, the resolution) or the policy changes.
 * Readers add the misses not yet logged (missPending) to the logged ones, so every view counts a
 * miss from its moment; a flood of chats left waiting holds no record per miss (memory, see
 * docs/processor.md "Speed").
 */
import { SLA_TARGETS, type Priority } from '../../schemas/sla-config.js'
import { TimerKind } from './timers.js'
import type { Conversation } from './state.js'
import type { CoreContext } from './context.js'
import { LOGGED_BIT, MISSED_BIT, NRT_MISSED, calendarOf, deadline, matchPolicy, missPending, policyIndexOf, policyOf, withPolicy, withPriority, type SlaRules } from './sla-rules.js'

const FIRST = 0
const NEXT = 1
const RESOLUTION = 2
const missed = (c: Conversation, i: number) => (c.sla & MISSED_BIT[i as 0 | 1 | 2]) !== 0

export function createSla(ctx: CoreContext, rules: SlaRules) {
  const { timers, tallies, emit, changed } = ctx

  function log(c: Conversation, i: number, hit: boolean, at: number) {
    const policy = policyOf(rules, c).name
    tallies.slaOutcome(policy, i, hit)
    emit({ type: 'sla', key: c.key, openedAt: c.openedAt, line: c.line, team: c.team, policy, target: SLA_TARGETS[i]!, outcome: hit ? 'hit' : 'missed', at })
    changed(c)
  }

  /** Logs target `i`'s pending miss (at its moment: one past the deadline, or `at` if that moved later). */
  function flush(c: Conversation, i: number, at: number) {
    if (!missPending(c, i)) return
    c.sla |= LOGGED_BIT[i as 0 | 1 | 2]
    log(c, i, false, Math.min(at, deadline(rules, c, i) + 1))
  }

  function miss(c: Conversation, i: number) {
    c.sla |= MISSED_BIT[i as 0 | 1 | 2]
    changed(c)
  }

  /** The resolution target's timer: one per chat, at the moment after its deadline. */
  function scheduleResolution(c: Conversation) {
    const due = deadline(rules, c, RESOLUTION)
    if (Number.isFinite(due) && c.firstResolvedAt === null && !missed(c, RESOLUTION)) timers.push({ at: due + 1, kind: TimerKind.SlaResolution, key: c.key, ref: c.openedAt })
  }

  /** The target the current waiting period is timed against (first or next response), or -1. */
  const waitTarget = (c: Conversation) => (c.waitingSince === null || !c.open ? -1 : c.firstHumanAt === null ? FIRST : NEXT)

  return {
    /** A new conversation: normal, no tier, and the policy that fits it. */
    open(c: Conversation) {
      c.sla = withPolicy(c.sla, matchPolicy(rules, c))
      scheduleResolution(c)
    },

    /** The moment (ms) the waiting period's response target is missed if nobody replies: one past its deadline. Infinity when nothing is timed. */
    waitMissAt(c: Conversation): number {
      const i = waitTarget(c)
      return i < 0 || missed(c, i) ? Infinity : deadline(rules, c, i) + 1
    },

    /** Marks the waiting period's response target missed when its moment is at or before `now`. */
    waitDue(c: Conversation, now: number): boolean {
      const i = waitTarget(c)
      if (i < 0 || missed(c, i) || !(deadline(rules, c, i) < now)) return false
      miss(c, i)
      return true
    },

    /** A human reply at `at`: the first or next response target is hit, or its miss logged. */
    replied(c: Conversation, at: number, first: boolean) {
      const i = first ? FIRST : NEXT
      if (policyOf(rules, c).targets[i] == null) return
      if (!missed(c, i) && at <= deadline(rules, c, i)) return log(c, i, true, at)
      if (!missed(c, i)) miss(c, i)
      flush(c, i, at)
    },

    /** The waiting period ends at `at`: a response target missed in it is logged. */
    waitingEnded(c: Conversation, at: number) {
      flush(c, FIRST, at)
      flush(c, NEXT, at)
      c.sla &= ~(NRT_MISSED | LOGGED_BIT[NEXT])
    },

    /** The first explicit resolution at `at`. */
    resolved(c: Conversation, at: number) {
      if (policyOf(rules, c).targets[RESOLUTION] == null) return
      if (!missed(c, RESOLUTION) && at <= deadline(rules, c, RESOLUTION)) return log(c, RESOLUTION, true, at)
      if (!missed(c, RESOLUTION)) miss(c, RESOLUTION)
      flush(c, RESOLUTION, at)
    },

    /** Any resolution (an inactivity close too) or erasure: whatever miss is pending is logged. */
    closed(c: Conversation, at: number) {
      for (let i = 0; i < 3; i++) flush(c, i, at)
    },

    /** The SlaResolution timer set for the conversation opened at `ref`. */
    resolutionDue(c: Conversation | undefined, ref: number, at: number) {
      if (!c || c.openedAt !== ref || c.firstResolvedAt !== null || missed(c, RESOLUTION)) return
      if (deadline(rules, c, RESOLUTION) < at) miss(c, RESOLUTION)
    },

    /** A conversation.prioritised event: new priority and tier bits (the caller re-applies the policy). */
    prioritise(c: Conversation, priority: Priority, tier: string | null) {
      c.sla = withPriority(rules, c.sla, priority, tier)
      changed(c)
    },

    /**
     * Decides the policy again (docs/sla.md "Re-application"): true when the policy or the chat's
     * calendar changed, so its timers must follow. Pending misses are logged under the policy they
     * fell in; a resolution deadline already past under the new one is missed now.
     */
    rematch(c: Conversation, at: number, previousTeam: string): boolean {
      const index = matchPolicy(rules, c)
      const calendarMoved = previousTeam !== c.team && calendarOf(rules, { team: previousTeam, line: c.line }) !== calendarOf(rules, c)
      if (index === policyIndexOf(c) && !calendarMoved) return false
      if (index !== policyIndexOf(c)) for (let i = 0; i < 3; i++) flush(c, i, at)
      c.sla = withPolicy(c.sla, index)
      changed(c)
      if (c.firstResolvedAt === null && !missed(c, RESOLUTION) && deadline(rules, c, RESOLUTION) < at) miss(c, RESOLUTION)
      else scheduleResolution(c)
      return true
    },
  }
}
export type Sla = ReturnType<typeof createSla>
