import { emptyTiming, type Summary } from '../../schemas/summary.js'
import { project, type Projection } from './projection.js'
import type { Engine } from './engine.js'
import { TimingStat } from './timing.js'
import type { AgentTally } from './tallies.js'
import { SLA_TARGETS } from '../../schemas/sla-config.js'
import type { SlaSummary } from '../../schemas/summary.js'

const round = (x: number | null, digits = 3) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits)

type View = Engine['view']
type Totals = View['totals']
type Counts = View['delivery']['counts']

/**
 * The summary object of ARCHITECTURE.md at `until` (ms): totals since the start of the stream,
 * point-in-time figures (backlog, oldest waiting) at `until`, which the clock must have reached.
 */
export function summarise(engine: Engine, until: number) {
  return summariseMany([engine], until)
}

/** Timings of several engines as one: DDSketch merges are exact (same bins), so the percentiles are those of one sketch over all samples. */
function mergeTimings(stats: readonly TimingStat[]): TimingStat {
  if (stats.length === 1) return stats[0]!
  const out = new TimingStat()
  for (const s of stats) out.merge(s)
  return out
}

function sumTotals(list: readonly Totals[]): Totals {
  if (list.length === 1) return list[0]!
  const out = { ...list[0]!, csat: [...list[0]!.csat] }
  for (const t of list.slice(1)) {
    for (const k of Object.keys(out) as Array<keyof Totals>) {
      if (k === 'csat') t.csat.forEach((n, i) => (out.csat[i]! += n))
      else out[k] += t[k]
    }
  }
  return out
}

function sumMaps<K, V>(maps: ReadonlyArray<ReadonlyMap<K, V>>, add: (a: V | undefined, b: V) => V): Map<K, V> {
  const out = new Map<K, V>()
  for (const m of maps) for (const [k, v] of m) out.set(k, add(out.get(k), v))
  return out
}
const addNumber = (a: number | undefined, b: number) => (a ?? 0) + b
const addCounts = (a: Counts | undefined, b: Counts): Counts => (a ? { sent: a.sent + b.sent, delivered: a.delivered + b.delivered, read: a.read + b.read, played: a.played + b.played, failed: a.failed + b.failed } : { ...b })

/**
 * Per agent, across engines that each saw a share of the conversations (partitions, every one
 * told every agent's status: ingest/publish.ts). Exact: online time (the same in every engine:
 * the maximum is taken), `active` (summed), the tallies (conversations, FRT, NRT, resolutions,
 * CSAT: each conversation is in one engine). Approximate: occupancy and load, from each engine's
 * integrals (docs/deployment.md "Processors at scale"). When the agent has active conversations
 * in two partitions at once, no engine knows it, so the time occupied anywhere is estimated as
 * if the partitions were independent: 1 − ∏ (1 − occupied_p / online). Load is the sum of each
 * engine's ∫ min(active_p / capacity, 1), capped at the online time: exact while the agent is
 * within capacity, an overestimate beyond it.
 */
function mergedAgents(views: readonly View[], until: number) {
  type Row = ReturnType<View['agents']['totals']>[number]
  const rows = new Map<string, Row[]>()
  for (const v of views) {
    for (const a of v.agents.totals(until)) {
      const list = rows.get(a.agent)
      if (list) list.push(a)
      else rows.set(a.agent, [a])
    }
  }
  return [...rows].map(([agent, list]) => {
    const main = list.reduce((a, b) => (b.onlineMs > a.onlineMs ? b : a))
    const onlineMs = main.onlineMs
    const cap = (ms: number) => Math.min(ms, onlineMs)
    return {
      agent,
      team: main.team,
      online: list.some((a) => a.online),
      active: list.reduce((n, a) => n + a.active, 0),
      capacity: main.capacity,
      online_seconds: onlineMs / 1000,
      occupancy: onlineMs > 0 ? 1 - list.reduce((n, a) => n * (1 - Math.min(a.occupiedMs, onlineMs) / onlineMs), 1) : null,
      load: onlineMs > 0 ? cap(list.reduce((n, a) => n + a.loadMs, 0)) / onlineMs : null,
    }
  })
}

function mergedTally(views: readonly View[], agent: string): AgentTally | undefined {
  const list = views.map((v) => v.perAgent.get(agent)).filter((k): k is AgentTally => k !== undefined)
  if (list.length <= 1) return list[0]
  return {
    conversations: list.reduce((n, k) => n + k.conversations, 0),
    frt: mergeTimings(list.map((k) => k.frt)),
    nrt: mergeTimings(list.map((k) => k.nrt)),
    resolutions: list.reduce((n, k) => n + k.resolutions, 0),
    csat: [0, 1, 2, 3, 4, 5].map((s) => list.reduce((n, k) => n + k.csat[s]!, 0)),
  }
}

/**
 * The summary over several engines (the partitions a processor owns) as one: totals, timings,
 * rolling windows, delivery, categories summed or merged exactly; backlog and waiting figures
 * over every engine's conversations; agents as mergedAgents says. `summariseMany([e], t)` is
 * `summarise(e, t)`. Each engine's point-in-time figures are as of its own clock.
 */
export function summariseMany(engines: readonly Engine[], until: number) {
  if (engines.length === 0) throw new Error('summariseMany needs at least one engine')
  const views = engines.map((e) => e.view)
  const totals = sumTotals(views.map((v) => v.totals))
  const timing = Object.fromEntries((Object.keys(views[0]!.timing) as Array<keyof View['timing']>).map((k) => [k, mergeTimings(views.map((v) => v.timing[k]))])) as Record<keyof View['timing'], TimingStat>
  const single = views.length === 1 ? views[0]! : null
  const delivery = single
    ? single.delivery
    : {
        counts: views.map((v) => v.delivery.counts).reduce((a, b) => addCounts(a, b), { sent: 0, delivered: 0, read: 0, played: 0, failed: 0 }),
        failuresByCode: sumMaps(views.map((v) => v.delivery.failuresByCode), addNumber),
        bySender: sumMaps(views.map((v) => v.delivery.bySender), addCounts),
        byLine: sumMaps(views.map((v) => v.delivery.byLine), addCounts),
      }
  const categories = single ? single.categories : sumMaps(views.map((v) => v.categories), addNumber)

  // Point-in-time figures: the core's projection at `until`, summed over lines and teams.
  const backlog = { bot: 0, unassigned: 0, awaiting_agent: 0, awaiting_customer: 0 }
  let open = 0
  let oldestWaiting: number | null = null
  let closingSoon = 0
  const projection = project(engines, until, { waiting: false })
  for (const s of projection.byLineTeam) {
    for (const k of Object.keys(backlog) as Array<keyof typeof backlog>) {
      backlog[k] += s.open[k]
      open += s.open[k]
    }
    if (s.oldestWaitingSince !== null && (oldestWaiting === null || s.oldestWaitingSince < oldestWaiting)) oldestWaiting = s.oldestWaitingSince
    closingSoon += s.windowClosing
  }
  const agentReports = single ? single.agents.report(until) : mergedAgents(views, until)
  const tallyOf = (agent: string) => (single ? single.perAgent.get(agent) : mergedTally(views, agent))

  const csatResponses = totals.csat.reduce((a, b) => a + b, 0)
  const csatSum = totals.csat.reduce((a, n, score) => a + n * score, 0)
  const summary: Summary & Record<string, unknown> = {
    until: new Date(until).toISOString(),
    conversations: { opened: totals.opened, resolved: totals.resolved, open, reopened: totals.reopened },
    messages: { in: totals.messagesIn, out: totals.messagesOut },
    backlog,
    oldest_waiting_seconds: oldestWaiting === null ? null : Math.max(0, (until - oldestWaiting) / 1000),
    first_response_seconds: timing.frt.toJSON(),
    next_response_seconds: timing.nrt.toJSON(),
    assignment_seconds: timing.assignment.toJSON(),
    resolution_seconds: timing.resolution.toJSON(),
    escalations: { warnings: totals.warnings, breaches: totals.breaches },
    csat: {
      responses: csatResponses,
      percent: csatResponses ? round((100 * (totals.csat[4]! + totals.csat[5]!)) / csatResponses) : null,
      mean: csatResponses ? round(csatSum / csatResponses) : null,
    },
    bot: { conversations: totals.botConversations, contained: totals.contained, handoffs: totals.handoffs },
    fcr: { final: totals.fcrFinal, fcr: totals.fcrYes, pending: totals.fcrPending },
    service_level: timing.frt.count ? round(totals.frtWithinTarget / timing.frt.count, 4) : null,
    missed: totals.missed,
    window_closing_soon: closingSoon,
    sla: slaSummary(engines, projection.sla),
    // Beyond ARCHITECTURE.md's minimum:
    first_response_business_seconds: timing.frtBusiness.toJSON(),
    next_response_business_seconds: timing.nrtBusiness.toJSON(),
    // One sample per conversation, settled or still able to reopen (engine.ts settleFullResolution).
    full_resolution_seconds: mergeTimings(views.map((v) => v.fullResolution())).toJSON(),
    bot_first_response_seconds: timing.botFirst.toJSON(),
    csat_distribution: Object.fromEntries([1, 2, 3, 4, 5].map((s) => [s, totals.csat[s]])),
    fcr_percent: totals.fcrFinal ? round((100 * totals.fcrYes) / totals.fcrFinal) : null,
    delivery: {
      ...delivery.counts,
      failures_by_code: Object.fromEntries([...delivery.failuresByCode].sort((a, b) => a[0] - b[0])),
      by_sender_kind: Object.fromEntries(delivery.bySender),
      by_line: Object.fromEntries(delivery.byLine),
    },
    // Conversations by request type; those never categorised are `uncategorised`.
    categories: Object.fromEntries([...categories].filter(([, n]) => n > 0).concat([['uncategorised', totals.opened - [...categories.values()].reduce((a, b) => a + b, 0)]])),
    sentiment: {
      scored_messages: totals.sentimentMessages,
      mean: totals.sentimentMessages ? round(totals.sentimentSum / totals.sentimentMessages) : null,
      negative_messages: totals.negativeMessages,
    },
    agents: agentReports.map((a) => {
      const k = tallyOf(a.agent)
      const responses = k ? k.csat.reduce((x, y) => x + y, 0) : 0
      return {
        ...a,
        conversations: k?.conversations ?? 0,
        first_response_seconds: k ? k.frt.toJSON() : emptyTiming(),
        next_response_seconds: k ? k.nrt.toJSON() : emptyTiming(),
        resolutions: k?.resolutions ?? 0,
        csat: { responses, percent: responses ? round((100 * (k!.csat[4]! + k!.csat[5]!)) / responses) : null },
      }
    }),
    // Rolling windows of event time ending at `until` (whole minutes), for live views.
    windows: Object.fromEntries(
      ([['5m', 5], ['1h', 60], ['24h', 1440]] as const).map(([name, minutes]) => {
        const ms = minutes * 60_000
        const frt = mergeTimings(views.map((v) => v.rolling.frt.window(until, ms)))
        const counts = views.map((v) => v.rolling.counts.window(until, ms)).reduce((a, b) => sumRecord(a, b))
        return [
          name,
          {
            conversations_opened: counts.opened,
            conversations_resolved: counts.resolved,
            messages: { in: counts.messages_in, out: counts.messages_out },
            breaches: counts.breaches,
            first_response_seconds: frt.toJSON(),
            service_level: frt.count ? round(counts.frt_within_target / frt.count, 4) : null,
            next_response_seconds: mergeTimings(views.map((v) => v.rolling.nrt.window(until, ms))).toJSON(),
            resolution_seconds: mergeTimings(views.map((v) => v.rolling.resolution.window(until, ms))).toJSON(),
          },
        ]
      }),
    ),
  }
  return summary
}

/**
 * docs/sla.md "Outcomes": per policy (every configured one and `default`) and target, the hits and
 * misses so far (logged, plus misses whose target has not closed yet) and the targets still
 * running at the projection's moment. `/v1/summary`, replay and the metrics take this one answer.
 */
export function slaSummary(engines: readonly Engine[], projected: Projection['sla']): SlaSummary {
  const views = engines.map((e) => e.view)
  const names = [...new Set([...(views[0]?.slaRules.policies.map((p) => p.name) ?? []), ...views.flatMap((v) => [...v.sla.keys()]), ...projected.keys()])]
  return Object.fromEntries(
    names.map((name) => {
      const counts = [0, 0, 0, 0, 0, 0]
      for (const v of views) v.sla.get(name)?.forEach((n, i) => (counts[i]! += n))
      const now = projected.get(name)
      return [name, Object.fromEntries(SLA_TARGETS.map((target, i) => [target, { hit: counts[2 * i]!, missed: counts[2 * i + 1]! + (now?.[i]?.[1] ?? 0), active: now?.[i]?.[0] ?? 0 }])) as SlaSummary[string]]
    }),
  )
}

function sumRecord<K extends string>(a: Record<K, number>, b: Record<K, number>): Record<K, number> {
  const out = { ...a }
  for (const k of Object.keys(b) as K[]) out[k] = (out[k] ?? 0) + b[k]
  return out
}
