/**
 * SLA policies and escalation steps of the configuration file (docs/sla.md), and the checks a
 * schema cannot express (steps increasing, names unique, regions date-holidays knows).
 */
import { Type, type Static } from '@sinclair/typebox'
import Holidays from 'date-holidays'

/** Priorities of `conversation.prioritised`, lowest first (docs/events.md). */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const
export type Priority = (typeof PRIORITIES)[number]
export const Priority = Type.Union(
  PRIORITIES.map((p) => Type.Literal(p)),
  { description: 'low, normal, high or urgent' },
)
/** The SLA targets, in the order of the summary's `sla` objects. */
export const SLA_TARGETS = ['first_response', 'next_response', 'resolution'] as const
export type SlaTarget = (typeof SLA_TARGETS)[number]
/** The implicit last policy: today's thresholds. */
export const DEFAULT_POLICY = 'default'
/** Escalation levels that are not steps (a step may not take these names). */
export const BUILT_IN_LEVELS = ['warning', 'breach'] as const

const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$', description: 'lowercase letters, digits, - and _ (a metric label value)' })
const Strings = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description }))
const Target = (description: string) => Type.Optional(Type.Number({ exclusiveMinimum: 0, description }))

export const SlaPolicyConfig = Type.Object(
  {
    name: Name,
    match: Type.Object(
      {
        priority: Type.Optional(Type.Array(Priority, { minItems: 1, description: 'priorities of conversation.prioritised (a chat without one is normal)' })),
        tier: Strings('tiers of conversation.prioritised (a chat without one has no tier and matches no tier list)'),
        team: Strings('team names'),
        line: Strings('line ids (phone_number_id)'),
        category: Strings('categories (tag, menu reply or keyword)'),
      },
      { additionalProperties: false, default: {}, description: 'every key optional: all keys given must match (AND), any value of a list (OR); {} matches every chat' },
    ),
    first_response: Target('first-response target (s): from opening or hand-over to the first human reply'),
    next_response: Target('next-response target (s), per later waiting period'),
    resolution: Target('first-resolution target (s): from opening to the first explicit resolution'),
    escalate_after: Type.Optional(Type.Number({ minimum: 0, description: 'waiting time that breaches and pages (s); default thresholds.escalate_after' })),
    escalate_after_negative: Type.Optional(Type.Number({ minimum: 0, description: 'breach limit when the newest waiting message is negative (s); the shorter of it and escalate_after applies; default thresholds.escalate_after_negative' })),
    warn_before: Type.Optional(Type.Number({ minimum: 0, description: 'warning ahead of the breach (s); default thresholds.warn_before' })),
    business_hours: Type.Optional(
      Type.Boolean({
        description: "true: targets, breaches and steps count only open hours of the chat's team (or line) calendar; false: wall time; unset: targets in wall time, breaches as thresholds.escalate_outside_hours says",
      }),
    ),
  },
  { additionalProperties: false, description: 'one SLA policy: the first whose match fits a chat applies' },
)
export type SlaPolicyConfig = Static<typeof SlaPolicyConfig>

export const EscalationStepConfig = Type.Object(
  {
    name: Name,
    after: Type.Number({ exclusiveMinimum: 0, description: 'seconds after the breach, still unanswered, that this level is paged' }),
  },
  { additionalProperties: false, description: 'one level of the escalation chain' },
)

export const SlaConfig = Type.Object(
  {
    policies: Type.Array(SlaPolicyConfig, { default: [], maxItems: 200, description: 'SLA policies, first match wins; the thresholds are the implicit last policy, named default' }),
    escalation_steps: Type.Array(EscalationStepConfig, {
      default: [],
      maxItems: 15,
      description: 'after a breach still unanswered, page again one level up: each step a HelpdeskChatEscalation with level = its name; after strictly increasing',
    }),
  },
  { additionalProperties: false, default: {}, description: 'SLA policies and the escalation chain (docs/sla.md)' },
)
export type SlaConfig = Static<typeof SlaConfig>

/** The calendar fields date-holidays reads; checked at start-up. */
export interface HolidayRegion {
  country?: string | undefined
  region?: string | undefined
}

/** An error message for the field, or null when date-holidays knows the country and region. */
export function holidayRegionProblem(bh: HolidayRegion): { field: 'country' | 'region'; message: string } | null {
  if (bh.region !== undefined && bh.country === undefined) return { field: 'region', message: 'a region needs a country' }
  if (bh.country === undefined) return null
  const lib = new Holidays()
  if (!Object.hasOwn(lib.getCountries(), bh.country)) return { field: 'country', message: `date-holidays does not know the country "${bh.country}"` }
  if (bh.region !== undefined && !Object.hasOwn(lib.getStates(bh.country) ?? {}, bh.region)) {
    return { field: 'region', message: `date-holidays does not know the region "${bh.region}" of ${bh.country}` }
  }
  return null
}

/** Checks beyond the schema; returns [field, message] of the first problem, or null. */
export function slaProblem(sla: SlaConfig, th: { warn_before: number; escalate_after: number; escalate_after_negative: number }): [string, string] | null {
  const names = new Set<string>()
  for (const [i, p] of sla.policies.entries()) {
    if (p.name === DEFAULT_POLICY) return [`sla.policies.${i}.name`, `"${DEFAULT_POLICY}" is the implicit last policy's name`]
    if (names.has(p.name)) return [`sla.policies.${i}.name`, `duplicate policy name "${p.name}"`]
    names.add(p.name)
    const after = p.escalate_after ?? th.escalate_after
    const negative = Math.min(after, p.escalate_after_negative ?? th.escalate_after_negative)
    const warn = p.warn_before ?? th.warn_before
    if (warn >= negative) return [`sla.policies.${i}.warn_before`, 'must be less than the escalation limits (escalate_after, escalate_after_negative)']
  }
  const steps = new Set<string>()
  for (const [i, s] of sla.escalation_steps.entries()) {
    if ((BUILT_IN_LEVELS as readonly string[]).includes(s.name) || s.name === 'ok') return [`sla.escalation_steps.${i}.name`, `"${s.name}" is a built-in level`]
    if (steps.has(s.name)) return [`sla.escalation_steps.${i}.name`, `duplicate step name "${s.name}"`]
    steps.add(s.name)
    const prev = sla.escalation_steps[i - 1]
    if (prev && !(s.after > prev.after)) return [`sla.escalation_steps.${i}.after`, `must be greater than the previous step's (${prev.after})`]
  }
  return null
}
