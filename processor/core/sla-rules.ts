/**
 * SLA policies compiled (docs/sla.md): which policy a chat falls under, the deadlines of its
 * targets and escalation, and which targets are still running. Pure functions of a chat's state:
 * the core decides with them and the readers (projection, rows) take the same answers.
 *
 * A chat's SLA state is one small integer, `Conversation.sla` (memory: docs/processor.md
 * "Speed"): bits 0–7 the policy's index, 8–9 the priority, 10–17 the tier, 18–20 the misses
 * (first response, next response of this waiting period, resolution), 21–24 the escalation steps
 * paged in this waiting period, 25–27 the misses already logged (see sla.ts: a miss is logged
 * when its target closes, so a chat left waiting holds no record but these bits).
 */
import type { Config } from '../../schemas/config.js'
import { DEFAULT_POLICY, SLA_TARGETS, type Priority, type SlaTarget } from '../../schemas/sla-config.js'
import { addBusinessSeconds, compileCalendar, type Calendar } from './calendar.js'
import type { Conversation } from './state.js'
import { S } from './context.js'

const POLICY_MASK = 0xff
const PRIORITY_SHIFT = 8
const TIER_SHIFT = 10
const TIER_OTHER = 0xff
export const FRT_MISSED = 1 << 18
export const NRT_MISSED = 1 << 19
export const RES_MISSED = 1 << 20
/** The miss bit of each target, in SLA_TARGETS order. */
export const MISSED_BIT = [FRT_MISSED, NRT_MISSED, RES_MISSED] as const
/** The "miss logged" bit of each target. */
export const LOGGED_BIT = [1 << 25, 1 << 26, 1 << 27] as const
/** A target missed whose miss is not logged yet (still counted: summaries add these to the logged ones). */
export const missPending = (c: Pick<Conversation, 'sla'>, i: number) => (c.sla & (MISSED_BIT[i as 0 | 1 | 2] | LOGGED_BIT[i as 0 | 1 | 2])) === MISSED_BIT[i as 0 | 1 | 2]
/** The targets missed and not yet logged, by name (ClickHouse `conversations.sla_missed`). */
export const pendingMisses = (c: Pick<Conversation, 'sla'>): SlaTarget[] => SLA_TARGETS.filter((_, i) => missPending(c, i))
const STEP_SHIFT = 21
const STEP_MASK = 0xf << STEP_SHIFT

/** Priority codes: 0 is normal, so a chat's state starts at 0 for "normal, no tier". */
const PRIORITY_BY_CODE: readonly Priority[] = ['normal', 'low', 'high', 'urgent']
const CODE_OF_PRIORITY: Readonly<Record<Priority, number>> = { normal: 0, low: 1, high: 2, urgent: 3 }

export interface SlaPolicy {
  readonly name: string
  /** Priority codes that match, or null for any. */
  readonly priority: ReadonlySet<number> | null
  /** Tier codes that match, or null for any. */
  readonly tier: ReadonlySet<number> | null
  readonly team: ReadonlySet<string> | null
  readonly line: ReadonlySet<string> | null
  readonly category: ReadonlySet<string> | null
  /** Seconds per target (SLA_TARGETS order), or null: not measured. */
  readonly targets: readonly [number | null, number | null, number | null]
  readonly escalateAfter: number
  readonly escalateAfterNegative: number
  readonly warnBefore: number
  /** true: open hours for everything; false: wall time; null: today's rule (see escalationCalendar). */
  readonly businessHours: boolean | null
}

export interface SlaRules {
  /** Configured policies in order, then the default (thresholds). */
  readonly policies: readonly SlaPolicy[]
  /** Tiers named in some policy's match (code = index + 1; any other tier is one code). */
  readonly tiers: readonly string[]
  readonly steps: ReadonlyArray<{ readonly name: string; readonly after: number }>
  readonly lineCalendars: ReadonlyMap<string, Calendar>
  readonly teamCalendars: ReadonlyMap<string, Calendar>
  readonly escalateOutsideHours: boolean
}

export function compileSla(config: Config, lineCalendars: ReadonlyMap<string, Calendar>): SlaRules {
  const th = config.thresholds
  const tiers = [...new Set(config.sla.policies.flatMap((p) => p.match.tier ?? []))].sort()
  const set = <T, U>(list: readonly T[] | undefined, map: (x: T) => U) => (list ? new Set(list.map(map)) : null)
  const policies: SlaPolicy[] = config.sla.policies.map((p) => ({
    name: p.name,
    priority: set(p.match.priority, (x) => CODE_OF_PRIORITY[x]),
    tier: set(p.match.tier, (x) => tiers.indexOf(x) + 1),
    team: set(p.match.team, (x) => x),
    line: set(p.match.line, (x) => x),
    category: set(p.match.category, (x) => x),
    targets: [p.first_response ?? null, p.next_response ?? null, p.resolution ?? null],
    escalateAfter: p.escalate_after ?? th.escalate_after,
    escalateAfterNegative: p.escalate_after_negative ?? th.escalate_after_negative,
    warnBefore: p.warn_before ?? th.warn_before,
    businessHours: p.business_hours ?? null,
  }))
  policies.push({
    name: DEFAULT_POLICY, priority: null, tier: null, team: null, line: null, category: null,
    targets: [th.frt_target, null, null],
    escalateAfter: th.escalate_after, escalateAfterNegative: th.escalate_after_negative, warnBefore: th.warn_before, businessHours: null,
  })
  const teamCalendars = new Map(Object.entries(config.team_hours).map(([team, bh]) => [team, compileCalendar(bh)] as const))
  return { policies, tiers, steps: config.sla.escalation_steps, lineCalendars, teamCalendars, escalateOutsideHours: th.escalate_outside_hours }
}

export const policyIndexOf = (c: Pick<Conversation, 'sla'>) => c.sla & POLICY_MASK
export const policyOf = (rules: SlaRules, c: Pick<Conversation, 'sla'>): SlaPolicy => rules.policies[policyIndexOf(c)] ?? rules.policies.at(-1)!
export const priorityOf = (c: Pick<Conversation, 'sla'>): Priority => PRIORITY_BY_CODE[(c.sla >> PRIORITY_SHIFT) & 3]!
export const stepsPaged = (c: Pick<Conversation, 'sla'>) => (c.sla & STEP_MASK) >> STEP_SHIFT
export const withSteps = (sla: number, n: number) => (sla & ~STEP_MASK) | (n << STEP_SHIFT)
export const withPolicy = (sla: number, index: number) => (sla & ~POLICY_MASK) | index

/** The state bits of a new priority and tier (the tier as its code in `rules`). */
export function withPriority(rules: SlaRules, sla: number, priority: Priority, tier: string | null): number {
  const code = tier === null ? 0 : rules.tiers.indexOf(tier) + 1 || TIER_OTHER
  return (sla & ~(0x3ff << PRIORITY_SHIFT)) | (CODE_OF_PRIORITY[priority] << PRIORITY_SHIFT) | (code << TIER_SHIFT)
}
/** The tier's name (null: none; `other`: one no policy names). */
export function tierOf(rules: SlaRules, c: Pick<Conversation, 'sla'>): string | null {
  const code = (c.sla >> TIER_SHIFT) & 0xff
  return code === 0 ? null : (rules.tiers[code - 1] ?? 'other')
}

/** The first policy whose match fits the chat (AND across keys, OR within a list); else the default. */
export function matchPolicy(rules: SlaRules, c: Pick<Conversation, 'sla' | 'team' | 'line' | 'category'>): number {
  const priority = (c.sla >> PRIORITY_SHIFT) & 3
  const tier = (c.sla >> TIER_SHIFT) & 0xff
  const { policies } = rules
  for (let i = 0; i < policies.length - 1; i++) {
    const p = policies[i]!
    if (p.priority && !p.priority.has(priority)) continue
    if (p.tier && !p.tier.has(tier)) continue
    if (p.team && !p.team.has(c.team)) continue
    if (p.line && !p.line.has(c.line)) continue
    if (p.category && (c.category === null || !p.category.has(c.category))) continue
    return i
  }
  return policies.length - 1
}

/** The chat's calendar: its team's, else its line's (docs/sla.md "Calendars and holidays"). */
export const calendarOf = (rules: SlaRules, c: Pick<Conversation, 'team' | 'line'>): Calendar | undefined => rules.teamCalendars.get(c.team) ?? rules.lineCalendars.get(c.line)

/** The calendar escalation counts in: open hours unless the policy (or, unset, thresholds.escalate_outside_hours) says wall time. */
export function escalationCalendar(rules: SlaRules, p: SlaPolicy, c: Pick<Conversation, 'team' | 'line'>): Calendar | undefined {
  const business = p.businessHours ?? !rules.escalateOutsideHours
  return business ? calendarOf(rules, c) : undefined
}

/** `seconds` after `start` (ms), in open time of `cal` when given; Infinity when never. */
export const after = (cal: Calendar | undefined, start: number, seconds: number) => (cal ? addBusinessSeconds(cal, start, seconds) : start + seconds * S)

type TargetFacts = Pick<Conversation, 'sla' | 'team' | 'line' | 'openedAt' | 'handoffAt' | 'waitingSince'>

/**
 * The deadline (ms) of target `i` (SLA_TARGETS order) under the chat's policy: met by a reply
 * (or resolution) at or before it. First response from opening or hand-over, next response from
 * the waiting period's start, resolution from opening. Infinity: no target, or never.
 */
export function deadline(rules: SlaRules, c: TargetFacts, i: number): number {
  const p = policyOf(rules, c)
  const seconds = p.targets[i]
  if (seconds == null) return Infinity
  const start = i === 0 ? (c.handoffAt ?? c.openedAt) : i === 1 ? c.waitingSince : c.openedAt
  if (start === null) return Infinity
  return after(p.businessHours === true ? calendarOf(rules, c) : undefined, start, seconds)
}

type ActiveFacts = TargetFacts & Pick<Conversation, 'open' | 'firstHumanAt' | 'firstResolvedAt'>

/** Whether target `i` is still running for the chat: measured, not decided, not over (docs/sla.md "Outcomes"). */
export function targetActive(rules: SlaRules, c: ActiveFacts, i: number): boolean {
  if (!c.open || c.sla & MISSED_BIT[i as 0 | 1 | 2] || policyOf(rules, c).targets[i] == null) return false
  if (i === 2) return c.firstResolvedAt === null
  return c.waitingSince !== null && (i === 0) === (c.firstHumanAt === null)
}

/** The targets still running, by name (ClickHouse `conversations.sla_active`). */
export const activeTargets = (rules: SlaRules, c: ActiveFacts): SlaTarget[] => SLA_TARGETS.filter((_, i) => targetActive(rules, c, i))

/** When escalation step `i` pages (ms): `after` seconds past the breach, in the breach's calendar. */
export function stepMoment(rules: SlaRules, c: Pick<Conversation, 'sla' | 'team' | 'line' | 'breachedAt'>, i: number): number {
  const step = rules.steps[i]
  if (!step || c.breachedAt === null) return Infinity
  return after(escalationCalendar(rules, policyOf(rules, c), c), c.breachedAt, step.after)
}
