/**
 * The ground-truth Summary (schemas/summary.ts) of a plan at `until` = its last event, computed
 * from the plan alone with the default thresholds of schemas/config.ts and the rules of
 * docs/kpis.md. Percentiles are exact sample values, nearest rank (docs/kpis.md "Aggregation rules":
 * the ⌈q·n⌉-th smallest); the engine's sketches must agree within their accuracy.
 */
import { defaultConfig, type Config } from '../../schemas/config.js'
import type { Summary, Timing } from '../../schemas/summary.js'
import type { Plan, Step, Thread } from './model.js'
import { nearestRankIndex } from '../../processor/core/timing.js'
import { advance, applyTimeline, type Counters, type TruthConversation } from './truth-timeline.js'

export interface TruthDetail {
  until: number
  conversations: TruthConversation[]
}

/** Unix second of the plan's last event of any kind (messages, events, statuses, agent status). */
export function lastEventTime(plan: Plan): number {
  let max = Number.NEGATIVE_INFINITY
  for (const e of plan.agentEvents) max = Math.max(max, e.t)
  for (const thread of plan.threads) {
    for (const s of thread.steps) {
      max = Math.max(max, s.t)
      if (s.kind === 'out') for (const st of s.statuses) max = Math.max(max, st.t)
    }
  }
  return max
}

export function timing(samples: readonly number[]): Timing {
  if (samples.length === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null }
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[nearestRankIndex(q, sorted.length)] as number
  return { count: sorted.length, mean: sorted.reduce((s, x) => s + x, 0) / sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) }
}

export function computeTruth(plan: Plan, config: Config = defaultConfig()): { summary: Summary; detail: TruthDetail } {
  const th = config.thresholds
  const until = lastEventTime(plan)
  const timelines = new Map<string, Array<{ step: Step; thread: Thread }>>()
  for (const thread of plan.threads) {
    const key = `${thread.line}|${thread.customer}`
    const list = timelines.get(key) ?? []
    for (const step of thread.steps) list.push({ step, thread })
    timelines.set(key, list)
  }
  const counters: Counters = { messagesIn: 0, messagesOut: 0 }
  const convs: TruthConversation[] = []
  for (const list of timelines.values()) {
    list.sort((a, b) => a.step.t - b.step.t)
    const mine = applyTimeline(list, th, counters)
    const last = mine.at(-1)
    if (last) advance(last, until, th)
    for (const [i, c] of mine.entries()) {
      c.state = stateOf(c)
      c.fcr = fcrOf(c, mine.slice(i + 1), until, th.repeat_window)
    }
    convs.push(...mine)
  }
  convs.sort((a, b) => a.openedAt - b.openedAt || a.thread - b.thread)
  return { summary: summarise(convs, counters, until, th), detail: { until, conversations: convs } }
}

function stateOf(c: TruthConversation): NonNullable<TruthConversation['state']> {
  if (c.status !== 'open') return 'closed'
  if (c.botPhase) return 'bot'
  if (c.waiting) return c.assignedTo ? 'awaiting_agent' : 'unassigned'
  return 'awaiting_customer'
}

/** FCR of docs/kpis.md "Outcomes": only explicit resolutions; pending until the window passes. */
function fcrOf(c: TruthConversation, later: TruthConversation[], until: number, window: number): TruthConversation['fcr'] {
  if (c.status !== 'resolved' || c.lastResolvedAt === null) return null
  const end = c.lastResolvedAt + window
  if (until < end) return 'pending'
  const repeat = later.some((n) => n.openedAt > (c.lastResolvedAt as number) && n.openedAt <= end)
  return !c.reopened && c.humanWriters.length <= 1 && !repeat ? 'fcr' : 'not-fcr'
}

function summarise(convs: TruthConversation[], counters: Counters, until: number, th: Config['thresholds']): Summary {
  const count = (f: (c: TruthConversation) => boolean) => convs.filter(f).length
  const waiting = convs.filter((c) => c.status === 'open' && c.waiting !== null)
  const frt = convs.flatMap((c) => (c.frt === null ? [] : [c.frt]))
  const scores = convs.flatMap((c) => (c.csat === null ? [] : [c.csat]))
  const oldest = waiting.length ? until - Math.min(...waiting.map((c) => (c.waiting as { start: number }).start)) : null
  return {
    until: new Date(until * 1000).toISOString(),
    conversations: {
      opened: convs.length,
      resolved: count((c) => c.status !== 'open'),
      open: count((c) => c.status === 'open'),
      reopened: count((c) => c.reopened),
    },
    messages: { in: counters.messagesIn, out: counters.messagesOut },
    backlog: {
      bot: count((c) => c.state === 'bot'),
      unassigned: count((c) => c.state === 'unassigned'),
      awaiting_agent: count((c) => c.state === 'awaiting_agent'),
      awaiting_customer: count((c) => c.state === 'awaiting_customer'),
    },
    oldest_waiting_seconds: oldest,
    first_response_seconds: timing(frt),
    next_response_seconds: timing(convs.flatMap((c) => c.nrt)),
    assignment_seconds: timing(convs.flatMap((c) => (c.assignment === null ? [] : [c.assignment]))),
    resolution_seconds: timing(convs.flatMap((c) => (c.firstResolution === null ? [] : [c.firstResolution]))),
    escalations: { warnings: convs.reduce((s, c) => s + c.warnings, 0), breaches: convs.reduce((s, c) => s + c.breaches, 0) },
    csat: {
      responses: scores.length,
      percent: scores.length ? (100 * scores.filter((s) => s >= 4).length) / scores.length : null,
      mean: scores.length ? scores.reduce((s, x) => s + x, 0) / scores.length : null,
    },
    bot: {
      conversations: count((c) => c.bot),
      contained: count((c) => c.bot && c.status === 'resolved' && c.humanWriters.length === 0),
      handoffs: count((c) => c.bot && c.handedOff),
    },
    fcr: { final: count((c) => c.fcr === 'fcr' || c.fcr === 'not-fcr'), fcr: count((c) => c.fcr === 'fcr'), pending: count((c) => c.fcr === 'pending') },
    service_level: frt.length ? frt.filter((x) => x <= th.frt_target).length / frt.length : null,
    missed: count((c) => c.missed),
    window_closing_soon: waiting.filter((c) => c.lastCustomerAt + th.service_window > until && c.lastCustomerAt + th.service_window <= until + th.window_closing_soon).length,
  }
}
