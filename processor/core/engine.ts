/**
 * The KPI core: a deterministic machine fed canonical events in event-time order and clock
 * ticks. No I/O and no clock reads: replay, live and tests run this same code (STYLE.md).
 * This file wires the KPI modules (docs/processor.md "The core's modules") and owns the clock,
 * the timers' dispatch, checkpoints and erasure. Definitions: docs/kpis.md.
 */
import type { CanonicalEvent } from '../../schemas/events.js'
import type { Config } from '../../schemas/config.js'
import { lineZone } from '../../schemas/config.js'
import { compileCalendar, startOfLocalDay, type Calendar } from './calendar.js'
import { createEscalation } from './escalation.js'
import { TimerQueue, TimerKind, type Timer } from './timers.js'
import { Dedup } from './dedup.js'
import { Agents, type Agent } from './agents.js'
import { DeliveryTracker } from './delivery.js'
import { createTallies, type TalliesState } from './tallies.js'
import { conversationId, CategorySource, type Conversation } from './state.js'
import type { Effect } from './effects.js'
import { isTimeless } from './reorder.js'
import { parseEventTime } from './time.js'
import type { CoreContext } from './context.js'
import { createOutcomes, type FcrWatch } from './outcomes.js'
import { createWindows } from './windows.js'
import { createResponseTimes } from './response-times.js'
import { createConversations } from './conversations.js'
import { createAgentMinutes } from './agent-minutes.js'
import { createSla } from './sla.js'
import { compileSla, matchPolicy, tierOf, withPolicy, withPriority, priorityOf, type SlaRules } from './sla-rules.js'

const NO_CODES: number[] = []

export type Engine = ReturnType<typeof createEngine>

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
  /** The policy names and tiers the conversations' `sla` codes refer to (absent before SLA policies). */
  sla?: { policies: string[]; tiers: string[] }
}

/** `initial`: a state from exportState() (a checkpoint) to continue from. */
export function createEngine(config: Config, initial?: EngineState) {
  const calendars = new Map<string, Calendar>()
  for (const [line, lc] of Object.entries(config.lines)) if (lc.business_hours) calendars.set(line, compileCalendar(lc.business_hours))

  let effects: Effect[] = []
  /** Conversations changed since the sinks last looked: a set, so a busy chat costs nothing more. */
  let dirty = new Set<Conversation>()
  let clock = initial?.clock ?? -Infinity

  const slaRules = compileSla(config, calendars)
  const ctx: CoreContext = {
    config,
    th: config.thresholds,
    calendars,
    slaRules,
    convs: new Map(),
    timers: new TimerQueue(),
    agents: new Agents(config.default_team, config.agents.default_capacity),
    tallies: createTallies(),
    emit: (e) => effects.push(e),
    changed: (c) => dirty.add(c),
    clock: () => clock,
  }
  const { convs, timers, agents, tallies } = ctx
  const dedup = new Dedup(config.processing.dedup_days)
  /** Lines whose replies are also known from statuses (lines.<id>.replies_from: statuses). */
  const statusLines = new Set(Object.entries(config.lines).filter(([, lc]) => lc.replies_from === 'statuses').map(([id]) => id))
  const delivery = new DeliveryTracker()

  // The KPI modules (docs/processor.md "The core's modules").
  const sla = createSla(ctx, slaRules)
  const escalation = createEscalation(ctx, sla)
  const outcomes = createOutcomes(ctx)
  const windows = createWindows(ctx)
  const responses = createResponseTimes(ctx, { endWaiting: escalation.endWaiting, sla })
  const conversations = createConversations(ctx, { escalation, outcomes, windows, responses, sla })
  const minutes = createAgentMinutes(ctx, clock)

  function onEvent(e: CanonicalEvent, at: number) {
    switch (e.kind) {
      case 'message.in':
        return conversations.messageIn(e, at)
      case 'message.out':
        if (e.message_id) delivery.sent(e.message_id, e.sender_kind, at)
        return conversations.messageOut(e, at)
      case 'message.status': {
        const codes = e.errors.length ? e.errors.map((x) => x.code) : NO_CODES
        // WhatsApp-only lines: the first status of a message never seen is the business's message,
        // when it is `sent` or `delivered` (a `read` may be of a message older than the tracker's
        // memory; a `failed` one reached nobody): docs/whatsapp-only.md.
        const unseen = statusLines.has(e.line ?? '') && !delivery.knows(e.message_id)
        const moved = delivery.status(e.message_id, e.status, codes, at, e.line)
        if (moved) ctx.emit({ type: 'status', line: e.line ?? '', status: moved, codes })
        if (unseen && (moved === 'sent' || moved === 'delivered')) conversations.statusReply(e, at)
        return
      }
      case 'conversation.assigned':
        return conversations.assigned(e, at)
      case 'bot.handoff':
        return conversations.handoff(e, at)
      case 'conversation.resolved': {
        const c = convs.get(`${e.line}|${e.customer}`)
        if (c) conversations.resolve(c, at, e.by_kind)
        return
      }
      case 'conversation.tagged': {
        const c = convs.get(`${e.line}|${e.customer}`)
        if (!c) return
        const category = c.category
        tallies.setCategory(c, e.category, CategorySource.Tag)
        if (c.category !== category) escalation.reapply(c, at)
        ctx.changed(c)
        return
      }
      case 'conversation.prioritised': {
        const c = convs.get(`${e.line}|${e.customer}`)
        // A chat with no conversation yet: the next one starts normal (docs/sla.md).
        if (!c) return
        sla.prioritise(c, e.priority, e.tier)
        escalation.reapply(c, at)
        return
      }
      case 'csat.response': {
        const c = convs.get(`${e.line}|${e.customer}`)
        // A response with no conversation to credit is not counted (docs/kpis.md "Outcomes").
        if (c) outcomes.setCsat(c, e.score, at)
        return
      }
      case 'agent.status':
        agents.status(e.agent_id, e.team, e.status === 'online', e.capacity, at)
        return
      default:
        return
    }
  }

  function fire(t: Timer) {
    const c = convs.get(t.key)
    switch (t.kind) {
      case TimerKind.Waiting:
      case TimerKind.Breach:
        if (c && c.open && c.waitingSince === t.ref && escalation.settle(c, t.at)) ctx.changed(c)
        return
      case TimerKind.SlaResolution:
        sla.resolutionDue(c, t.ref, t.at)
        return
      case TimerKind.Inactivity:
      case TimerKind.ServiceWindow:
        if (windows.quietTimer(t.key, c, t.kind, t.at)) conversations.resolve(c!, t.at, 'timeout')
        return
      case TimerKind.FcrFinal:
        outcomes.fcrWindowEnded(t.key, t.ref)
        return
      case TimerKind.Compact:
        // Nothing can reopen it or answer its survey now; only its FCR verdict may be pending.
        if (c && !c.open && c.resolvedAt === t.ref) {
          outcomes.leave(t.key, c)
          convs.delete(t.key)
        }
        return
    }
  }

  /** Moves the clock to `now`, firing every timer due by then, in time order. */
  function advance(now: number) {
    minutes.start(now)
    for (let t = timers.peek(); t && t.at <= now; t = timers.peek()) {
      minutes.pass(t.at)
      timers.pop()
      if (t.at > clock) clock = t.at
      fire(t)
    }
    minutes.pass(now)
    if (now > clock) clock = now
  }

  /**
   * Counts of "today" at `now`: each line's day starts at midnight in its time zone (lineZone),
   * the earliest of those starts is `since`. Pure: a wallboard at wall time reads, never prunes.
   */
  function today(now: number) {
    return tallies.rolling.counts.since(now, (line) => startOfLocalDay(now, lineZone(config, line)))
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
      fcrWatch: [...outcomes.fcrWatch],
      timers: timers.toState(),
      quiet: [...windows.quiet],
      earlyReplies: [...conversations.earlyReplies],
      dedup: dedup.toState(),
      agents: agents.toState(),
      delivery: delivery.toState(),
      tallies: tallies.toState(),
      sla: { policies: slaRules.policies.map((p) => p.name), tiers: [...slaRules.tiers] },
    }
  }

  function restore(state: EngineState) {
    if (state.v !== 1) throw new Error(`unknown engine state version ${String(state.v)}`)
    clock = state.clock
    for (const c of state.convs) convs.set(c.key, c)
    for (const [k, list] of state.fcrWatch) outcomes.fcrWatch.set(k, list)
    timers.restore(state.timers)
    for (const k of state.quiet) windows.quiet.add(k)
    for (const [k, v] of state.earlyReplies) conversations.earlyReplies.set(k, v)
    dedup.restore(state.dedup)
    agents.restore(state.agents)
    delivery.restore(state.delivery)
    tallies.restore(state.tallies)
    restoreSla(state.sla)
  }

  /**
   * Conversations from a checkpoint keep their SLA codes when the policies and tiers are those
   * of the config; otherwise (an older checkpoint, a changed config) each chat's priority and tier
   * are kept by name and its policy decided again, and waiting chats follow the new limits.
   */
  function restoreSla(saved: EngineState['sla']) {
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])
    if (saved && same(saved.policies, slaRules.policies.map((p) => p.name)) && same(saved.tiers, slaRules.tiers)) return
    const old: SlaRules = { ...slaRules, tiers: saved?.tiers ?? [] }
    for (const c of convs.values()) {
      c.sla ??= 0
      const tier = tierOf(old, c)
      c.sla = withPriority(slaRules, c.sla & ~0xff, priorityOf(c), tier === 'other' ? '\u0000other' : tier)
      c.sla = withPolicy(c.sla, matchPolicy(slaRules, c))
      if (c.open) escalation.scheduleEscalation(c)
    }
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
        escalation.endWaiting(c, Math.max(clock, c.waitingSince ?? -Infinity))
        sla.closed(c, Math.max(clock, c.openedAt))
        if (c.countedAgent) agents.move(c.countedAgent, null, Math.max(clock, c.openedAt))
        c.countedAgent = null
      }
      // Its FCR verdict will never fall: it no longer waits for one.
      if (c.fcrPending) tallies.totals.fcrPending--
      // Aggregates keep counting erased customers: the sample is settled, the conversation goes.
      outcomes.settleFullResolution(c)
      convs.delete(key)
      dirty.delete(c)
      windows.quiet.delete(key)
      list.push(conversationId(c))
    }
    outcomes.forgetWatches(of)
    for (const key of [...conversations.earlyReplies.keys()]) if (of(key)) conversations.earlyReplies.delete(key)
    for (const c of customers) if (!removed.has(c)) removed.set(c, [])
    return removed
  }

  const { totals, timing, rolling, perAgent, categories } = tallies
  return {
    exportState,
    forget,
    /** Applies one event (in event-time order; a late one is applied as it comes). */
    apply(e: CanonicalEvent, atMs = parseEventTime(e.at)): boolean {
      if (!dedup.firstSeen(e.id, atMs)) return false
      if (!isTimeless(e.kind)) advance(atMs)
      onEvent(e, atMs)
      if (e.helpdesk_conversation !== undefined) conversations.noteHelpdesk(e as CanonicalEvent & { helpdesk_conversation: string })
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
    /** Read-only views for the projection (projection.ts) and the summary (summary.ts). */
    view: { fullResolution: outcomes.fullResolutionTiming, today, slaRules, sla: tallies.sla, convs, fcrWatch: outcomes.fcrWatch, agents, perAgent, delivery, totals, timing, rolling, config, calendars, timers, categories },
  }
}
