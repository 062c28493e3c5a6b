/**
 * Timings (KPIS.md "Timings", "Service level"): first response (FRT), next response (NRT),
 * assignment and bot first response, each once per conversation or waiting period, in wall and
 * business seconds; the FRT-within-target decision every reader takes from the sample effect.
 */
import { businessSeconds } from './calendar.js'
import { isAgentWriter, STATUS_WRITER, type Conversation } from './state.js'
import type { Sla } from './sla.js'
import { calendarOf } from './sla-rules.js'
import { S, type CoreContext } from './context.js'

type Metric = 'frt' | 'nrt' | 'assignment' | 'resolution' | 'bot_frt'

export interface ResponseDeps {
  endWaiting: (c: Conversation, at: number) => void
  sla: Pick<Sla, 'replied' | 'resolved'>
}

export function createResponseTimes({ th, slaRules, agents, tallies, emit, changed }: CoreContext, { endWaiting, sla }: ResponseDeps) {
  const { totals, timing, rolling, agentStats } = tallies

  /** KPIS.md "Service level": a first response within thresholds.frt_target. */
  const frtWithinTarget = (seconds: number) => seconds <= th.frt_target

  function sample(metric: Metric, c: Conversation, seconds: number, at: number) {
    emit({ type: 'sample', metric, seconds, at, line: c.line, team: c.team, agent: c.agent, withinTarget: metric === 'frt' && frtWithinTarget(seconds) })
  }

  /**
   * A human business message: an agent, the business app of a coexistence number, or (a line with
   * replies_from: statuses) a business message known only from its status. That last writer is
   * unknown, so it never makes a chat "several writers" (FCR) against a known one.
   */
  function humanReply(c: Conversation, at: number, writer: string) {
    if (c.writer === null || c.writer === STATUS_WRITER) c.writer = writer
    else if (writer !== STATUS_WRITER && c.writer !== writer) c.severalWriters = true
    c.hasHuman = true
    if (c.botPhase) {
      c.botPhase = false
      c.handoffAt = at
      totals.handoffs++
      emit({ type: 'handoff', line: c.line, team: c.team, at })
    }
    if (c.firstHumanAt === null) firstResponse(c, at, writer)
    else if (c.waitingSince !== null) nextResponse(c, at, writer, c.waitingSince)
    endWaiting(c, at)
    agents.recount(c, at)
    changed(c)
  }

  /** FRT: from the opening message, or from the bot's hand-over, to the first human reply. */
  function firstResponse(c: Conversation, at: number, writer: string) {
    sla.replied(c, at, true)
    c.firstHumanAt = at
    const start = c.handoffAt ?? c.openedAt
    const secs = Math.max(0, (at - start) / S)
    c.frtSeconds = secs
    timing.frt.add(secs)
    rolling.frt.add(at, secs)
    if (frtWithinTarget(secs)) {
      totals.frtWithinTarget++
      rolling.counts.add(c.line, at, 'frt_within_target')
    }
    if (isAgentWriter(writer)) agentStats(writer).frt.add(secs)
    // The team's calendar wins over the line's (docs/sla.md "Calendars and holidays").
    const cal = calendarOf(slaRules, c)
    if (cal) {
      c.frtBusinessSeconds = businessSeconds(cal, start, Math.max(start, at))
      timing.frtBusiness.add(c.frtBusinessSeconds)
    }
    sample('frt', c, secs, at)
  }

  /** NRT: from the start of a later waiting period (the customer wrote again) to the next human reply. */
  function nextResponse(c: Conversation, at: number, writer: string, since: number) {
    sla.replied(c, at, false)
    const secs = Math.max(0, (at - since) / S)
    timing.nrt.add(secs)
    rolling.nrt.add(at, secs)
    ;(c.nrtSamples ??= []).push(secs)
    if (isAgentWriter(writer)) agentStats(writer).nrt.add(secs)
    const cal = calendarOf(slaRules, c)
    if (cal) {
      const business = businessSeconds(cal, since, Math.max(since, at))
      timing.nrtBusiness.add(business)
      ;(c.nrtBusinessSamples ??= []).push(business)
    }
    sample('nrt', c, secs, at)
  }

  /** Bot first response: opening message → the bot's first answer, before any human. */
  function botFirstResponse(c: Conversation, at: number) {
    totals.botConversations++
    const secs = Math.max(0, (at - c.openedAt) / S)
    timing.botFirst.add(secs)
    c.botFirstSeconds = secs
    sample('bot_frt', c, secs, at)
  }

  /** Assignment time: opening (or hand-over) → the first assignment. */
  function firstAssignment(c: Conversation, at: number) {
    c.firstAssignedAt = at
    const secs = Math.max(0, (at - (c.handoffAt ?? c.openedAt)) / S)
    timing.assignment.add(secs)
    c.assignmentSeconds = secs
    sample('assignment', c, secs, at)
  }

  /** Resolution time: opening → the first explicit resolution (timeouts give none). */
  function firstResolution(c: Conversation, at: number) {
    const secs = Math.max(0, (at - c.openedAt) / S)
    timing.resolution.add(secs)
    rolling.resolution.add(at, secs)
    c.resolutionSeconds = secs
    sla.resolved(c, at)
    sample('resolution', c, secs, at)
  }

  return { humanReply, botFirstResponse, firstAssignment, firstResolution }
}
