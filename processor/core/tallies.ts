/** What the core counts and measures for the summary: totals, timings, windows, per agent, categories. */
import { TimingStat, RollingTiming, LineRollingCounts } from './timing.js'
import { CategorySource, type Conversation } from './state.js'

export interface AgentTally {
  conversations: number
  frt: TimingStat
  nrt: TimingStat
  resolutions: number
  /** Responses by score 1–5 (index 0 unused). */
  csat: number[]
}

export function createTallies() {
  const totals = {
    opened: 0, resolved: 0, reopened: 0, messagesIn: 0, messagesOut: 0, warnings: 0, breaches: 0,
    botConversations: 0, contained: 0, handoffs: 0, fcrFinal: 0, fcrYes: 0, fcrPending: 0, missed: 0,
    csat: [0, 0, 0, 0, 0, 0], frtWithinTarget: 0,
    sentimentMessages: 0, sentimentSum: 0, negativeMessages: 0,
  }
  const timing = {
    frt: new TimingStat(), frtBusiness: new TimingStat(), nrt: new TimingStat(), nrtBusiness: new TimingStat(),
    assignment: new TimingStat(), resolution: new TimingStat(), fullResolution: new TimingStat(), botFirst: new TimingStat(),
  }
  const rolling = {
    frt: new RollingTiming(),
    nrt: new RollingTiming(),
    resolution: new RollingTiming(),
    counts: new LineRollingCounts(['opened', 'resolved', 'messages_in', 'messages_out', 'frt_within_target', 'breaches', 'csat_responses', 'csat_positive', 'bot_resolved', 'bot_contained'] as const),
  }
  /** Per agent (KPIS.md "Agents"): conversations handled, FRT, NRT, resolutions, CSAT. */
  const perAgent = new Map<string, AgentTally>()
  const agentStats = (id: string): AgentTally => {
    let a = perAgent.get(id)
    if (!a) {
      a = { conversations: 0, frt: new TimingStat(), nrt: new TimingStat(), resolutions: 0, csat: [0, 0, 0, 0, 0, 0] }
      perAgent.set(id, a)
    }
    return a
  }
  /** SLA outcomes per policy name: [first hit, first missed, next hit, next missed, resolution hit, resolution missed]. */
  const sla = new Map<string, number[]>()
  function slaOutcome(policy: string, target: number, hit: boolean) {
    let row = sla.get(policy)
    if (!row) sla.set(policy, (row = [0, 0, 0, 0, 0, 0]))
    row[2 * target + (hit ? 0 : 1)]!++
  }
  /** Conversations by request type (KPIS.md "Volume and mix"), following re-categorisation. */
  const categories = new Map<string, number>()
  function setCategory(c: Conversation, category: string, source: CategorySource) {
    if (c.category === category && c.categorySource === source) return
    if (c.category !== null) categories.set(c.category, (categories.get(c.category) ?? 1) - 1)
    categories.set(category, (categories.get(category) ?? 0) + 1)
    c.category = category
    c.categorySource = source
  }
  /** Plain data for a checkpoint (EngineState in engine.ts, saved by processor/shell/checkpoints.ts). */
  function toState() {
    return {
      totals: { ...totals, csat: [...totals.csat] },
      timing: Object.entries(timing).map(([k, t]) => [k, t.toState()] as const),
      rolling: { frt: rolling.frt.toState(), nrt: rolling.nrt.toState(), resolution: rolling.resolution.toState(), counts: rolling.counts.toState() },
      perAgent: [...perAgent].map(([id, a]) => [id, { ...a, frt: a.frt.toState(), nrt: a.nrt.toState() }] as const),
      categories: [...categories],
      sla: [...sla].map(([k, row]) => [k, [...row]] as [string, number[]]),
    }
  }
  function restore(state: Omit<ReturnType<typeof toState>, 'sla'> & { sla?: Array<[string, number[]]> }) {
    Object.assign(totals, state.totals)
    for (const [k, t] of state.timing) timing[k as keyof typeof timing] = TimingStat.fromState(t)
    rolling.frt = RollingTiming.fromState(state.rolling.frt)
    rolling.nrt = RollingTiming.fromState(state.rolling.nrt)
    rolling.resolution = RollingTiming.fromState(state.rolling.resolution)
    rolling.counts.restore(state.rolling.counts)
    for (const [id, a] of state.perAgent) perAgent.set(id, { ...a, frt: TimingStat.fromState(a.frt), nrt: TimingStat.fromState(a.nrt) })
    for (const [k, v] of state.categories) categories.set(k, v)
    // Absent in checkpoints from before SLA policies.
    for (const [k, row] of state.sla ?? []) sla.set(k, [...row])
  }
  return { totals, timing, rolling, perAgent, agentStats, categories, setCategory, sla, slaOutcome, toState, restore }
}
export type TalliesState = ReturnType<ReturnType<typeof createTallies>['toState']>
