import { Counter, Gauge, Registry } from 'prom-client'
import { collectNodeMetrics } from '../../runtime/default-metrics.js'
import { COUNTERS, HISTOGRAMS, HELPDESK_BUCKETS, type CounterValue, type HistogramValue, type KpiSeries, type SeriesSpec } from './kpi-series.js'
import type { LiveState } from './live-state.js'

export interface KpiSources {
  /** Every partition's series held by this process (summed at scrape time). */
  series(): Iterable<KpiSeries>
  /** The latest point-in-time figures (refreshed every second), or null before the first. */
  live(): LiveState | null
  frtTargetSeconds: number
  sloObjective: number
}

type Labels = Record<string, string>
interface Sample {
  labels: Labels
  value: number
  metricName?: string
}

const zip = (names: readonly string[], values: readonly string[]): Labels => Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']))

/**
 * A series prom-client renders from our values at scrape time (prom-client's own Counter and
 * Histogram cannot be set to a partition sum restored from a checkpoint).
 */
function collected(registry: Registry, spec: { name: string; help: string }, type: 'counter' | 'gauge' | 'histogram', values: () => Sample[]) {
  registry.registerMetric({
    name: spec.name,
    get: async () => ({ name: spec.name, help: spec.help, type, aggregator: 'sum', values: values() }),
  } as unknown as Parameters<Registry['registerMetric']>[0])
}

function summedCounters(all: Iterable<KpiSeries>, id: keyof typeof COUNTERS): CounterValue[] {
  const out = new Map<string, CounterValue>()
  for (const s of all) {
    for (const [key, v] of s.counters.get(id) ?? []) {
      const had = out.get(key)
      if (had) had.value += v.value
      else out.set(key, { labels: v.labels, value: v.value })
    }
  }
  return [...out.values()]
}

function summedHistograms(all: Iterable<KpiSeries>, id: keyof typeof HISTOGRAMS): HistogramValue[] {
  const out = new Map<string, HistogramValue>()
  for (const s of all) {
    for (const [key, h] of s.histograms.get(id) ?? []) {
      const had = out.get(key)
      if (!had) out.set(key, { labels: h.labels, buckets: [...h.buckets], sum: h.sum, count: h.count })
      else {
        h.buckets.forEach((n, i) => (had.buckets[i]! += n))
        had.sum += h.sum
        had.count += h.count
      }
    }
  }
  return [...out.values()]
}

function histogramSamples(spec: SeriesSpec, values: HistogramValue[]): Sample[] {
  const samples: Sample[] = []
  for (const h of values) {
    const labels = zip(spec.labels, h.labels)
    let cumulative = 0
    HELPDESK_BUCKETS.forEach((edge, i) => {
      cumulative += h.buckets[i]!
      samples.push({ metricName: `${spec.name}_bucket`, labels: { ...labels, le: String(edge) }, value: cumulative })
    })
    samples.push({ metricName: `${spec.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count })
    samples.push({ metricName: `${spec.name}_sum`, labels, value: h.sum })
    samples.push({ metricName: `${spec.name}_count`, labels, value: h.count })
  }
  return samples
}

/** Gauges of the live state. A line × team or team once seen stays, at 0, for the life of the process. */
function registerLiveGauges(registry: Registry, sources: KpiSources) {
  const seenLineTeams = new Map<string, { line: string; team: string }>()
  const seenTeams = new Set<string>()
  const byLineTeam = () => {
    const live = sources.live()
    const rows = new Map((live?.byLineTeam ?? []).map((s) => [`${s.line}\u0001${s.team}`, s]))
    for (const [key, s] of rows) if (!seenLineTeams.has(key)) seenLineTeams.set(key, { line: s.line, team: s.team })
    return [...seenLineTeams].map(([key, lt]) => ({ ...lt, s: rows.get(key), at: live?.at ?? 0 }))
  }
  const byTeam = () => {
    const live = sources.live()
    const rows = new Map((live?.teams ?? []).map((t) => [t.team, t]))
    for (const team of rows.keys()) seenTeams.add(team)
    return [...seenTeams].map((team) => ({ team, t: rows.get(team) }))
  }
  const states = ['bot', 'unassigned', 'awaiting_agent', 'awaiting_customer'] as const
  collected(registry, { name: 'helpdesk_conversations_open', help: 'Open conversations by backlog state (KPIS.md "Point-in-time state")' }, 'gauge', () =>
    byLineTeam().flatMap(({ line, team, s }) => states.map((state) => ({ labels: { line, team, state }, value: s?.open[state] ?? 0 }))),
  )
  collected(registry, { name: 'helpdesk_conversations_awaiting_first_response', help: 'Waiting conversations with no human reply yet' }, 'gauge', () =>
    byLineTeam().map(({ line, team, s }) => ({ labels: { line, team }, value: s?.awaitingFirstResponse ?? 0 })),
  )
  collected(registry, { name: 'helpdesk_conversations_waiting_over_threshold', help: 'Conversations that breached the five-minute rule and are still waiting' }, 'gauge', () =>
    byLineTeam().map(({ line, team, s }) => ({ labels: { line, team }, value: s?.overThreshold ?? 0 })),
  )
  collected(registry, { name: 'helpdesk_oldest_waiting_seconds', help: 'Now minus the earliest waiting start (0 when nobody waits)' }, 'gauge', () =>
    byLineTeam().map(({ line, team, s, at }) => ({ labels: { line, team }, value: s?.oldestWaitingSince != null ? Math.max(0, (at - s.oldestWaitingSince) / 1000) : 0 })),
  )
  collected(registry, { name: 'helpdesk_conversations_window_closing', help: "Waiting conversations whose 24-hour service window closes within thresholds.window_closing_soon" }, 'gauge', () =>
    byLineTeam().map(({ line, team, s }) => ({ labels: { line, team }, value: s?.windowClosing ?? 0 })),
  )
  collected(registry, { name: 'helpdesk_agents_online', help: 'Agents with status online' }, 'gauge', () => byTeam().map(({ team, t }) => ({ labels: { team }, value: t?.online ?? 0 })))
  collected(registry, { name: 'helpdesk_agent_active_conversations', help: "Active conversations (open, not awaiting the customer) of the team's agents" }, 'gauge', () =>
    byTeam().map(({ team, t }) => ({ labels: { team }, value: t?.active ?? 0 })),
  )
  collected(registry, { name: 'helpdesk_agent_occupancy_ratio', help: 'Share of online agents with at least one active conversation' }, 'gauge', () =>
    byTeam().flatMap(({ team, t }) => (t && t.online > 0 ? [{ labels: { team }, value: t.occupied / t.online }] : [])),
  )
  collected(registry, { name: 'helpdesk_agent_load_ratio', help: 'Mean over online agents of min(active conversations / capacity, 1)' }, 'gauge', () =>
    byTeam().flatMap(({ team, t }) => (t && t.online > 0 ? [{ labels: { team }, value: t.loadSum / t.online }] : [])),
  )
}

/** The processor's series (docs/metrics.md), on a registry of its own. */
export function createProcessorMetrics(sources: KpiSources) {
  const registry = new Registry()
  collectNodeMetrics(registry, 'deskpulse_processor_')
  for (const [id, spec] of Object.entries(COUNTERS) as Array<[keyof typeof COUNTERS, SeriesSpec]>) {
    collected(registry, spec, 'counter', () => summedCounters(sources.series(), id).map((v) => ({ labels: zip(spec.labels, v.labels), value: v.value })))
  }
  for (const [id, spec] of Object.entries(HISTOGRAMS) as Array<[keyof typeof HISTOGRAMS, SeriesSpec]>) {
    collected(registry, spec, 'histogram', () => histogramSamples(spec, summedHistograms(sources.series(), id)))
  }
  registerLiveGauges(registry, sources)
  new Gauge({ name: 'helpdesk_frt_target_seconds', help: 'thresholds.frt_target of the configuration', registers: [registry] }).set(sources.frtTargetSeconds)
  new Gauge({ name: 'helpdesk_slo_objective_ratio', help: 'slo.objective of the configuration (first responses within target)', registers: [registry] }).set(sources.sloObjective)
  return {
    registry,
    lag: new Gauge({
      name: 'deskpulse_processor_lag_seconds',
      help: 'Age of the oldest event in the batch being processed (0 when caught up)',
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
      help: '1 when the last ClickHouse write succeeded, 0 while writes fail (processing paused)',
      registers: [registry],
    }),
    alertsActive: new Gauge({
      name: 'deskpulse_alerts_active',
      help: 'Per-chat escalations this processor holds open in Alertmanager, by level',
      labelNames: ['level'] as const,
      registers: [registry],
    }),
    alertmanagerPosts: new Counter({
      name: 'deskpulse_alertmanager_posts_total',
      help: "Posts to Alertmanager's /api/v2/alerts, by result (ok, error)",
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  }
}
export type ProcessorMetrics = ReturnType<typeof createProcessorMetrics>
