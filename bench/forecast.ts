/**
 * `npm run bench:forecast`: forecasting 20 line × team series of 8 weeks at 15-minute intervals
 * (5,376 intervals each; backtest of three candidates over three folds, then the chosen model's
 * 7-day forecast), from simulated arrivals (cli/simulate/history.ts), as the processor does after
 * its ClickHouse query. Prints the time per run and per series. Target: under 2 s.
 */
import { historyArrivals } from '../cli/simulate/history.js'
import { forecastSeries } from '../forecast/forecast-series.js'
import { closedDays, INTERVAL_MS } from '../forecast/calendar.js'

const step = INTERVAL_MS['15m']
const from = Date.parse('2026-10-25T23:00:00Z')
const days = 56
const series: Float64Array[] = []
for (let seed = 1; series.length < 20; seed++) {
  const { arrivals } = historyArrivals({ seed, days, start: '2026-10-26', perDay: 200 + seed * 40, trend: 0.2 })
  for (const line of ['106540352242921', '106540352242922', '106540352242923']) {
    if (series.length === 20) break
    const counts = new Float64Array((days * 86_400_000) / step)
    for (const a of arrivals) if (a.line === line) counts[Math.floor((a.t * 1000 - from) / step)]!++
    series.push(counts)
  }
}
const closed = closedDays({ from, until: from + (days + 7) * 86_400_000, country: 'IT' })
const horizon = (7 * 86_400_000) / step
const runs: number[] = []
const chosen = new Map<string, number>()
for (let run = 0; run < 5; run++) {
  const t0 = performance.now()
  for (const counts of series) {
    const f = forecastSeries({ counts, axis: { start: from, step, zone: 'Europe/Rome' }, closed, horizon })
    if (run === 0) chosen.set(f.model, (chosen.get(f.model) ?? 0) + 1)
  }
  runs.push(performance.now() - t0)
}
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`
process.stdout.write(
  `20 series × ${series[0]!.length} intervals (15 min, 8 weeks), horizon 7 days, 3 candidates × 3 backtest folds + the forecast\n` +
    `runs: ${runs.map(fmt).join(', ')} (first includes warm-up)\n` +
    `best ${fmt(Math.min(...runs))}, median ${fmt([...runs].sort((a, b) => a - b)[2]!)}; ${(Math.min(...runs) / 20).toFixed(0)} ms per series\n` +
    `models chosen: ${[...chosen].map(([m, n]) => `${m} × ${n}`).join(', ')}\n`,
)
