/**
 * Every figure a user would tune in the Prometheus rules, in one place (docs/alerting.md
 * "Thresholds"). Where the processor's configuration has the figure, it is read from the same
 * defaults the processor runs with (schemas/config.ts), as grafana/src/config.ts does for the
 * dashboards: change it there and `npm run rules` moves the rule. After a change, regenerate
 * (`npm run rules`) and update the promtool test in alerting/tests/ that pins the figure (they
 * are worked out by hand, so a changed threshold fails them until updated).
 */
import { defaultConfig } from '../../schemas/config.js'
import type { Duration } from './rule.js'

const config = defaultConfig()

/**
 * Where the alerts' `runbook_url` points: docs/alerting.md has one section per alert, and the
 * link is `${RUNBOOK_BASE}#<alert name in lowercase>`. The default is the path in this
 * repository; set it to where your copy of the docs is served (e.g.
 * `https://git.example.com/ops/deskpulse/blob/main/docs/alerting.md`) so the link works from a
 * page or a chat message, then `npm run rules` (the promtool tests compare annotations exactly:
 * change the `runbook_url`s of alerting/tests/*.test.yml the same way).
 */
export const RUNBOOK_BASE = 'docs/alerting.md'

/** A multiwindow burn-rate alert (Google SRE workbook, "Alerting on SLOs"). */
export interface BurnRateTier {
  /** Error ratio / error budget at which the tier fires (capped at an error ratio of 1). */
  burnRate: number
  /** Both windows must burn: the long one keeps a burst from alerting, the short one ends the alert soon after the burn ends. */
  longWindow: Duration
  shortWindow: Duration
  /** First responses the long window must hold, so that one slow reply on a quiet desk is not a 100 % error ratio. */
  minFirstResponses: number
}

export const THRESHOLDS = {
  slo: {
    /**
     * Objective used when no processor exports `helpdesk_slo_objective_ratio` (restarts), so the
     * SLO rules never go silent: the configuration's default `slo.objective` (0.9).
     */
    objectiveFallback: config.slo.objective,
    /** The SLO window (KPIS.md "Service level and SLO"): the configuration's default `slo.window_days` (28). */
    windowDays: config.slo.window_days,
    /**
     * Page: 14.4x over 1 h and 5 m, the workbook's 2 % of a 30-day budget in an hour; at least 10
     * first responses in the hour.
     */
    page: { burnRate: 14.4, longWindow: '1h', shortWindow: '5m', minFirstResponses: 10 } satisfies BurnRateTier,
    /**
     * Ticket: 6x over 6 h and 30 m, the workbook's 5 % of the budget in 6 hours; at least 10 first
     * responses in the 6 hours.
     */
    ticket: { burnRate: 6, longWindow: '6h', shortWindow: '30m', minFirstResponses: 10 } satisfies BurnRateTier,
  },
  unanswered: {
    /**
     * The processor has already waited `thresholds.escalate_after` when it counts a chat in
     * `helpdesk_conversations_waiting_over_threshold`: the aggregate fires on the first
     * evaluation that sees one.
     */
    for: '0m' as Duration,
    /** The escalation limit the descriptions name: the configuration's `thresholds.escalate_after` (300 s). */
    escalateAfterSeconds: config.thresholds.escalate_after,
  },
  backlog: {
    /**
     * Waiting conversations per minute, on the slope over `slopeWindow`: sustained growth the team
     * is not absorbing.
     */
    growthPerMinute: 1,
    slopeWindow: '15m' as Duration,
    /** Waiting backlog below which growth does not alert: a small desk's normal ups and downs. */
    minWaiting: 10,
    /** How long the growth must last (with the 15-minute slope: growing 1/min for 20 minutes). */
    for: '5m' as Duration,
  },
  agentLoad: {
    /**
     * KPIS.md "Agents": the target band of `helpdesk_agent_load_ratio` is 85–90 %; above it agents
     * cannot take more chats without raising FRT. The alert fires above the band's top (the line
     * the dashboards draw, grafana/src/config.ts `loadBand`).
     */
    band: { low: 0.85, high: 0.9 },
    /** Long enough that a burst of chats absorbed within a quarter of an hour does not alert. */
    for: '15m' as Duration,
  },
  ingestRejection: {
    /**
     * Rejected share of the requests that can be rejected: a wrong secret or token shows as most
     * requests rejected; a client's occasional bad event does not reach 5 % on a busy desk.
     */
    share: 0.05,
    window: '5m' as Duration,
    /** Requests the window must hold, so that 1 rejection of 3 requests on a quiet night does not alert. */
    minRequests: 10,
    for: '5m' as Duration,
  },
  processorLag: {
    /**
     * Warning: a minute behind makes KPIs, dashboards and escalations visibly late (and, with the
     * default `warn_before` of 60 s, a chat's warning arrives after its breach).
     */
    warningSeconds: 60,
    /**
     * Critical: lagging by `thresholds.escalate_after` (300 s) means the five-minute rule cannot be
     * kept, whatever the processor decides.
     */
    criticalSeconds: config.thresholds.escalate_after,
    /** A catch-up after a restart or a slow batch passes within 2 minutes. */
    for: '2m' as Duration,
  },
  storeLag: {
    /**
     * The ClickHouse writer 5 minutes behind the live cores: history, reports and the ClickHouse
     * dashboards are late. Pages, metrics and the wallboard are not (docs/pipeline.md "Two runners").
     */
    seconds: 300,
    /** A store restart or a burst written in a few batches passes within 5 minutes. */
    for: '5m' as Duration,
  },
  down: {
    /**
     * A minute of failed scrapes (12 of the processor at 5 s, 4 of the ingest at 15 s in
     * alerting/prometheus.yml): a restart passes, an outage does not.
     */
    for: '1m' as Duration,
  },
} as const
