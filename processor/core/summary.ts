import { emptyTiming, type Summary } from '../../schemas/summary.js'
import type { Engine } from './engine.js'
import { stateOf } from './state.js'

const round = (x: number | null, digits = 3) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits)

/**
 * The summary object of ARCHITECTURE.md at `until` (ms): totals since the start of the stream,
 * point-in-time figures (backlog, oldest waiting) at `until`, which the clock must have reached.
 */
export function summarise(engine: Engine, until: number) {
  const { convs, totals, timing, config, agents, perAgent, delivery, rolling, categories } = engine.view
  const backlog = { bot: 0, unassigned: 0, awaiting_agent: 0, awaiting_customer: 0 }
  let open = 0
  let oldestWaiting: number | null = null
  let closingSoon = 0
  const soonMs = config.thresholds.window_closing_soon * 1000
  const windowMs = config.thresholds.service_window * 1000
  for (const c of convs.values()) {
    if (!c.open) continue
    open++
    backlog[stateOf(c)]++
    if (c.waitingSince !== null) {
      if (oldestWaiting === null || c.waitingSince < oldestWaiting) oldestWaiting = c.waitingSince
      const closes = c.lastCustomerAt + windowMs
      if (closes > until && closes - until <= soonMs) closingSoon++
    }
  }
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
    // Beyond ARCHITECTURE.md's minimum:
    first_response_business_seconds: timing.frtBusiness.toJSON(),
    next_response_business_seconds: timing.nrtBusiness.toJSON(),
    full_resolution_seconds: timing.fullResolution.toJSON(),
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
    agents: agents.report(until).map((a) => {
      const k = perAgent.get(a.agent)
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
        const frt = rolling.frt.window(until, minutes * 60_000)
        const counts = rolling.counts.window(until, minutes * 60_000)
        return [
          name,
          {
            conversations_opened: counts.opened,
            conversations_resolved: counts.resolved,
            messages: { in: counts.messages_in, out: counts.messages_out },
            breaches: counts.breaches,
            first_response_seconds: frt.toJSON(),
            service_level: frt.count ? round(counts.frt_within_target / frt.count, 4) : null,
            next_response_seconds: rolling.nrt.window(until, minutes * 60_000).toJSON(),
            resolution_seconds: rolling.resolution.window(until, minutes * 60_000).toJSON(),
          },
        ]
      }),
    ),
  }
  return summary
}
