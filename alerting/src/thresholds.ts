/**
 * Every figure a user would tune in the Prometheus rules, in one place (docs/alerting.md
 * "Thresholds"). Where the deployment's configuration has the figure (schemas/config.ts), it is
 * read from the config the rules are built for: the same file the processor reads
 * (`deskpulse rules --config FILE`), or the defaults for the committed rule file
 * (`npm run rules`). The other figures are the rules' own. After a change of the defaults,
 * regenerate (`npm run rules`) and update the promtool test in alerting/tests/ that pins the
 * figure (they are worked out by hand, so a changed threshold fails them until updated).
 */
import { defaultConfig, type Config } from '../../schemas/config.js'
import type { Duration } from './rule.js'

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

/** The rules' figures for a deployment config. */
export const ruleThresholds = (config: Config) => ({
  /**
   * Where the alerts' `runbook_url` points (`monitoring.runbook_base`): docs/alerting.md has one
   * section per alert, and the link is `${runbookBase}#<alert name in lowercase>`. The processor's
   * per-chat HelpdeskChatEscalation alerts use the same base.
   */
  runbookBase: config.monitoring.runbook_base,
  /** Prometheus job names (`monitoring.jobs`), as alerting/prometheus.yml scrapes them. */
  jobs: config.monitoring.jobs,
  /** Extra label matchers of every selector (`monitoring.selector`, e.g. `namespace="helpdesk"`); empty by default. */
  selector: config.monitoring.selector,
  /** Grafana's address (`monitoring.grafana_url`): the alerts' `dashboard_url` links there. */
  grafanaUrl: config.monitoring.grafana_url,
  slo: {
    /**
     * Objective used when no processor exports `helpdesk_slo_objective_ratio` (restarts), so the
     * SLO rules never go silent: the configuration's `slo.objective` (0.9 by default).
     */
    objectiveFallback: config.slo.objective,
    /** The SLO window (docs/kpis.md "Service level and SLO"): the configuration's `slo.window_days` (28 by default). */
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
    /** The escalation limits the descriptions name: `thresholds.escalate_after` (300 s by default)… */
    escalateAfterSeconds: config.thresholds.escalate_after,
    /** …and `thresholds.escalate_after_negative` (180 s) when the newest waiting message is negative. */
    escalateAfterNegativeSeconds: config.thresholds.escalate_after_negative,
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
     * docs/kpis.md "Agents": the target band of `helpdesk_agent_load_ratio` (`thresholds.load_band`,
     * 85–90 % by default); above it agents cannot take more chats without raising FRT. The alert
     * fires above the band's top (the band the dashboards shade, grafana/src/config.ts `loadBand`).
     */
    band: { low: config.thresholds.load_band.low, high: config.thresholds.load_band.high },
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
     * Critical: lagging by `thresholds.escalate_after` (300 s by default) means the escalation
     * limit cannot be kept, whatever the processor decides.
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
  alertmanagerPosts: {
    /**
     * Share of the processor's posts to Alertmanager that failed: above a tenth, per-chat pages
     * are being lost (each post is retried, so a single failure is not).
     */
    failedShare: 0.1,
    window: '5m' as Duration,
    for: '5m' as Duration,
  },
  lineSilence: {
    /** A line with no inbound message for this long… */
    window: '30m' as Duration,
    /**
     * …that had at least this many inbound messages in the same half hour a week earlier (its own
     * history: the week's rhythm, nights and weekends included), is silent where it should not be.
     */
    minExpected: 10,
    /** The history the line is judged from: the same window this long ago (a week: the same weekday and hour). */
    lookback: '7d' as Duration,
    for: '5m' as Duration,
  },
  accountUpdates: {
    /** How long after Meta's webhook the alert stays firing (the webhook comes once). */
    window: '1h' as Duration,
  },
  down: {
    /**
     * A minute of failed scrapes (12 of the processor at 5 s, 4 of the ingest at 15 s in
     * alerting/prometheus.yml): a restart passes, an outage does not.
     */
    for: '1m' as Duration,
  },
}) as const

export type RuleThresholds = ReturnType<typeof ruleThresholds>

/** The figures of the committed rule file: the configuration's defaults. */
export const THRESHOLDS: RuleThresholds = ruleThresholds(defaultConfig())

/** The default `monitoring.runbook_base`, the prefix of the committed rules' `runbook_url`s. */
export const RUNBOOK_BASE = THRESHOLDS.runbookBase
