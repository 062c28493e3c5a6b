/**
 * The five-minute rule (KPIS.md "The five-minute rule"): one warning and one breach per waiting
 * period, 180 s for a negative chat, paused outside business hours, retracted when a reply
 * stamped before the alert arrives late.
 */
import type { Config } from '../../schemas/config.js'
import { addBusinessSeconds, type Calendar } from './calendar.js'
import { TimerKind } from './timers.js'
import { conversationId, customerOf, type Conversation } from './state.js'
import { S, type CoreContext } from './context.js'
import type { Effect } from './effects.js'

/**
 * When a waiting conversation warns and breaches (ms; Infinity when the calendar never reaches
 * it): the one definition of the rule's moments, for the core's timers and for every reader.
 * Written into `into` (the core's hot path allocates nothing per event).
 */
export function escalationMoments(c: Pick<Conversation, 'waitingSince' | 'waitingNegative' | 'line'>, th: Config['thresholds'], calendars: ReadonlyMap<string, Calendar>, into = { warn: 0, breach: 0 }) {
  const limit = c.waitingNegative ? th.escalate_after_negative : th.escalate_after
  const start = c.waitingSince!
  const cal = th.escalate_outside_hours ? undefined : calendars.get(c.line)
  into.warn = cal ? addBusinessSeconds(cal, start, limit - th.warn_before) : start + (limit - th.warn_before) * S
  into.breach = cal ? addBusinessSeconds(cal, start, limit) : start + limit * S
  return into
}

export function createEscalation({ th, calendars, timers, tallies, emit }: CoreContext) {
  const { totals, rolling } = tallies
  /** When the current waiting period warns and breaches (into `limits`: no allocation per event). */
  const limits = { warn: 0, breach: 0 }
  const limitsOf = (c: Conversation) => escalationMoments(c, th, calendars, limits)

  /** One escalation timer at a time (the warning, then the breach): fewer timers per chat. */
  function scheduleEscalation(c: Conversation) {
    if (c.waitingSince === null || c.breachedAt !== null) return
    const { warn, breach } = limitsOf(c)
    if (c.warnedAt === null && Number.isFinite(warn)) timers.push({ at: warn, kind: TimerKind.Warn, key: c.key, ref: c.waitingSince })
    else if (Number.isFinite(breach)) timers.push({ at: breach, kind: TimerKind.Breach, key: c.key, ref: c.waitingSince })
  }

  function notify(c: Conversation, level: 'warning' | 'breach', action: 'fire' | 'resolve' | 'retract', moment: number, firedAt = moment) {
    const e: Extract<Effect, { type: 'escalation' }> = { type: 'escalation', level, action, moment, firedAt, conversation: conversationId(c), line: c.line, customer: customerOf(c.key), team: c.team, agent: c.agent, waitingSince: c.waitingSince ?? moment }
    if (c.helpdeskConversation) e.helpdesk = c.helpdeskConversation
    emit(e)
  }

  /** The waiting period ends at `at` (a human reply or a resolution). */
  function endWaiting(c: Conversation, at: number) {
    if (c.waitingSince === null) return
    for (const level of ['warning', 'breach'] as const) {
      const firedAt = level === 'warning' ? c.warnedAt : c.breachedAt
      if (firedAt === null) continue
      if (at < firedAt) {
        // A late reply stamped before the alert's moment: it should never have fired.
        if (level === 'warning') {
          totals.warnings--
          c.warnings--
        } else {
          totals.breaches--
          c.breaches--
          rolling.counts.add(c.line, firedAt, 'breaches', -1)
        }
        notify(c, level, 'retract', firedAt)
      } else notify(c, level, 'resolve', at, firedAt)
    }
    c.waitingSince = null
    c.waitingNegative = false
    c.warnedAt = null
    c.breachedAt = null
  }

  function startWaiting(c: Conversation, at: number) {
    c.waitingSince = at
    c.warnedAt = null
    c.breachedAt = null
    scheduleEscalation(c)
  }

  /** A warning or breach timer of the conversation's current waiting period, due at `at`. */
  function fireEscalation(c: Conversation, kind: TimerKind, at: number) {
    const { warn, breach } = limitsOf(c)
    // A timer set for an older limit (the chat turned negative, or back) is stale: skipped.
    if (kind === TimerKind.Warn && c.warnedAt === null && warn === at && c.breachedAt === null) {
      c.warnedAt = at
      totals.warnings++
      c.warnings++
      notify(c, 'warning', 'fire', at)
      scheduleEscalation(c)
    } else if (kind === TimerKind.Breach && c.breachedAt === null && breach === at) {
      c.breachedAt = at
      totals.breaches++
      c.breaches++
      rolling.counts.add(c.line, at, 'breaches')
      notify(c, 'breach', 'fire', at)
    }
  }

  return { startWaiting, endWaiting, scheduleEscalation, fireEscalation }
}
