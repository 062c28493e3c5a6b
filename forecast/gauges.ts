/**
 * The forecast on /metrics (docs/metrics.md): for the interval that contains the scrape time
 * (`horizon="current"`) and the one after it (`horizon="next"`), the forecast arrivals per line
 * × team with their 80 % bounds, and the agents each team needs. Selected from the latest
 * forecast at scrape time; nothing is computed here.
 */
import { Gauge, type Registry } from 'prom-client'
import type { Forecast } from './compute.js'

const HORIZONS = [['current', 0], ['next', 1]] as const

/** The index of the forecast point whose interval holds `now`, or −1. */
export function pointIndex(f: Forecast, now: number): number {
  const first = Date.parse(f.history.until)
  const i = Math.floor((now - first) / (f.interval_seconds * 1000))
  return i >= 0 && i < (f.series[0]?.points.length ?? f.teams[0]?.staffing.length ?? 0) ? i : -1
}

export function registerForecastGauges(registry: Registry, latest: () => Forecast | null, now: () => number = Date.now): void {
  const select = (set: (f: Forecast, at: number, horizon: string) => void) => {
    const f = latest()
    if (!f) return
    const i = pointIndex(f, now())
    if (i < 0) return
    for (const [horizon, offset] of HORIZONS) set(f, i + offset, horizon)
  }
  new Gauge({
    name: 'helpdesk_forecast_conversations',
    help: 'Forecast new conversations in the current and the next forecast interval (forecast.interval), per line and team (docs/forecast.md)',
    labelNames: ['line', 'team', 'horizon'],
    registers: [registry],
    collect() {
      this.reset()
      select((f, i, horizon) => {
        for (const s of f.series) if (s.points[i]) this.set({ line: s.line, team: s.team, horizon }, s.points[i].mean)
      })
    },
  })
  for (const [name, key, help] of [
    ['helpdesk_forecast_conversations_lower', 'lo80', 'Lower bound of the 80 % prediction interval of helpdesk_forecast_conversations'],
    ['helpdesk_forecast_conversations_upper', 'hi80', 'Upper bound of the 80 % prediction interval of helpdesk_forecast_conversations'],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['line', 'team', 'horizon'],
      registers: [registry],
      collect() {
        this.reset()
        select((f, i, horizon) => {
          for (const s of f.series) if (s.points[i]) this.set({ line: s.line, team: s.team, horizon }, s.points[i][key])
        })
      },
    })
  }
  new Gauge({
    name: 'helpdesk_agents_required',
    help: 'Agents available to chat that a team needs in the current and the next forecast interval (Erlang C over chat slots, before shrinkage; docs/forecast.md)',
    labelNames: ['team', 'horizon'],
    registers: [registry],
    collect() {
      this.reset()
      select((f, i, horizon) => {
        for (const t of f.teams) if (t.staffing[i]) this.set({ team: t.team, horizon }, t.staffing[i].agents)
      })
    },
  })
  new Gauge({
    name: 'helpdesk_forecast_interval_seconds',
    help: 'Length of the forecast interval of helpdesk_forecast_conversations (forecast.interval)',
    registers: [registry],
    collect() {
      const f = latest()
      if (f) this.set(f.interval_seconds)
    },
  })
}
