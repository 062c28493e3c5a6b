import { Counter, Gauge, Registry } from 'prom-client'
import { collectNodeMetrics } from '../../runtime/default-metrics.js'
import { COUNTERS, HISTOGRAMS, HELPDESK_BUCKETS, type CounterValue, type HistogramValue, type KpiSeries, type SeriesSpec } from './kpi-series.js'
import type { LiveState, LineTeamState, TeamAgents } from './live-state.js'
import { Exposition, LabelCache } from './exposition.js'

export interface KpiSources {
  /** Every partition's series held by this process (summed at scrape time). */
  series(): Iterable<KpiSeries>
  /** The latest point-in-time figures (refreshed every second), or null before the first. */
  live(): LiveState | null
  frtTargetSeconds: number
  /** Each configured line's replies_from (docs/whatsapp-only.md), for helpdesk_line_info. */
  linesRepliesFrom?: Record<string, string>
  sloObjective: number
}

/** A registry whose text also carries the KPI series, written by `extra` (exposition.ts). */
class ProcessorRegistry extends Registry {
  constructor(private readonly extra: () => string) {
    super()
  }
  override async metrics(): Promise<string> {
    return (await super.metrics()) + this.extra()
  }
}

function summedCounters(all: Iterable<KpiSeries>, id: keyof typeof COUNTERS): Map<string, CounterValue> {
  const out = new Map<string, CounterValue>()
  for (const s of all) {
    for (const [key, v] of s.counters.get(id) ?? []) {
      const had = out.get(key)
      if (had) had.value += v.value
      else out.set(key, { labels: v.labels, value: v.value })
    }
  }
  return out
}

function summedHistograms(all: Iterable<KpiSeries>, id: keyof typeof HISTOGRAMS): Map<string, HistogramValue> {
  const out = new Map<string, HistogramValue>()
  for (const s of all) {
    for (const [key, h] of s.histograms.get(id) ?? []) {
      const had = out.get(key)
      if (!had) out.set(key, { labels: h.labels, buckets: [...h.buckets], sum: h.sum, count: h.count })
      else {
        for (let i = 0; i < h.buckets.length; i++) had.buckets[i]! += h.buckets[i]!
        had.sum += h.sum
        had.count += h.count
      }
    }
  }
  return out
}

const LE = HELPDESK_BUCKETS.map((edge) => `le="${edge}"`)

/** Per histogram series, the `name{labels,le=…} ` prefix of each bucket line, then +Inf, _sum, _count: built once. */
function prefixesOf(prefixCache: Map<string, string[]>, name: string, key: string, labels: string): string[] {
  const k = `${name}\u0002${key}`
  let p = prefixCache.get(k)
  if (!p) {
    p = [...LE, 'le="+Inf"'].map((le) => `${name}_bucket{${labels},${le}} `)
    p.push(`${name}_sum{${labels}} `, `${name}_count{${labels}} `)
    prefixCache.set(k, p)
  }
  return p
}

/** The KPI counters and histograms, summed over the partitions, as exposition text. */
function kpiText(sources: KpiSources, caches: Map<string, LabelCache>, prefixes: Map<string, string[]>) {
  const cacheOf = (spec: SeriesSpec) => {
    let c = caches.get(spec.name)
    if (!c) caches.set(spec.name, (c = new LabelCache(spec.labels)))
    return c
  }
  const out = new Exposition()
  for (const [id, spec] of Object.entries(COUNTERS) as Array<[keyof typeof COUNTERS, SeriesSpec]>) {
    const labels = cacheOf(spec)
    out.header(spec.name, spec.help, 'counter')
    for (const [key, v] of summedCounters(sources.series(), id)) out.sample(spec.name, labels.get(key, v.labels), v.value)
  }
  for (const [id, spec] of Object.entries(HISTOGRAMS) as Array<[keyof typeof HISTOGRAMS, SeriesSpec]>) {
    const labels = cacheOf(spec)
    out.header(spec.name, spec.help, 'histogram')
    for (const [key, h] of summedHistograms(sources.series(), id)) {
      const p = prefixesOf(prefixes, spec.name, key, labels.get(key, h.labels))
      let cumulative = 0
      for (let i = 0; i < LE.length; i++) {
        cumulative += h.buckets[i]!
        out.line(p[i]!, cumulative)
      }
      out.line(p[LE.length]!, h.count)
      out.line(p[LE.length + 1]!, h.sum)
      out.line(p[LE.length + 2]!, h.count)
    }
  }
  return out
}

/**
 * Gauges of the live state. A line × team or team once seen stays, at 0, for the life of the
 * process (rules and dashboards see a 0, not a gap).
 */
function liveText(sources: KpiSources, out: Exposition, seenLineTeams: Map<string, { line: string; team: string; labels: string }>, seenTeams: Map<string, string>) {
  const live = sources.live()
  const rows = new Map<string, LineTeamState>()
  for (const s of live?.byLineTeam ?? []) {
    const key = `${s.line}\u0001${s.team}`
    rows.set(key, s)
    if (!seenLineTeams.has(key)) seenLineTeams.set(key, { line: s.line, team: s.team, labels: lineTeamLabels.get(key, [s.line, s.team]) })
  }
  const teamRows = new Map((live?.teams ?? []).map((t) => [t.team, t]))
  for (const team of teamRows.keys()) if (!seenTeams.has(team)) seenTeams.set(team, teamLabels.get(team, [team]))
  const at = live?.at ?? 0

  const perLineTeam = (name: string, help: string, value: (s: LineTeamState | undefined) => number) => {
    out.header(name, help, 'gauge')
    for (const [key, lt] of seenLineTeams) out.sample(name, lt.labels, value(rows.get(key)))
  }
  out.header('helpdesk_conversations_open', 'Open conversations by backlog state (docs/kpis.md "Point-in-time state")', 'gauge')
  for (const [key, lt] of seenLineTeams) {
    const s = rows.get(key)
    for (const state of STATES) out.sample('helpdesk_conversations_open', `${lt.labels},state="${state}"`, s?.open[state] ?? 0)
  }
  perLineTeam('helpdesk_conversations_awaiting_first_response', 'Waiting conversations with no human reply yet', (s) => s?.awaitingFirstResponse ?? 0)
  perLineTeam('helpdesk_conversations_waiting_over_threshold', 'Conversations past the escalation limit (thresholds.escalate_after, or escalate_after_negative) and still waiting', (s) => s?.overThreshold ?? 0)
  perLineTeam('helpdesk_oldest_waiting_seconds', 'Now minus the earliest waiting start (0 when nobody waits)', (s) => (s?.oldestWaitingSince != null ? Math.max(0, (at - s.oldestWaitingSince) / 1000) : 0))
  perLineTeam('helpdesk_conversations_window_closing', "Waiting conversations whose 24-hour service window closes within thresholds.window_closing_soon", (s) => s?.windowClosing ?? 0)

  const perTeam = (name: string, help: string, value: (t: TeamAgents | undefined) => number | null) => {
    out.header(name, help, 'gauge')
    for (const [team, labels] of seenTeams) {
      const v = value(teamRows.get(team))
      if (v !== null) out.sample(name, labels, v)
    }
  }
  // docs/sla.md "Outcomes": the summary's `sla`, from the core (hits and misses never decrease).
  const sla = Object.entries(live?.sla ?? {}).flatMap(([policy, targets]) => Object.entries(targets).map(([target, o]) => ({ policy, target, o })))
  out.header('helpdesk_sla_outcomes_total', 'SLA target outcomes (hit, missed) by policy and target (first_response, next_response, resolution), docs/sla.md', 'counter')
  for (const { policy, target, o } of sla) {
    for (const outcome of ['hit', 'missed'] as const) out.sample('helpdesk_sla_outcomes_total', slaOutcomeLabels.get(`${policy}\u0001${target}\u0001${outcome}`, [policy, target, outcome]), o[outcome])
  }
  out.header('helpdesk_sla_active', 'SLA targets still running (not yet hit or missed) of open conversations, by policy and target (docs/sla.md)', 'gauge')
  for (const { policy, target, o } of sla) out.sample('helpdesk_sla_active', slaLabels.get(`${policy}\u0001${target}`, [policy, target]), o.active)

  perTeam('helpdesk_agents_online', 'Agents with status online', (t) => t?.online ?? 0)
  perTeam('helpdesk_agent_active_conversations', "Active conversations (open, not awaiting the customer) of the team's agents", (t) => t?.active ?? 0)
  // No online agent: no ratio (a gap, not a misleading 0).
  perTeam('helpdesk_agent_occupancy_ratio', 'Share of online agents with at least one active conversation', (t) => (t && t.online > 0 ? t.occupied / t.online : null))
  perTeam('helpdesk_agent_load_ratio', 'Mean over online agents of min(active conversations / capacity, 1)', (t) => (t && t.online > 0 ? t.loadSum / t.online : null))
  // Workload balance (processor/core/rebalance.ts, docs/advice.md): the core decides, this selects.
  const balance = new Map((live?.balance ?? []).map((b) => [b.team, b]))
  perTeam('helpdesk_team_load_spread', "Highest minus lowest utilisation (active conversations ÷ capacity, uncapped) among the team's online agents; 0 below two", (t) => balance.get(t?.team ?? '')?.spread ?? 0)
  perTeam('helpdesk_agents_over_capacity', 'Online agents over capacity while another online agent of the team is loaded below advice.spare_below', (t) => balance.get(t?.team ?? '')?.overCapacity ?? 0)
}

const STATES = ['bot', 'unassigned', 'awaiting_agent', 'awaiting_customer'] as const
const lineTeamLabels = new LabelCache(['line', 'team'])
const teamLabels = new LabelCache(['team'])
const slaLabels = new LabelCache(['policy', 'target'])
const slaOutcomeLabels = new LabelCache(['policy', 'target', 'outcome'])

/** The processor's series (docs/metrics.md), on a registry of its own. */
export function createProcessorMetrics(sources: KpiSources) {
  const caches = new Map<string, LabelCache>()
  const prefixes = new Map<string, string[]>()
  const seenLineTeams = new Map<string, { line: string; team: string; labels: string }>()
  const seenTeams = new Map<string, string>()
  const registry = new ProcessorRegistry(() => {
    const out = kpiText(sources, caches, prefixes)
    liveText(sources, out, seenLineTeams, seenTeams)
    return out.text()
  })
  collectNodeMetrics(registry)
  const alertmanagerPosts = new Counter({
    name: 'deskpulse_alertmanager_posts_total',
    help: "Posts to Alertmanager's /api/v2/alerts, by result (ok, error)",
    labelNames: ['result'] as const,
    registers: [registry],
  })
  // Both results exist from the start at 0, so rate() counts the first post too.
  for (const result of ['ok', 'error']) alertmanagerPosts.inc({ result }, 0)
  new Gauge({ name: 'helpdesk_frt_target_seconds', help: 'thresholds.frt_target of the configuration', registers: [registry] }).set(sources.frtTargetSeconds)
  const lineInfo = new Gauge({
    name: 'helpdesk_line_info',
    help: "1 per configured line; replies_from says where its replies come from (helpdesk, or statuses: WhatsApp-only, who replied is unknown)",
    labelNames: ['line', 'replies_from'] as const,
    registers: [registry],
  })
  for (const [line, from] of Object.entries(sources.linesRepliesFrom ?? {})) lineInfo.set({ line, replies_from: from }, 1)
  new Gauge({ name: 'helpdesk_slo_objective_ratio', help: 'slo.objective of the configuration (first responses within target)', registers: [registry] }).set(sources.sloObjective)
  return {
    registry,
    lag: new Gauge({
      name: 'deskpulse_processor_lag_seconds',
      help: 'Age of the oldest event in the batch being processed (0 when caught up)',
      registers: [registry],
    }),
    stored: new Counter({
      name: 'deskpulse_processor_events_stored_total',
      help: 'Events the store runners have written to ClickHouse (their rows with them)',
      registers: [registry],
    }),
    consumerTroubles: new Counter({
      name: 'deskpulse_processor_consumer_troubles_total',
      help: 'JetStream pull troubles of the runners, by kind (heartbeats_missed, reset, exceeded_limits, no_responders): a partition not fed meanwhile',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    writeErrors: new Counter({
      name: 'deskpulse_clickhouse_write_errors_total',
      help: 'Failed ClickHouse inserts (each is retried)',
      registers: [registry],
    }),
    checkpointSeconds: new Gauge({
      name: 'deskpulse_processor_checkpoint_seconds',
      help: 'Time the last state checkpoint took (serialise and store)',
      registers: [registry],
    }),
    checkpointBytes: new Gauge({
      name: 'deskpulse_processor_checkpoint_bytes',
      help: 'Size of the last state checkpoint',
      registers: [registry],
    }),
    clickhouseUp: new Gauge({
      name: 'deskpulse_processor_clickhouse_up',
      help: '1 when the last ClickHouse write succeeded, 0 while writes fail (rows wait in the stream; alerts, metrics and the wallboard go on)',
      registers: [registry],
    }),
    storeLag: new Gauge({
      name: 'deskpulse_processor_store_lag_seconds',
      help: 'How far the ClickHouse writers are behind: age of the oldest event a writer holds unwritten, or how long a writer has been missing (0 when level)',
      registers: [registry],
    }),
    refused: refusedCounter(registry),
    alertsActive: new Gauge({
      name: 'deskpulse_alerts_active',
      help: 'Per-chat escalations this processor holds open in Alertmanager, by level',
      labelNames: ['level'] as const,
      registers: [registry],
    }),
    alertmanagerPosts,
  }
}
export type ProcessorMetrics = ReturnType<typeof createProcessorMetrics>

function refusedCounter(registry: Registry) {
  const c = new Counter({
    name: 'deskpulse_processor_events_refused_total',
    help: 'Events the live core refused, by reason (future: stamped beyond the allowed skew after receipt; erased: a customer erased after they were received)',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  for (const reason of ['future', 'erased']) c.inc({ reason }, 0)
  return c
}
