/**
 * The whole forecast of a deployment (docs/forecast.md): arrivals per line × team from ClickHouse,
 * one model per series chosen by backtest, the team's workload, and the agents each interval
 * needs (Erlang C over chat slots, forecast/staffing.ts).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { lineZone, type Config } from '../schemas/config.js'
import { closedDays, INTERVAL_MS, type IntervalName } from './calendar.js'
import { forecastSeries, type ForecastPoint } from './forecast-series.js'
import { queryArrivals, queryWorkload, type TeamWorkload } from './history.js'
import { staffingSettings, type StaffingSettings } from './settings.js'
import { requiredAgents, type Staffing } from './staffing.js'
import type { BacktestRow } from './backtest.js'

export interface ForecastOptions {
  interval: IntervalName
  horizonDays: number
  historyDays: number
  /** Now (ms): the forecast starts at the interval that contains it. */
  now: number
  line?: string
  team?: string
  /** Called after each series (progress bars). */
  onSeries?: (done: number, total: number) => void
}

export interface SeriesResult {
  line: string
  team: string
  model: string
  note?: string
  /** Arrivals in the history window. */
  history_arrivals: number
  backtest: BacktestRow[]
  points: ForecastPoint[]
}

export interface StaffingPoint extends Staffing {
  at: string
  /** Forecast arrivals of the team in the interval (all its lines). */
  arrivals: number
}

export interface TeamResult {
  team: string
  /** What the staffing used, and where it came from. */
  handle_seconds: number | null
  concurrency: number
  human_share: number
  workload: TeamWorkload | null
  note?: string
  staffing: StaffingPoint[]
}

export interface Forecast {
  computed_at: string
  interval: IntervalName
  interval_seconds: number
  horizon_days: number
  history: { from: string; until: string }
  settings: StaffingSettings
  series: SeriesResult[]
  teams: TeamResult[]
}

export async function computeForecast(client: ClickHouseClient, config: Config, o: ForecastOptions): Promise<Forecast> {
  const step = INTERVAL_MS[o.interval]
  const until = Math.floor(o.now / step) * step
  const from = until - o.historyDays * 86_400_000
  const horizon = Math.round((o.horizonDays * 86_400_000) / step)
  const [rows, workload] = await Promise.all([queryArrivals(client, { from, until, step }), queryWorkload(client, { from, until })])
  const keys = new Map<string, { line: string; team: string; counts: Float64Array }>()
  const length = Math.round((until - from) / step)
  for (const r of rows) {
    if ((o.line && r.line !== o.line) || (o.team && r.team !== o.team)) continue
    const key = `${r.line}\u0000${r.team}`
    let s = keys.get(key)
    if (!s) keys.set(key, (s = { line: r.line, team: r.team, counts: new Float64Array(length) }))
    if (r.bucket < length) s.counts[r.bucket] = r.n
  }
  const list = [...keys.values()].sort((a, b) => a.line.localeCompare(b.line) || a.team.localeCompare(b.team))
  const series: SeriesResult[] = []
  for (const s of list) {
    const lc = config.lines[s.line]
    const closed = closedDays({ from, until: until + horizon * step, dates: lc?.business_hours?.holidays ?? [], ...(config.forecast.holiday_country ? { country: config.forecast.holiday_country } : {}) })
    // Leading intervals before the series' first arrival are not history: a line added last week has a week.
    let first = 0
    while (first < length && s.counts[first] === 0) first++
    const firstDay = Math.floor(first / (86_400_000 / step)) * (86_400_000 / step)
    const counts = s.counts.subarray(firstDay)
    const f = forecastSeries({ counts, axis: { start: from + firstDay * step, step, zone: lineZone(config, s.line) }, closed, horizon })
    series.push({ line: s.line, team: s.team, model: f.model, ...(f.note ? { note: f.note } : {}), history_arrivals: counts.reduce((a, b) => a + b, 0), backtest: f.backtest, points: f.points })
    o.onSeries?.(series.length, list.length)
    // Between series the event loop runs: in the processor, live events wait for one series at most.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const settings = staffingSettings(config)
  const teams = [...new Set(series.map((s) => s.team))].sort().map((team) => teamStaffing(team, series.filter((s) => s.team === team), workload.find((w) => w.team === team) ?? null, config, settings, step))
  return {
    computed_at: new Date(o.now).toISOString(),
    interval: o.interval,
    interval_seconds: step / 1000,
    horizon_days: o.horizonDays,
    history: { from: new Date(from).toISOString(), until: new Date(until).toISOString() },
    settings,
    series,
    teams,
  }
}

function teamStaffing(team: string, series: SeriesResult[], w: TeamWorkload | null, config: Config, settings: StaffingSettings, step: number): TeamResult {
  const handle = config.forecast.handle_seconds ?? w?.handle_seconds ?? null
  const measured = w?.concurrency
  const concurrency = config.forecast.concurrency ?? (measured ? Math.max(1, Math.round(measured)) : config.agents.default_capacity)
  const humanShare = w && w.conversations > 0 ? w.human_share : 1
  const base = { team, handle_seconds: handle, concurrency, human_share: humanShare, workload: w }
  if (handle === null) return { ...base, note: 'no chat with an assignment and a resolution in the history: set forecast.handle_seconds to staff this team', staffing: [] }
  const points = series[0]?.points ?? []
  const staffing = points.map((p, i) => {
    const arrivals = series.reduce((s, x) => s + (x.points[i]?.mean ?? 0), 0)
    return {
      at: p.at,
      arrivals,
      ...requiredAgents({ arrivalsPerSecond: (arrivals * humanShare) / (step / 1000), handleSeconds: handle, concurrency, ...settings }),
    }
  })
  return { ...base, ...(measured ? {} : { note: `no agent minutes with a chat in the history: concurrency ${concurrency} from ${config.forecast.concurrency ? 'forecast.concurrency' : 'agents.default_capacity'}` }), staffing }
}
