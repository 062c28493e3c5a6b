/**
 * The KPI core: a deterministic machine fed canonical events in event-time order and clock
 * ticks. No I/O and no clock reads: replay, live and tests run this same code (STYLE.md).
 * Definitions: KPIS.md; choices where it is silent: docs/kpis.md.
 */
import type { CanonicalEvent } from '../../schemas/events.js'
import type { Config } from '../../schemas/config.js'
import { lineTeam, lineZone } from '../../schemas/config.js'
import { compileCalendar, businessSeconds, startOfLocalDay, type Calendar } from './calendar.js'
import { createEscalation } from './escalation.js'
import { TimerQueue, TimerKind, type Timer } from './timers.js'
import { Dedup } from './dedup.js'
import { Agents, type Agent } from './agents.js'
import { DeliveryTracker } from './delivery.js'
import { createTallies, type TalliesState } from './tallies.js'
import { TimingStat } from './timing.js'
import { newConversation, stateOf, conversationId, partsOfConversationId, positiveCsat, CategorySource, type Conversation } from './state.js'
import type { Effect } from './effects.js'
import { isTimeless } from './reorder.js'
import { parseEventTime } from './time.js'

const S = 1000
const CSAT_REPLY = /^csat_([1-5])$/
/** Inbound types that ask for nothing (docs/kpis.md "Conversations"). */
const SILENT_TYPES = new Set(['reaction', 'system'])
const NO_CODES: number[] = []
const MINUTE = 60_000
const MAX_AGENT_MINUTES = 1_440

export type Engine = ReturnType<typeof createEngine>

interface FcrWatch {
  id: string
  resolvedAt: number
  eligible: boolean
}

/** Everything the core knows, as plain data (a checkpoint; see exportState). */
export interface EngineState {
  v: 1
  clock: number
  convs: Conversation[]
  fcrWatch: Array<[string, FcrWatch[]]>
  timers: Timer[]
  quiet: string[]
  earlyReplies: Array<[string, { at: number; writer: string }]>
  dedup: ReturnType<Dedup['toState']>
  agents: Agent[]
  delivery: ReturnType<DeliveryTracker['toState']>
  tallies: TalliesState
}

/** `initial`: a state from exportState() (a checkpoint) to continue from. */
export function createEngine(config: Config, initial?: EngineState) {
  const th = config.thresholds
  const calendars = new Map<string, Calendar>()
  for (const [line, lc] of Object.entries(config.lines)) if (lc.business_hours) calendars.set(line, compileCalendar(lc.business_hours))

  const convs = new Map<string, Conversation>()
  /**
   * Resolved conversations out of `convs` (compacted, or followed by a new one) whose FCR verdict
   * waits for the end of repeat_window (KPIS.md: pending until the window has passed).
   */
  const fcrWatch = new Map<string, FcrWatch[]>()
  const watch = (key: string, w: FcrWatch) => {
    const list = fcrWatch.get(key)
    if (list) list.push(w)
    else fcrWatch.set(key, [w])
  }
  const timers = new TimerQueue()
  const dedup = new Dedup(config.processing.dedup_days)
  const agents = new Agents(config.default_team, config.agents.default_capacity)
  const delivery = new DeliveryTracker()
  /**
   * Human messages to a customer with no open conversation, for replies stamped early. Bounded by
   * processing.early_replies_max: a Map keeps insertion order, and entries are re-inserted when
   * set, so the first key is the oldest reply and goes first (a wipe would lose the newest ones,
   * which are the ones an opening message may still arrive for).
   */
  const earlyReplies = new Map<string, { at: number; writer: string }>()
  const earlyReplyMs = config.processing.early_reply_seconds * S
  const earlyRepliesMax = config.processing.early_replies_max
  let effects: Effect[] = []
  let clock = -Infinity

  const tallies = createTallies()
  const { totals, timing, rolling, perAgent, agentStats, categories, setCategory } = tallies

  const emit = (e: Effect) => effects.push(e)
  /** Conversations changed since the sinks last looked: a set, so a busy chat costs nothing more. */
  let dirty = new Set<Conversation>()
  const changed = (c: Conversation) => dirty.add(c)

  // ——— agents' active conversations (open and not awaiting the customer) ———
  function recount(c: Conversation, at: number) {
    const want = c.open && c.agent && stateOf(c) !== 'awaiting_customer' ? c.agent : null
    if (want !== c.countedAgent) {
      agents.move(c.countedAgent, want, at)
      c.countedAgent = want
    }
  }

  // ——— escalation (KPIS.md "The five-minute rule"): escalation.ts ———
  const { startWaiting, endWaiting, scheduleEscalation, fireEscalation } = createEscalation({ th, calendars, timers, totals, rolling, emit })

  /**
   * One pending "quiet" timer per conversation: it wakes at the earlier of the service window's
   * close and inactivity, and sets itself again from the newest times (see fire()).
   */
  function touchMessage(c: Conversation, at: number) {
    if (at > c.lastMessageAt) c.lastMessageAt = at
    if (!quiet.has(c.key)) scheduleQuiet(c)
  }
  const quiet = new Set<string>()
  function scheduleQuiet(c: Conversation, now = clock) {
    const windowCloses = c.lastCustomerAt + th.service_window * S
    const inactive = c.lastMessageAt + th.inactivity_close * S
    // Always strictly later than now for the window, so a timer never re-arms itself in place.
    const missedPending = !c.missed && windowCloses > now && windowCloses <= inactive
    const at = missedPending ? windowCloses : inactive
    timers.push({ at, kind: missedPending ? TimerKind.ServiceWindow : TimerKind.Inactivity, key: c.key, ref: 0 })
    quiet.add(c.key)
  }

  /** KPIS.md "Service level": a first response within thresholds.frt_target. */
  const frtWithinTarget = (seconds: number) => seconds <= th.frt_target
  function sample(metric: 'frt' | 'nrt' | 'assignment' | 'resolution' | 'bot_frt', c: Conversation, seconds: number, at: number) {
    emit({ type: 'sample', metric, seconds, at, line: c.line, team: c.team, agent: c.agent, withinTarget: metric === 'frt' && frtWithinTarget(seconds) })
  }

  // ——— conversation lifecycle ———
  function open(key: string, e: { line: string | null; customer: string | null }, at: number): Conversation {
    const prev = convs.get(key) ?? null
    decideRepeat(key, prev, at)
    if (prev) settleFullResolution(prev)
    const c = newConversation(key, e.line ?? '', lineTeam(config, e.line), at)
    convs.set(key, c)
    totals.opened++
    rolling.counts.add(c.line, at, 'opened')
    emit({ type: 'opened', line: c.line, at })
    startWaiting(c, at)
    touchMessage(c, at)
    return c
  }

  const fcrEligible = (c: Conversation) => !c.reopened && !c.severalWriters

  /**
   * KPIS.md "Timings": full resolution time is one sample per conversation, open → its latest
   * resolution. A resolved chat may reopen until reopen_window has passed, so its sample is
   * settled into the sketch only when it leaves `convs` (Compact timer, a new conversation after
   * the window, erasure); until then fullResolutionTiming() reads it from the conversation. A
   * sketch cannot take a sample back, so adding at every resolution would count a reopened chat
   * twice (docs/kpis.md "Timings").
   */
  function settleFullResolution(c: Conversation) {
    const latest = c.fullResolutions?.at(-1)
    if (latest !== undefined) timing.fullResolution.add(latest)
  }

  /**
   * Counts of "today" at `now`: each line's day starts at midnight in its time zone (lineZone),
   * the earliest of those starts is `since`. Pure: a wallboard at wall time reads, never prunes.
   */
  function today(now: number) {
    return rolling.counts.since(now, (line) => startOfLocalDay(now, lineZone(config, line)))
  }

  /** Settled samples plus each conversation's latest so far: a fresh stat, reading changes nothing. */
  function fullResolutionTiming(): TimingStat {
    const out = new TimingStat()
    out.merge(timing.fullResolution)
    for (const c of convs.values()) {
      const latest = c.fullResolutions?.at(-1)
      if (latest !== undefined) out.add(latest)
    }
    return out
  }

  /**
   * Per-agent resolutions count a conversation once (KPIS.md "Timings", full resolution), credited
   * like its sample to its latest explicit resolution: a reopened chat resolved again by another
   * assignee moves the credit rather than adding one.
   */
  function creditResolution(c: Conversation) {
    const credited = c.resolutionAgent ?? null
    if (credited === c.agent) return
    if (credited) agentStats(credited).resolutions--
    if (c.agent) agentStats(c.agent).resolutions++
    c.resolutionAgent = c.agent
  }

  /**
   * A new conversation within repeat_window of a resolution makes that one not FCR; the verdict
   * still falls when the window ends. The previous conversation leaves `convs` for the watch list.
   */
  function decideRepeat(key: string, prev: Conversation | null, at: number) {
    for (const w of fcrWatch.get(key) ?? []) if (at - w.resolvedAt <= th.repeat_window * S) w.eligible = false
    if (prev?.fcrPending) watch(key, { id: conversationId(prev), resolvedAt: prev.resolvedAt!, eligible: fcrEligible(prev) && at - prev.resolvedAt! > th.repeat_window * S })
  }

  function decideFcr(target: Conversation | { id: string }, fcr: boolean) {
    totals.fcrPending--
    totals.fcrFinal++
    if (fcr) totals.fcrYes++
    const id = 'id' in target ? target.id : conversationId(target)
    if ('fcrPending' in target) {
      target.fcrPending = false
      changed(target)
    }
    emit({ type: 'fcr', conversation: id, ...partsOfConversationId(id), fcr })
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
      if (by !== 'timeout') {
        const secs = Math.max(0, (at - c.openedAt) / S)
        timing.resolution.add(secs)
        rolling.resolution.add(at, secs)
        c.resolutionSeconds = secs
        sample('resolution', c, secs, at)
      }
      if (c.botAnswered && !c.hasHuman) {
        totals.contained++
        c.contained = true
      }
      if (c.botAnswered) {
        bot = c.contained ? 'contained' : 'human'
        rolling.counts.add(c.line, at, 'bot_resolved')
        if (c.contained) rolling.counts.add(c.line, at, 'bot_contained')
      }
    }
    if (by !== 'timeout') {
      // Every resolution stays on the row (the report picks the latest by its `until`); the
      // sample is the latest only (settleFullResolution).
      ;(c.fullResolutions ??= []).push(Math.max(0, (at - c.openedAt) / S))
      c.fcrPending = true
      totals.fcrPending++
      timers.push({ at: at + th.repeat_window * S, kind: TimerKind.FcrFinal, key: c.key, ref: at })
    }
    timers.push({ at: at + Math.max(th.reopen_window, th.csat_window) * S, kind: TimerKind.Compact, key: c.key, ref: at })
    if (by !== 'timeout') creditResolution(c)
    emit({ type: 'resolved', line: c.line, team: c.team, by, at, bot })
    recount(c, at)
    changed(c)
  }

  // ——— event handlers ———
  function onMessageIn(e: Extract<CanonicalEvent, { kind: 'message.in' }>, at: number) {
    totals.messagesIn++
    rolling.counts.add(e.line ?? '', at, 'messages_in')
    const key = `${e.line}|${e.customer}`
    let c = convs.get(key)
    // CSAT answers (KPIS.md "Outcomes") never open or reopen anything.
    const csatReply = e.reply_id ? CSAT_REPLY.exec(e.reply_id) : null
    const csatDigit = e.digit !== null && c?.surveyAt != null && at >= c.surveyAt && at - c.surveyAt <= th.csat_window * S ? e.digit : null
    if (c && (csatReply || csatDigit !== null)) {
      setCsat(c, csatReply ? Number(csatReply[1]) : csatDigit!, at)
      return
    }
    if (SILENT_TYPES.has(e.message_type)) return
    if (!c || (!c.open && at - c.resolvedAt! > th.reopen_window * S)) {
      c = open(key, e, at)
      // WhatsApp stamps whole seconds and the helpdesk milliseconds: a reply stamped up to
      // processing.early_reply_seconds before the message it answers is that message's reply, at 0 s.
      const early = earlyReplies.get(key)
      earlyReplies.delete(key)
      if (early && at - early.at <= earlyReplyMs) humanReply(c, at, early.writer)
    } else if (!c.open) {
      c.open = true
      if (!c.reopened) totals.reopened++
      c.reopened = true
      if (c.fcrPending) {
        c.fcrPending = false
        totals.fcrPending--
      }
      c.lastCustomerAt = Math.max(c.lastCustomerAt, at)
      startWaiting(c, at)
    } else if (!c.botPhase && c.waitingSince === null) {
      c.lastCustomerAt = Math.max(c.lastCustomerAt, at)
      startWaiting(c, at)
    }
    c.lastCustomerAt = Math.max(c.lastCustomerAt, at)
    c.messagesIn++
    touchMessage(c, at)
    if (typeof e.sentiment === 'number') {
      c.sentimentSum += e.sentiment
      c.sentimentCount++
      c.sentimentLast = e.sentiment
      totals.sentimentMessages++
      totals.sentimentSum += e.sentiment
      if (e.sentiment < th.negative_below) {
        totals.negativeMessages++
        c.negativeMessages++
      }
    }
    if (c.waitingSince !== null && c.breachedAt === null) {
      const negative = typeof e.sentiment === 'number' && e.sentiment < th.negative_below
      if (negative !== c.waitingNegative) {
        c.waitingNegative = negative
        scheduleEscalation(c)
      }
    }
    const menu = e.reply_id ? config.categories.menu[e.reply_id] : undefined
    if (menu && c.categorySource < CategorySource.Menu) setCategory(c, menu, CategorySource.Menu)
    else if (e.keyword_category && c.categorySource < CategorySource.Keyword) setCategory(c, e.keyword_category, CategorySource.Keyword)
    recount(c, at)
    changed(c)
  }

  function setCsat(c: Conversation, score: number, at: number) {
    if (c.csat !== null) totals.csat[c.csat]!--
    totals.csat[score]!++
    // Credited to the conversation's last assigned agent (KPIS.md "Outcomes").
    if (c.agent) {
      const a = agentStats(c.agent).csat
      if (c.csat !== null) a[c.csat]!--
      a[score]!++
    }
    const previous = c.csat
    // Rolling windows (the wallboard's "today"): the last score counts, so a replaced one moves.
    if (previous === null) rolling.counts.add(c.line, at, 'csat_responses')
    const positive = (x: number | null) => (x !== null && positiveCsat(x) ? 1 : 0)
    if (positive(score) !== positive(previous)) rolling.counts.add(c.line, at, 'csat_positive', positive(score) - positive(previous))
    c.csat = score
    emit({ type: 'csat', line: c.line, team: c.team, agent: c.agent, score, previous, positive: positiveCsat(score), previousPositive: previous === null ? null : positiveCsat(previous), at })
    changed(c)
  }

  function onMessageOut(e: Extract<CanonicalEvent, { kind: 'message.out' }>, at: number) {
    totals.messagesOut++
    rolling.counts.add(e.line ?? '', at, 'messages_out')
    if (e.message_id) delivery.sent(e.message_id, e.sender_kind, at)
    const key = `${e.line}|${e.customer}`
    const c = convs.get(key)
    if ((!c || !c.open) && (e.sender_kind === 'agent' || e.sender_kind === 'app')) {
      earlyReplies.delete(key)
      earlyReplies.set(key, { at, writer: e.agent_id ?? 'app' })
      for (const oldest of earlyReplies.keys()) {
        if (earlyReplies.size <= earlyRepliesMax) break
        earlyReplies.delete(oldest)
      }
    }
    if (!c) return
    if (e.sender_kind === 'automation') {
      if (e.survey) c.surveyAt = at
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
    if (e.sender_kind === 'bot') {
      if (!c.hasHuman && c.handoffAt === null) {
        if (!c.botAnswered) {
          c.botAnswered = true
          totals.botConversations++
          const secs = Math.max(0, (at - c.openedAt) / S)
          timing.botFirst.add(secs)
          c.botFirstSeconds = secs
          sample('bot_frt', c, secs, at)
        }
        c.botPhase = true
        endWaiting(c, at)
        recount(c, at)
        changed(c)
      }
      return
    }
    humanReply(c, at, e.agent_id ?? 'app')
  }

  /** A human business message: an agent, or the business app of a coexistence number. */
  function humanReply(c: Conversation, at: number, writer: string) {
    if (c.writer === null) c.writer = writer
    else if (c.writer !== writer) c.severalWriters = true
    c.hasHuman = true
    if (c.botPhase) {
      c.botPhase = false
      c.handoffAt = at
      totals.handoffs++
      c.handedOff = true
      emit({ type: 'handoff', line: c.line, team: c.team, at })
    }
    if (c.firstHumanAt === null) {
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
      if (writer !== 'app') agentStats(writer).frt.add(secs)
      const cal = calendars.get(c.line)
      if (cal) {
        c.frtBusinessSeconds = businessSeconds(cal, start, Math.max(start, at))
        timing.frtBusiness.add(c.frtBusinessSeconds)
      }
      sample('frt', c, secs, at)
    } else if (c.waitingSince !== null) {
      const secs = Math.max(0, (at - c.waitingSince) / S)
      timing.nrt.add(secs)
      rolling.nrt.add(at, secs)
      ;(c.nrtSamples ??= []).push(secs)
      if (writer !== 'app') agentStats(writer).nrt.add(secs)
      const cal = calendars.get(c.line)
      if (cal) {
        const business = businessSeconds(cal, c.waitingSince, Math.max(c.waitingSince, at))
        timing.nrtBusiness.add(business)
        ;(c.nrtBusinessSamples ??= []).push(business)
      }
      sample('nrt', c, secs, at)
    }
    endWaiting(c, at)
    recount(c, at)
    changed(c)
  }

  function onAssigned(e: Extract<CanonicalEvent, { kind: 'conversation.assigned' }>, at: number) {
    const c = convs.get(`${e.line}|${e.customer}`)
    if (!c) return
    if (c.agent !== e.agent_id) agentStats(e.agent_id).conversations++
    c.agent = e.agent_id
    c.team = e.team ?? agents.byId.get(e.agent_id)?.team ?? c.team
    if (c.firstAssignedAt === null) {
      c.firstAssignedAt = at
      const secs = Math.max(0, (at - (c.handoffAt ?? c.openedAt)) / S)
      timing.assignment.add(secs)
      c.assignmentSeconds = secs
      sample('assignment', c, secs, at)
    }
    recount(c, at)
    changed(c)
  }

  function onHandoff(e: Extract<CanonicalEvent, { kind: 'bot.handoff' }>, at: number) {
    const c = convs.get(`${e.line}|${e.customer}`)
    if (!c || !c.open || c.handoffAt !== null) return
    if (e.team) c.team = e.team
    c.handoffAt = at
    if (c.botAnswered) {
      totals.handoffs++
      c.handedOff = true
      emit({ type: 'handoff', line: c.line, team: c.team, at })
    }
    c.botPhase = false
    if (!c.hasHuman) startWaiting(c, at)
    recount(c, at)
    changed(c)
  }

  function onEvent(e: CanonicalEvent, at: number) {
    switch (e.kind) {
      case 'message.in':
        return onMessageIn(e, at)
      case 'message.out':
        return onMessageOut(e, at)
      case 'message.status': {
        const codes = e.errors.length ? e.errors.map((x) => x.code) : NO_CODES
        const moved = delivery.status(e.message_id, e.status, codes, at, e.line)
        if (moved) emit({ type: 'status', line: e.line ?? '', status: moved, codes })
        return
      }
      case 'conversation.assigned':
        return onAssigned(e, at)
      case 'bot.handoff':
        return onHandoff(e, at)
      case 'conversation.resolved': {
        const c = convs.get(`${e.line}|${e.customer}`)
        if (c) resolve(c, at, e.by_kind)
        return
      }
      case 'conversation.tagged': {
        const c = convs.get(`${e.line}|${e.customer}`)
        if (!c) return
        setCategory(c, e.category, CategorySource.Tag)
        changed(c)
        return
      }
      case 'csat.response': {
        const c = convs.get(`${e.line}|${e.customer}`)
        // A response with no conversation to credit is not counted (docs/kpis.md "Outcomes").
        if (c) setCsat(c, e.score, at)
        return
      }
      case 'agent.status':
        agents.status(e.agent_id, e.team, e.status === 'online', e.capacity, at)
        return
      default:
        return
    }
  }

  // ——— timers ———
  function fire(t: { at: number; kind: TimerKind; key: string; ref: number }) {
    const c = convs.get(t.key)
    switch (t.kind) {
      case TimerKind.Warn:
      case TimerKind.Breach:
        if (c && c.open && c.waitingSince === t.ref) {
          fireEscalation(c, t.kind, t.at)
          changed(c)
        }
        return
      case TimerKind.Inactivity:
      case TimerKind.ServiceWindow: {
        quiet.delete(t.key)
        if (!c || !c.open) return
        const windowCloses = c.lastCustomerAt + th.service_window * S
        if (t.kind === TimerKind.ServiceWindow && windowCloses === t.at && c.waitingSince !== null && !c.missed) {
          c.missed = true
          totals.missed++
          emit({ type: 'missed', conversation: conversationId(c), line: c.line, team: c.team, at: t.at })
          changed(c)
        } else if (t.kind === TimerKind.Inactivity && c.lastMessageAt + th.inactivity_close * S <= t.at) {
          resolve(c, t.at, 'timeout')
          return
        }
        scheduleQuiet(c, t.at)
        return
      }
      case TimerKind.FcrFinal: {
        if (c && c.fcrPending && c.resolvedAt === t.ref) decideFcr(c, fcrEligible(c))
        const list = fcrWatch.get(t.key)
        const i = list?.findIndex((w) => w.resolvedAt === t.ref) ?? -1
        if (list && i >= 0) {
          const [w] = list.splice(i, 1)
          if (list.length === 0) fcrWatch.delete(t.key)
          decideFcr(w!, w!.eligible)
        }
        return
      }
      case TimerKind.Compact:
        if (c && !c.open && c.resolvedAt === t.ref) {
          // Nothing can reopen it or answer its survey now; only its FCR verdict may be pending.
          if (c.fcrPending) watch(t.key, { id: conversationId(c), resolvedAt: c.resolvedAt, eligible: fcrEligible(c) })
          settleFullResolution(c)
          convs.delete(t.key)
        }
        return
    }
  }

  /**
   * Agents' cumulative times at each minute boundary the clock passes, taken before anything at
   * or after the boundary applies, for at most a day after the agents last changed: later minutes
   * carry nothing new (each total grows linearly from the last row), and a quiet week writes no
   * week of rows. Only what happened before a minute decides it, so the figures are the same
   * however the stream is batched, checkpointed or ordered within the lateness (a cap counted
   * back from the clock's target was not: targets are watermarks, which depend on the order).
   */
  let nextMinute = Number.isFinite(initial?.clock) ? Math.floor(initial!.clock / MINUTE) * MINUTE + MINUTE : Infinity
  function passMinutes(to: number) {
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

  /** Moves the clock to `now`, firing every timer due by then, in time order. */
  function advance(now: number) {
    if (nextMinute === Infinity && Number.isFinite(now)) nextMinute = Math.floor(now / MINUTE) * MINUTE + MINUTE
    for (let t = timers.peek(); t && t.at <= now; t = timers.peek()) {
      passMinutes(t.at)
      timers.pop()
      if (t.at > clock) clock = t.at
      fire(t)
    }
    passMinutes(now)
    if (now > clock) clock = now
  }

  /**
   * The whole state as plain data (maps as entry lists, typed arrays kept) for a checkpoint,
   * taken between events with effects and changes drained. v8.serialize it at once: it shares
   * live objects.
   */
  function exportState(): EngineState {
    if (effects.length || dirty.size) throw new Error('drain effects and changes before a snapshot')
    return {
      v: 1,
      clock,
      convs: [...convs.values()],
      fcrWatch: [...fcrWatch],
      timers: timers.toState(),
      quiet: [...quiet],
      earlyReplies: [...earlyReplies],
      dedup: dedup.toState(),
      agents: agents.toState(),
      delivery: delivery.toState(),
      tallies: tallies.toState(),
    }
  }

  function restore(state: EngineState) {
    if (state.v !== 1) throw new Error(`unknown engine state version ${String(state.v)}`)
    clock = state.clock
    for (const c of state.convs) convs.set(c.key, c)
    for (const [k, list] of state.fcrWatch) fcrWatch.set(k, list)
    timers.restore(state.timers)
    for (const k of state.quiet) quiet.add(k)
    for (const [k, v] of state.earlyReplies) earlyReplies.set(k, v)
    dedup.restore(state.dedup)
    agents.restore(state.agents)
    delivery.restore(state.delivery)
    tallies.restore(state.tallies)
  }
  if (initial) restore(initial)

  /**
   * Erasure (docs/security.md): the customers' conversations, FCR watches and early replies leave
   * the state, their open escalations end, and their rows are not written again. Aggregates
   * (totals, sketches, rollups) hold no customer and keep counting them. Returns the ids removed
   * per customer.
   */
  function forget(customers: ReadonlySet<string>): Map<string, string[]> {
    const removed = new Map<string, string[]>()
    const of = (key: string) => {
      const customer = key.slice(key.indexOf('|') + 1)
      if (!customers.has(customer)) return null
      let list = removed.get(customer)
      if (!list) removed.set(customer, (list = []))
      return list
    }
    for (const [key, c] of convs) {
      const list = of(key)
      if (!list) continue
      if (c.open) {
        endWaiting(c, Math.max(clock, c.waitingSince ?? -Infinity))
        if (c.countedAgent) agents.move(c.countedAgent, null, Math.max(clock, c.openedAt))
        c.countedAgent = null
      }
      // Its FCR verdict will never fall: it no longer waits for one.
      if (c.fcrPending) totals.fcrPending--
      // Aggregates keep counting erased customers: the sample is settled, the conversation goes.
      settleFullResolution(c)
      convs.delete(key)
      dirty.delete(c)
      quiet.delete(key)
      list.push(conversationId(c))
    }
    for (const [key, watches] of [...fcrWatch]) {
      const list = of(key)
      if (!list) continue
      for (const w of watches) {
        list.push(w.id)
        totals.fcrPending--
      }
      fcrWatch.delete(key)
    }
    for (const key of [...earlyReplies.keys()]) if (of(key)) earlyReplies.delete(key)
    for (const c of customers) if (!removed.has(c)) removed.set(c, [])
    return removed
  }


  return {
    exportState,
    forget,
    /** Applies one event (in event-time order; a late one is applied as it comes). */
    apply(e: CanonicalEvent, atMs = parseEventTime(e.at)): boolean {
      if (!dedup.firstSeen(e.id, atMs)) return false
      if (!isTimeless(e.kind)) advance(atMs)
      onEvent(e, atMs)
      return true
    },
    advance,
    get clock() {
      return clock
    },
    /** Effects since the last call, for the sinks. */
    drainEffects(): Effect[] {
      const out = effects
      effects = []
      return out
    },
    /** Conversations changed since the last call (rows for the store, the live feed). */
    drainChanged(): Set<Conversation> {
      const out = dirty
      dirty = new Set()
      return out
    },
    /** Read-only views for the summary, metrics and wallboard. */
    view: { fullResolution: fullResolutionTiming, today, convs, fcrWatch, agents, perAgent, delivery, totals, timing, rolling, config, calendars, timers, categories },
  }
}
