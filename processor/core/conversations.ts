/**
 * Conversations (KPIS.md "Conversations", "Bots"): the lifecycle each event moves — open,
 * reopen, waiting, bot phase, hand-over, assignment, resolution — wiring the KPI modules
 * (escalation, response times, outcomes, windows) to the events.
 */
import type { CanonicalEvent } from '../../schemas/events.js'
import { lineTeam } from '../../schemas/config.js'
import { newConversation, botAnswered, CategorySource, APP_WRITER, STATUS_WRITER, type Conversation } from './state.js'
import type { SenderKind } from '../../schemas/events.js'
import { TimerKind } from './timers.js'
import type { createEscalation } from './escalation.js'
import type { Sla } from './sla.js'
import type { createOutcomes } from './outcomes.js'
import type { createWindows } from './windows.js'
import type { createResponseTimes } from './response-times.js'
import { S, type CoreContext } from './context.js'

const CSAT_REPLY = /^csat_([1-5])$/
/** Inbound types that ask for nothing (docs/kpis.md "Conversations"). */
const SILENT_TYPES = new Set(['reaction', 'system'])

export interface ConversationDeps {
  escalation: ReturnType<typeof createEscalation>
  sla: Pick<Sla, 'open' | 'closed'>
  outcomes: ReturnType<typeof createOutcomes>
  windows: ReturnType<typeof createWindows>
  responses: ReturnType<typeof createResponseTimes>
}

type Event<K extends CanonicalEvent['kind']> = Extract<CanonicalEvent, { kind: K }>

export function createConversations(ctx: CoreContext, { escalation, outcomes, windows, responses, sla }: ConversationDeps) {
  const { config, th, convs, timers, agents, tallies, emit, changed } = ctx
  const { totals, rolling, setCategory } = tallies
  const { startWaiting, endWaiting, scheduleEscalation, reapply } = escalation
  const { touchMessage } = windows
  /**
   * Human messages to a customer with no open conversation, for replies stamped early. Bounded by
   * processing.early_replies_max: a Map keeps insertion order, and entries are re-inserted when
   * set, so the first key is the oldest reply and goes first (a wipe would lose the newest ones,
   * which are the ones an opening message may still arrive for).
   */
  const earlyReplies = new Map<string, { at: number; writer: string }>()
  const earlyReplyMs = config.processing.early_reply_seconds * S
  const earlyRepliesMax = config.processing.early_replies_max

  function open(key: string, e: { line: string | null; customer: string | null }, at: number): Conversation {
    const prev = convs.get(key) ?? null
    outcomes.decideRepeat(key, prev, at)
    if (prev) outcomes.settleFullResolution(prev)
    const c = newConversation(key, e.line ?? '', lineTeam(config, e.line), at)
    convs.set(key, c)
    totals.opened++
    rolling.counts.add(c.line, at, 'opened')
    emit({ type: 'opened', line: c.line, at })
    sla.open(c)
    startWaiting(c, at)
    touchMessage(c, at)
    return c
  }

  function resolve(c: Conversation, at: number, by: string) {
    if (!c.open) return
    let bot: 'contained' | 'human' | null = null
    endWaiting(c, at)
    c.open = false
    c.botPhase = false
    c.resolvedAt = at
    c.resolvedBy = by
    if (c.firstResolvedAt === null) {
      totals.resolved++
      rolling.counts.add(c.line, at, 'resolved')
      c.firstResolvedAt = at
      if (by !== 'timeout') responses.firstResolution(c, at)
      // Bot containment (KPIS.md "Bots"): answered by the bot, resolved with no human message.
      if (botAnswered(c) && !c.hasHuman) {
        totals.contained++
        c.contained = true
      }
      if (botAnswered(c)) {
        bot = c.contained ? 'contained' : 'human'
        rolling.counts.add(c.line, at, 'bot_resolved')
        if (c.contained) rolling.counts.add(c.line, at, 'bot_contained')
      }
    }
    if (by !== 'timeout') {
      // Every resolution stays on the row (the report picks the latest by its `until`); the
      // sample is the latest only (outcomes.settleFullResolution).
      ;(c.fullResolutions ??= []).push(Math.max(0, (at - c.openedAt) / S))
      outcomes.awaitFcr(c, at)
    }
    timers.push({ at: at + Math.max(th.reopen_window, th.csat_window) * S, kind: TimerKind.Compact, key: c.key, ref: at })
    if (by !== 'timeout') outcomes.creditResolution(c)
    sla.closed(c, at)
    emit({ type: 'resolved', line: c.line, team: c.team, by, at, bot })
    agents.recount(c, at)
    changed(c)
  }

  function messageIn(e: Event<'message.in'>, at: number) {
    totals.messagesIn++
    rolling.counts.add(e.line ?? '', at, 'messages_in')
    const key = `${e.line}|${e.customer}`
    let c = convs.get(key)
    // CSAT answers (KPIS.md "Outcomes") never open or reopen anything.
    const csatReply = e.reply_id ? CSAT_REPLY.exec(e.reply_id) : null
    const csatDigit = e.digit !== null && c?.surveyAt != null && at >= c.surveyAt && at - c.surveyAt <= th.csat_window * S ? e.digit : null
    if (c && (csatReply || csatDigit !== null)) {
      outcomes.setCsat(c, csatReply ? Number(csatReply[1]) : csatDigit!, at)
      return
    }
    if (SILENT_TYPES.has(e.message_type)) return
    if (!c || (!c.open && at - c.resolvedAt! > th.reopen_window * S)) {
      c = open(key, e, at)
      // WhatsApp stamps whole seconds and the helpdesk milliseconds: a reply stamped up to
      // processing.early_reply_seconds before the message it answers is that message's reply, at 0 s.
      const early = earlyReplies.get(key)
      earlyReplies.delete(key)
      if (early && at - early.at <= earlyReplyMs) responses.humanReply(c, at, early.writer)
    } else if (!c.open) {
      c.open = true
      outcomes.reopened(c)
      c.lastCustomerAt = Math.max(c.lastCustomerAt, at)
      startWaiting(c, at)
    } else if (!c.botPhase && c.waitingSince === null) {
      c.lastCustomerAt = Math.max(c.lastCustomerAt, at)
      startWaiting(c, at)
    }
    c.lastCustomerAt = Math.max(c.lastCustomerAt, at)
    c.messagesIn++
    touchMessage(c, at)
    const negative = typeof e.sentiment === 'number' && e.sentiment < th.negative_below
    if (typeof e.sentiment === 'number') {
      c.sentimentSum += e.sentiment
      c.sentimentCount++
      c.sentimentLast = e.sentiment
      totals.sentimentMessages++
      totals.sentimentSum += e.sentiment
      if (negative) {
        totals.negativeMessages++
        c.negativeMessages++
      }
    }
    // A negative message shortens the limit of the waiting period (escalate_after_negative).
    if (c.waitingSince !== null && c.breachedAt === null && negative !== c.waitingNegative) {
      c.waitingNegative = negative
      scheduleEscalation(c)
    }
    const menu = e.reply_id ? config.categories.menu[e.reply_id] : undefined
    const category = c.category
    if (menu && c.categorySource < CategorySource.Menu) setCategory(c, menu, CategorySource.Menu)
    else if (e.keyword_category && c.categorySource < CategorySource.Keyword) setCategory(c, e.keyword_category, CategorySource.Keyword)
    // The SLA policy is decided again when the category changes (docs/sla.md).
    if (c.category !== category) reapply(c, at)
    agents.recount(c, at)
    changed(c)
  }

  function messageOut(e: Event<'message.out'>, at: number) {
    outbound(e.line, e.customer, e.sender_kind, e.agent_id ?? APP_WRITER, e.survey, at)
  }

  /**
   * A business message known only from its first status webhook, on a line with replies_from:
   * statuses (docs/whatsapp-only.md): a reply by an unknown writer, as a human's would be.
   */
  function statusReply(e: Event<'message.status'>, at: number) {
    emit({ type: 'reply_inferred', line: e.line ?? '', at })
    outbound(e.line, e.customer, 'app', STATUS_WRITER, false, at)
  }

  function outbound(line: string | null, customer: string | null, sender: SenderKind, writer: string, survey: boolean, at: number) {
    totals.messagesOut++
    rolling.counts.add(line ?? '', at, 'messages_out')
    const key = `${line}|${customer}`
    const c = convs.get(key)
    if ((!c || !c.open) && (sender === 'agent' || sender === 'app')) rememberEarlyReply(key, at, writer)
    if (!c) return
    if (sender === 'automation') {
      if (survey) c.surveyAt = at
      if (c.open) {
        touchMessage(c, at)
        changed(c)
      }
      return
    }
    if (!c.open) return
    c.messagesOut++
    touchMessage(c, at)
    // The row's messages_out and last_message_at moved, whatever follows (a bot message after a human one changes nothing else).
    changed(c)
    if (sender === 'bot') {
      if (!c.hasHuman && c.handoffAt === null) {
        if (!botAnswered(c)) responses.botFirstResponse(c, at)
        c.botPhase = true
        endWaiting(c, at)
        agents.recount(c, at)
      }
      return
    }
    responses.humanReply(c, at, writer)
  }

  function rememberEarlyReply(key: string, at: number, writer: string) {
    earlyReplies.delete(key)
    earlyReplies.set(key, { at, writer })
    for (const oldest of earlyReplies.keys()) {
      if (earlyReplies.size <= earlyRepliesMax) break
      earlyReplies.delete(oldest)
    }
  }

  function assigned(e: Event<'conversation.assigned'>, at: number) {
    const c = convs.get(`${e.line}|${e.customer}`)
    if (!c) return
    if (c.agent !== e.agent_id) tallies.agentStats(e.agent_id).conversations++
    const team = c.team
    c.agent = e.agent_id
    c.team = e.team ?? agents.byId.get(e.agent_id)?.team ?? c.team
    if (c.team !== team) reapply(c, at, team)
    if (c.firstAssignedAt === null) responses.firstAssignment(c, at)
    agents.recount(c, at)
    changed(c)
  }

  function handoff(e: Event<'bot.handoff'>, at: number) {
    const c = convs.get(`${e.line}|${e.customer}`)
    if (!c || !c.open || c.handoffAt !== null) return
    const team = c.team
    if (e.team) c.team = e.team
    c.handoffAt = at
    if (c.team !== team) reapply(c, at, team)
    if (botAnswered(c)) {
      totals.handoffs++
      emit({ type: 'handoff', line: c.line, team: c.team, at })
    }
    c.botPhase = false
    if (!c.hasHuman) startWaiting(c, at)
    agents.recount(c, at)
    changed(c)
  }

  /** The helpdesk's id of the event's conversation (after the event: it may have opened it), for deep links. */
  function noteHelpdesk(e: CanonicalEvent & { helpdesk_conversation: string }) {
    const c = convs.get(`${e.line}|${e.customer}`)
    if (!c || c.helpdeskConversation === e.helpdesk_conversation) return
    c.helpdeskConversation = e.helpdesk_conversation
    changed(c)
  }

  return { earlyReplies, resolve, messageIn, messageOut, statusReply, assigned, handoff, noteHelpdesk }
}
