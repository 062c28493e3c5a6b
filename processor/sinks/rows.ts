/**
 * Rows of the processor's tables (schemas/clickhouse/002_kpi_tables.sql) from the core's state
 * and effects. Pure functions of what the core says: replay, live and the report tests build
 * rows with this one module.
 */
import type { Config } from '../../schemas/config.js'
import type { Effect } from '../core/effects.js'
import { helpdeskUrl, type HelpdeskUrlTemplates } from '../../schemas/helpdesk.js'
import { botAnswered, conversationId, customerOf, handedOff, stateOf, type Conversation } from '../core/state.js'
import { activeTargets, pendingMisses, policyOf, priorityOf, type SlaRules } from '../core/sla-rules.js'

/** `YYYY-MM-DD hh:mm:ss.sss` (UTC), the text form DateTime64(3, 'UTC') reads in JSONEachRow. */
const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
const tsOrNull = (ms: number | null) => (ms === null ? null : ts(ms))
const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60_000
const round6 = (x: number) => Math.round(x * 1e6) / 1e6


export type ConversationRow = ReturnType<typeof conversationRow>

/**
 * `rules`: the SLA policies (the row's policy and targets); `lines`: the lines' `helpdesk_url`
 * templates, for the row's deep link (rendered at write time, so Grafana links with it as it is).
 */
export function conversationRow(c: Conversation, version: number, rules: SlaRules, lines: HelpdeskUrlTemplates = {}) {
  return {
    conversation_id: conversationId(c),
    line: c.line,
    customer: customerOf(c.key),
    team: c.team,
    agent: c.agent ?? '',
    category: c.category ?? '',
    opened_at: ts(c.openedAt),
    open: c.open ? 1 : 0,
    state: c.open ? stateOf(c) : 'resolved',
    waiting_since: c.open ? tsOrNull(c.waitingSince) : null,
    last_customer_at: ts(c.lastCustomerAt),
    last_message_at: ts(c.lastMessageAt),
    handoff_at: tsOrNull(c.handoffAt),
    first_assigned_at: tsOrNull(c.firstAssignedAt),
    first_human_at: tsOrNull(c.firstHumanAt),
    first_resolved_at: tsOrNull(c.firstResolvedAt),
    resolved_at: c.open ? null : tsOrNull(c.resolvedAt),
    resolved_by: c.open ? '' : (c.resolvedBy ?? ''),
    frt_seconds: c.frtSeconds,
    frt_business_seconds: c.frtBusinessSeconds,
    assignment_seconds: c.assignmentSeconds,
    bot_first_seconds: c.botFirstSeconds,
    resolution_seconds: c.resolutionSeconds,
    full_resolution_seconds: c.fullResolutions ?? [],
    nrt_seconds: c.nrtSamples ?? [],
    nrt_business_seconds: c.nrtBusinessSamples ?? [],
    messages_in: c.messagesIn,
    messages_out: c.messagesOut,
    warnings: c.warnings,
    breaches: c.breaches,
    missed: c.missed ? 1 : 0,
    reopened: c.reopened ? 1 : 0,
    bot_answered: botAnswered(c) ? 1 : 0,
    handed_off: handedOff(c) ? 1 : 0,
    contained: c.contained ? 1 : 0,
    several_writers: c.severalWriters ? 1 : 0,
    fcr_pending: c.fcrPending ? 1 : 0,
    csat: c.csat,
    sentiment_mean: c.sentimentCount ? round6(c.sentimentSum / c.sentimentCount) : null,
    sentiment_sum: c.sentimentSum,
    sentiment_count: c.sentimentCount,
    negative_messages: c.negativeMessages,
    helpdesk_conversation: c.helpdeskConversation ?? '',
    helpdesk_url: helpdeskUrl(lines, c.line, c.helpdeskConversation) ?? '',
    priority: priorityOf(c),
    sla_policy: policyOf(rules, c).name,
    sla_active: activeTargets(rules, c),
    sla_missed: pendingMisses(c),
    version,
  }
}

/** An SLA target's outcome (docs/sla.md "Outcomes"). */
export function slaOutcomeRow(e: Extract<Effect, { type: 'sla' }>, version: number) {
  return {
    conversation_id: `${e.key}#${e.openedAt}`,
    line: e.line,
    customer: customerOf(e.key),
    team: e.team,
    policy: e.policy,
    target: e.target,
    outcome: e.outcome,
    decided_at: ts(e.at),
    version,
  }
}

export function verdictRow(e: Extract<Effect, { type: 'fcr' }>, version: number) {
  return { conversation_id: e.conversation, line: e.line, customer: e.customer, fcr: e.fcr ? 1 : 0, version }
}

const OUTCOME = { fire: 'firing', resolve: 'answered', retract: 'retracted' } as const
/** A fire then its end at one stream position: the end must win. */
const ACTION_RANK = { fire: 0, resolve: 1, retract: 1 } as const

export function escalationRow(e: Extract<Effect, { type: 'escalation' }>, version: number) {
  return {
    conversation_id: e.conversation,
    line: e.line,
    customer: e.customer,
    team: e.team,
    agent: e.agent ?? '',
    level: e.level,
    waiting_since: ts(e.waitingSince),
    fired_at: ts(e.firedAt),
    ended_at: e.action === 'fire' ? null : ts(e.moment),
    outcome: OUTCOME[e.action],
    version: version * 2 + ACTION_RANK[e.action],
  }
}

export interface MinuteCell {
  minute: number
  line: string
  team: string
  opened: number
  resolved: number
  frt_count: number
  frt_sum: number
  frt_within_target: number
  frt_samples: number[]
  nrt_samples: number[]
  assignment_samples: number[]
  resolution_samples: number[]
  bot_first_samples: number[]
  warnings: number
  breaches: number
  missed: number
  csat_responses: number
  csat_positive: number
  csat_sum: number
}

const SAMPLE_COLUMN = {
  frt: 'frt_samples',
  nrt: 'nrt_samples',
  assignment: 'assignment_samples',
  resolution: 'resolution_samples',
  bot_frt: 'bot_first_samples',
} as const

/**
 * `kpi_minute` cells fed by effects, keyed by minute × line × team. A cell is rewritten whole
 * (replacing by version) each time it changes, so it is kept for `keepMs` of event time after
 * its minute: later effects for an older minute are not rolled up (docs/pipeline.md).
 * Conversations opened before a team was known stay under the line's team at opening.
 */
export class MinuteRollup {
  private cells = new Map<string, MinuteCell>()
  private touched = new Set<MinuteCell>()
  private newest = -Infinity

  /** `partition`: the stream partition whose events these are (rows of two partitions never replace each other). */
  /** `keepMs`: processing.minute_rollup_hours unless given. */
  constructor(private readonly config: Config, private readonly keepMs = config.processing.minute_rollup_hours * 3_600_000, private readonly partition = 0) {}

  private cell(at: number, line: string, team: string): MinuteCell | null {
    const minute = minuteOf(at)
    if (minute > this.newest) this.newest = minute
    if (minute < this.newest - this.keepMs) return null
    const key = `${minute}|${line}|${team}`
    let c = this.cells.get(key)
    if (!c) {
      c = {
        minute, line, team, opened: 0, resolved: 0, frt_count: 0, frt_sum: 0, frt_within_target: 0,
        frt_samples: [], nrt_samples: [], assignment_samples: [], resolution_samples: [], bot_first_samples: [],
        warnings: 0, breaches: 0, missed: 0, csat_responses: 0, csat_positive: 0, csat_sum: 0,
      }
      this.cells.set(key, c)
    }
    this.touched.add(c)
    return c
  }

  toState(): Array<[string, MinuteCell]> {
    return [...this.cells]
  }

  restore(cells: Array<[string, MinuteCell]>): void {
    this.cells = new Map(cells)
    for (const c of this.cells.values()) if (c.minute > this.newest) this.newest = c.minute
  }

  add(e: Effect): void {
    switch (e.type) {
      case 'opened': {
        const c = this.cell(e.at, e.line, this.config.lines[e.line]?.team || this.config.default_team)
        if (c) c.opened++
        return
      }
      case 'resolved': {
        const c = this.cell(e.at, e.line, e.team)
        if (c) c.resolved++
        return
      }
      case 'sample': {
        const c = this.cell(e.at, e.line, e.team)
        if (!c) return
        c[SAMPLE_COLUMN[e.metric]].push(e.seconds)
        if (e.metric === 'frt') {
          c.frt_count++
          c.frt_sum += e.seconds
          if (e.withinTarget) c.frt_within_target++
        }
        return
      }
      case 'escalation': {
        if (e.action === 'resolve') return
        const c = this.cell(e.firedAt, e.line, e.team)
        if (!c) return
        const by = e.action === 'fire' ? 1 : -1
        if (e.level === 'warning') c.warnings += by
        else c.breaches += by
        return
      }
      case 'missed': {
        const c = this.cell(e.at, e.line, e.team)
        if (c) c.missed++
        return
      }
      case 'csat': {
        const c = this.cell(e.at, e.line, e.team)
        if (!c) return
        // A replaced score moves the conversation's response to this minute: counted once.
        c.csat_responses += e.previous === null ? 1 : 0
        c.csat_sum += e.score - (e.previous ?? 0)
        c.csat_positive += (e.positive ? 1 : 0) - (e.previousPositive ? 1 : 0)
        return
      }
      default:
        return
    }
  }

  /** Rows of the cells changed since the last call; cells past `keepMs` are forgotten. */
  drain(version: number) {
    const rows = [...this.touched].map((c) => ({ ...c, minute: ts(c.minute).slice(0, 19), partition: this.partition, version }))
    this.touched.clear()
    for (const [k, c] of this.cells) if (c.minute < this.newest - this.keepMs) this.cells.delete(k)
    return rows
  }
}

/**
 * `agent_minute` rows for the minute ending at `e.end`: the row's `minute` is its start.
 * `partition`: the stream partition whose conversations `active`, occupied and load count.
 */
export function agentRows(e: Extract<Effect, { type: 'agent_minute' }>, version: number, partition = 0) {
  const minute = ts(e.end - 60_000).slice(0, 19)
  return e.agents.map((a) => ({
    minute,
    partition,
    agent: a.agent,
    team: a.team,
    online: a.online ? 1 : 0,
    active: a.active,
    capacity: a.capacity,
    online_seconds_total: a.onlineMs / 1000,
    occupied_seconds_total: a.occupiedMs / 1000,
    load_seconds_total: a.loadMs / 1000,
    version,
  }))
}
