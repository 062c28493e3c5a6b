/**
 * The five-minute rule and the escalation chain (KPIS.md "The five-minute rule", docs/sla.md):
 * one warning and one breach per waiting period at the limits of the chat's SLA policy (the
 * shorter negative limit when the newest waiting message is negative), then each configured step
 * while still unanswered; paused outside business hours, retracted when a reply stamped before
 * an alert arrives late.
 */
import { TimerKind } from './timers.js'
import { conversationId, customerOf, type Conversation } from './state.js'
import type { CoreContext } from './context.js'
import type { Effect } from './effects.js'
import type { Sla } from './sla.js'
import { LOGGED_BIT, NRT_MISSED, after, escalationCalendar, policyOf, stepMoment, stepsPaged, withSteps, type SlaRules } from './sla-rules.js'

/**
 * When a waiting conversation warns and breaches (ms; Infinity when the calendar never reaches
 * it): the one definition of the rule's moments, for the core's timers and for every reader.
 * Written into `into` (the core's hot path allocates nothing per event).
 */
export function escalationMoments(c: Pick<Conversation, 'waitingSince' | 'waitingNegative' | 'line' | 'team' | 'sla'>, rules: SlaRules, into = { warn: 0, breach: 0 }) {
  const p = policyOf(rules, c)
  // Negative sentiment and the policy combine: the shorter limit applies (docs/sla.md).
  const limit = c.waitingNegative ? Math.min(p.escalateAfterNegative, p.escalateAfter) : p.escalateAfter
  const start = c.waitingSince!
  const cal = escalationCalendar(rules, p, c)
  into.warn = after(cal, start, limit - p.warnBefore)
  into.breach = after(cal, start, limit)
  return into
}

export function createEscalation(ctx: CoreContext, sla: Sla) {
  const { slaRules: rules, timers, tallies, emit } = ctx
  const { totals, rolling } = tallies
  /** When the current waiting period warns and breaches (into `limits`: no allocation per event). */
  const limits = { warn: 0, breach: 0 }
  const limitsOf = (c: Conversation) => escalationMoments(c, rules, limits)

  /**
   * One waiting timer at a time, at the earliest moment still ahead: the response target's miss,
   * the warning, the breach, the next step. A timer whose moment moved is stale and does nothing.
   */
  function scheduleEscalation(c: Conversation) {
    if (c.waitingSince === null) return
    let next = sla.waitMissAt(c)
    if (c.breachedAt === null) {
      const { warn, breach } = limitsOf(c)
      next = Math.min(next, c.warnedAt === null ? warn : breach)
    } else next = Math.min(next, stepMoment(rules, c, stepsPaged(c)))
    if (Number.isFinite(next)) timers.push({ at: next, kind: TimerKind.Waiting, key: c.key, ref: c.waitingSince })
  }

  function notify(c: Conversation, level: string, action: 'fire' | 'resolve' | 'retract', moment: number, firedAt = moment) {
    const e: Extract<Effect, { type: 'escalation' }> = { type: 'escalation', level, action, moment, firedAt, conversation: conversationId(c), line: c.line, customer: customerOf(c.key), team: c.team, agent: c.agent, waitingSince: c.waitingSince ?? moment }
    if (c.helpdeskConversation) e.helpdesk = c.helpdeskConversation
    emit(e)
  }

  /** Ends one fired alert at `at`: answered, or retracted when `at` is before it fired. */
  function end(c: Conversation, level: string, firedAt: number, at: number) {
    if (at >= firedAt) return notify(c, level, 'resolve', at, firedAt)
    // A late reply stamped before the alert's moment: it should never have fired.
    if (level === 'warning') {
      totals.warnings--
      c.warnings--
    } else if (level === 'breach') {
      totals.breaches--
      c.breaches--
      rolling.counts.add(c.line, firedAt, 'breaches', -1)
    }
    notify(c, level, 'retract', firedAt)
  }

  /** The waiting period ends at `at` (a human reply or a resolution). */
  function endWaiting(c: Conversation, at: number) {
    if (c.waitingSince === null) return
    sla.waitingEnded(c, at)
    if (c.warnedAt !== null) end(c, 'warning', c.warnedAt, at)
    if (c.breachedAt !== null) {
      end(c, 'breach', c.breachedAt, at)
      for (let i = 0; i < stepsPaged(c); i++) end(c, rules.steps[i]!.name, stepMoment(rules, c, i), at)
    }
    c.waitingSince = null
    c.waitingNegative = false
    c.warnedAt = null
    c.breachedAt = null
    c.sla = withSteps(c.sla, 0)
  }

  function startWaiting(c: Conversation, at: number) {
    c.waitingSince = at
    c.warnedAt = null
    c.breachedAt = null
    // A new waiting period: its next-response target is timed afresh.
    c.sla = withSteps(c.sla & ~(NRT_MISSED | LOGGED_BIT[1]), 0)
    scheduleEscalation(c)
  }

  /**
   * Fires what is due at `now`: the response target's miss, the warning (unless the breach is due
   * too), the breach, the steps in order. A waiting timer calls it at its moment; a policy change
   * at the change's moment (what the new limits make overdue fires then). True when anything fired.
   */
  function settle(c: Conversation, now: number): boolean {
    if (c.waitingSince === null) return false
    let acted = sla.waitDue(c, now)
    if (c.breachedAt === null) {
      const { warn, breach } = limitsOf(c)
      if (breach <= now) {
        c.breachedAt = now
        totals.breaches++
        c.breaches++
        rolling.counts.add(c.line, now, 'breaches')
        notify(c, 'breach', 'fire', now)
        acted = true
      } else if (c.warnedAt === null && warn <= now) {
        c.warnedAt = now
        totals.warnings++
        c.warnings++
        notify(c, 'warning', 'fire', now)
        acted = true
      }
    }
    for (let i = stepsPaged(c); c.breachedAt !== null && i < rules.steps.length && stepMoment(rules, c, i) <= now; i++) {
      c.sla = withSteps(c.sla, i + 1)
      notify(c, rules.steps[i]!.name, 'fire', now)
      acted = true
    }
    if (acted) scheduleEscalation(c)
    return acted
  }

  /** The chat's policy or calendar may have changed at `at` (docs/sla.md "Re-application"): its timers follow. */
  function reapply(c: Conversation, at: number, previousTeam = c.team) {
    if (!sla.rematch(c, at, previousTeam) || c.waitingSince === null) return
    if (!settle(c, at)) scheduleEscalation(c)
  }

  return { startWaiting, endWaiting, scheduleEscalation, settle, reapply }
}
