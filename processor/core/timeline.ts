/**
 * One conversation's timeline (docs/advice.md "Timeline"): every event of it in order, with the
 * timings, waiting periods, escalations, CSAT and FCR verdict the core decides, for audit and
 * drill-down. Built by running the conversation's events through a fresh core: the same rules
 * as the live figures, no per-conversation event list kept in the live core (its memory stays
 * per open conversation), and the same function for the live processor (events read back from
 * the NATS stream) and for `deskpulse timeline` (events read from ClickHouse).
 *
 * What a fresh core cannot know: agents' statuses (not needed for a conversation's timings) and
 * a reply stamped before the opening message (processing.early_reply_seconds): such an event falls
 * before the opening and is not listed.
 */
import type { Config } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { createEngine } from './engine.js'
import type { Effect } from './effects.js'
import { parseEventTime } from './time.js'
import { stateOf, type Conversation } from './state.js'

export class TimelineIdError extends Error {
  readonly code = 'DESKPULSE_ERR_CONVERSATION_ID'
}

/** `<line>|<customer>#<opened ms>` (processor/core/state.ts conversationId), checked. */
export function parseConversationId(id: string): { line: string; customer: string; openedAt: number } {
  const m = /^([\x21-\x7e]{1,32}?)\|([\x21-\x7e]{1,256})#(\d{1,16})$/.exec(id)
  if (!m || m[2]!.includes('|') || m[2]!.includes('#')) throw new TimelineIdError('not a conversation id: expected <line>|<customer hash>#<opened ms>, as in alerts, the wallboard and the conversations table')
  return { line: m[1]!, customer: m[2]!, openedAt: Number(m[3]) }
}

export interface TimelineOptions {
  /** Show message text (advice.timeline_text), where the event carries it (DESKPULSE_STORE_TEXT). */
  text: boolean
  /** Show agent ids (advice.per_agent_views); false writes null in their place. */
  agents: boolean
}

export type TimelineEntry = { at: string; offset_seconds: number; kind: string } & Record<string, unknown>

export interface Timeline {
  conversation: string
  line: string
  opened_at: string
  /** The moment the timeline runs to: timers due by then (warnings, breaches, closes) are in it. */
  until: string
  /** Whether a conversation with this id opened in the events given. */
  found: boolean
  /** The conversation as the core has it at `until`. */
  state: { open: boolean; backlog: string | null; team: string | null; agent: string | null; category: string | null; frt_seconds: number | null; csat: number | null; sentiment_mean: number | null; warnings: number; breaches: number } | null
  /** Customer waiting periods: from the message nobody had answered to the reply (or the close). */
  waiting: Array<{ from: string; to: string | null; seconds: number }>
  /** Events (`kind` as in docs/events.md) and the core's decisions (`kind` `kpi.*`), in time order. */
  entries: TimelineEntry[]
}

const iso = (ms: number) => new Date(ms).toISOString()
const round3 = (x: number) => Math.round(x * 1000) / 1000

/** One event's fields worth reading in an audit: no wamids, no phone numbers; text only if allowed. */
function eventFields(e: CanonicalEvent, opts: TimelineOptions): Record<string, unknown> {
  const agent = (id: string | null) => (id === null ? null : opts.agents ? id : 'agent')
  const text = (t: string | undefined) => (opts.text && t !== undefined ? { text: t } : {})
  switch (e.kind) {
    case 'message.in':
      return { message_type: e.message_type, sentiment: e.sentiment ?? null, keyword_category: e.keyword_category ?? null, ...(e.reply_id ? { reply_id: e.reply_id } : {}), ...(e.digit !== null ? { digit: e.digit } : {}), ...text(e.text) }
    case 'message.out':
      return { sender_kind: e.sender_kind, agent: agent(e.agent_id), message_type: e.message_type, ...(e.survey ? { survey: true } : {}), ...text(e.text) }
    case 'message.status':
      return { status: e.status, ...(e.errors.length ? { error_codes: e.errors.map((x) => x.code) } : {}) }
    case 'conversation.assigned':
      return { agent: agent(e.agent_id), team: e.team }
    case 'conversation.resolved':
      return { by: e.by_kind, agent: agent(e.agent_id) }
    case 'conversation.tagged':
      return { category: e.category }
    case 'bot.handoff':
      return { team: e.team }
    case 'csat.response':
      return { score: e.score }
    default:
      return {}
  }
}

/** The core's decisions about this conversation, from its effects. */
function effectEntries(effects: Effect[], id: string, opts: TimelineOptions): Array<{ at: number; kind: string } & Record<string, unknown>> {
  const agent = (a: string | null) => (a === null ? null : opts.agents ? a : 'agent')
  const out: Array<{ at: number; kind: string } & Record<string, unknown>> = []
  for (const f of effects) {
    switch (f.type) {
      case 'sample':
        out.push({ at: f.at, kind: `kpi.${f.metric}`, seconds: round3(f.seconds), ...(f.metric === 'frt' ? { within_target: f.withinTarget } : {}), agent: agent(f.agent) })
        break
      case 'escalation':
        if (f.conversation === id) out.push({ at: f.moment, kind: `kpi.escalation.${f.action}`, level: f.level, waiting_since: iso(f.waitingSince) })
        break
      case 'csat':
        out.push({ at: f.at, kind: 'kpi.csat', score: f.score, positive: f.positive, ...(f.previous !== null ? { replaces: f.previous } : {}) })
        break
      case 'resolved':
        out.push({ at: f.at, kind: 'kpi.resolved', by: f.by, ...(f.bot ? { bot: f.bot } : {}) })
        break
      case 'handoff':
        out.push({ at: f.at, kind: 'kpi.handoff', team: f.team })
        break
      case 'missed':
        if (f.conversation === id) out.push({ at: f.at, kind: 'kpi.service_window_missed' })
        break
      default:
        break
    }
  }
  return out
}

/**
 * The timeline of conversation `id` from `events` (those of its line and customer; others are
 * ignored), up to `until` (ms). Events are taken in time order (ties by event id), from the
 * opening on, until one opens the customer's next conversation; duplicates count once (the
 * core's dedup). The FCR verdict, decided after the repeat window, is in the store's
 * `fcr_verdicts`, not here.
 */
export function buildTimeline(config: Config, id: string, events: readonly CanonicalEvent[], until: number, opts: TimelineOptions): Timeline {
  const { line, customer, openedAt } = parseConversationId(id)
  const key = `${line}|${customer}`
  // A timeline of one conversation: no event ids to remember beyond it, no day rows of agents.
  const engine = createEngine(config)
  const mine = events
    .filter((e) => e.line === line && e.customer === customer)
    .map((e) => ({ e, at: parseEventTime(e.at) }))
    .filter((x) => x.at >= openedAt && x.at <= until)
    .sort((a, b) => a.at - b.at || (a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0))

  const entries: Array<{ at: number; kind: string } & Record<string, unknown>> = []
  const waiting: Array<{ from: number; to: number | null }> = []
  let conv: Conversation | undefined
  let found = false
  let previousAt: number | null = null
  const current = () => {
    const c = engine.view.convs.get(key)
    return c && c.openedAt === openedAt ? c : undefined
  }
  /** Notes the waiting period's start or end after each step, and the effects. */
  const observe = () => {
    const c = current()
    if (c) conv = c
    const since = c && c.open ? c.waitingSince : null
    const last = waiting[waiting.length - 1]
    const running = last && last.to === null ? last : null
    if (running && running.from !== since) running.to = engine.clock
    if (since !== null && running?.from !== since) waiting.push({ from: since, to: null })
    entries.push(...effectEntries(engine.drainEffects(), id, opts))
  }

  for (const { e, at } of mine) {
    // Timers due before this event fire first (a breach at 300 s before the reply at 310 s).
    engine.advance(at)
    if (found) observe()
    const before = engine.view.convs.get(key)
    if (found && !current()) break // left hot state, or replaced: nothing more of it follows
    if (!engine.apply(e, at)) continue
    const now = engine.view.convs.get(key)
    if (!found) {
      if (!now || now.openedAt !== openedAt) {
        engine.drainEffects()
        continue
      }
      found = true
    } else if (now !== before && now?.openedAt !== openedAt) break // the customer's next conversation
    entries.push({ at, kind: e.kind, event_id: e.id, source: e.source, ...(previousAt !== null ? { gap_seconds: round3((at - previousAt) / 1000) } : {}), ...eventFields(e, opts) })
    previousAt = at
    observe()
  }
  if (found) {
    engine.advance(until)
    observe()
  }

  // Events first at one moment, then what the core decided at it.
  const ordered = entries
    .map((x, i) => ({ x, i }))
    .sort((a, b) => a.x.at - b.x.at || (a.x.kind.startsWith('kpi.') ? 1 : 0) - (b.x.kind.startsWith('kpi.') ? 1 : 0) || a.i - b.i)
    .map(({ x }) => {
      const { at, kind, ...rest } = x
      return { at: iso(at), offset_seconds: round3((at - openedAt) / 1000), kind, ...rest }
    })
  const c = conv
  return {
    conversation: id,
    line,
    opened_at: iso(openedAt),
    until: iso(until),
    found,
    state: c
      ? {
          open: c.open,
          backlog: c.open ? stateOf(c) : null,
          team: c.team,
          agent: c.agent === null ? null : opts.agents ? c.agent : 'agent',
          category: c.category,
          frt_seconds: c.frtSeconds,
          csat: c.csat,
          sentiment_mean: c.sentimentCount ? round3(c.sentimentSum / c.sentimentCount) : null,
          warnings: c.warnings,
          breaches: c.breaches,
        }
      : null,
    waiting: waiting.map((w) => ({ from: iso(w.from), to: w.to === null ? null : iso(w.to), seconds: round3(((w.to ?? until) - w.from) / 1000) })),
    entries: ordered,
  }
}
