/**
 * The forecast on eight simulated weeks (cli/simulate/history.ts): trained on the first seven,
 * scored on the held-out eighth against what arrived and against the known intensity. The chosen
 * model must beat the seasonal-naive baseline's MASE, and its 80 % interval cover 70–90 % of the
 * held-out intervals.
 */
import t from 'tap'
import { historyArrivals } from '../../cli/simulate/history.js'
import { forecastSeries } from '../../forecast/forecast-series.js'
import { WEEKLY_NAIVE } from '../../forecast/models/seasonal-naive.js'
import { coverage, mase, naiveScale, smape } from '../../forecast/accuracy.js'
import { closedDays, INTERVAL_MS, type IntervalName } from '../../forecast/calendar.js'

const START = '2026-10-26' // a Monday; the eight weeks hold 1 November (a Sunday) and 8 December (a Tuesday); the eighth week none
const opts = { seed: 42, days: 56, start: START, perDay: 600, trend: 0.2 }
const { arrivals, cells, holidays } = historyArrivals(opts)
const from = Date.parse('2026-10-25T23:00:00Z') // local midnight, Europe/Rome (UTC+1 from 25 October)

function seriesOf(line: string, interval: IntervalName) {
  const step = INTERVAL_MS[interval]
  const counts = new Float64Array((56 * 86_400_000) / step)
  for (const a of arrivals) if (a.line === line) counts[Math.floor((a.t * 1000 - from) / step)]!++
  return counts
}

t.test('holidays of the period are the known ones', async (t) => {
  t.same(holidays.sort(), ['2026-11-01', '2026-12-08'])
  t.equal(cells.filter((c) => c.hour >= '2026-12-07T23:00' && c.hour < '2026-12-08T23:00').reduce((s, c) => s + c.expected, 0), 0, 'no arrivals expected on 8 December')
})

for (const interval of ['1h', '15m'] as const) {
  t.test(`${interval}: the held-out eighth week`, async (t) => {
    const step = INTERVAL_MS[interval]
    const week = (7 * 86_400_000) / step
    const closed = closedDays({ from, until: from + 56 * 86_400_000, country: 'IT' })
    for (const line of ['106540352242921', '106540352242923']) {
      const counts = seriesOf(line, interval)
      const train = counts.subarray(0, counts.length - week)
      const actual = Array.from(counts.subarray(counts.length - week))
      const f = forecastSeries({ counts: train, axis: { start: from, step, zone: 'Europe/Rome' }, closed, horizon: week })
      const baseline = WEEKLY_NAIVE
      const { localIndex } = await import('../../forecast/calendar.js')
      const index = localIndex({ start: from, step, zone: 'Europe/Rome' }, counts.length)
      const naive = baseline.forecast({ counts: train, index, closed, horizon: week, season: week })
      const scale = naiveScale(train, week)
      const mean = f.points.map((p) => p.mean)
      const chosen = { mase: mase(actual, mean, scale), smape: smape(actual, mean), c80: coverage(actual, f.points.map((p) => p.lo80), f.points.map((p) => p.hi80)), c95: coverage(actual, f.points.map((p) => p.lo95), f.points.map((p) => p.hi95)) }
      const base = { mase: mase(actual, naive.mean, scale), smape: smape(actual, naive.mean) }
      // Against the truth: the intensity of the held-out week, summed into the intervals.
      const truth = new Float64Array(week)
      for (const c of cells) {
        if (c.line !== line) continue
        const i = Math.floor((Date.parse(c.hour) - from) / step) - (counts.length - week)
        if (i < 0) continue
        const per = 3_600_000 / step
        for (let j = 0; j < per; j++) if (i + j < week) truth[i + j]! += c.expected / per
      }
      const vsTruth = mase(Array.from(truth), mean, scale)
      t.comment(`${interval} line ${line}: backtest ${f.backtest.map((r) => `${r.model} MASE ${r.mase.toFixed(3)} sMAPE ${r.smape.toFixed(1)} % cov80 ${(r.coverage80 * 100).toFixed(1)} %`).join('; ')}`)
      t.comment(`${interval} line ${line}: chosen ${f.model}: held-out MASE ${chosen.mase.toFixed(3)} (seasonal-naive ${base.mase.toFixed(3)}), sMAPE ${chosen.smape.toFixed(1)} % (seasonal-naive ${base.smape.toFixed(1)} %), 80 % interval covers ${(chosen.c80 * 100).toFixed(1)} %, 95 % covers ${(chosen.c95 * 100).toFixed(1)} %; MASE against the true intensity ${vsTruth.toFixed(3)}`)
      t.not(f.model, 'seasonal-naive', 'the backtest picks a real model')
      t.ok(chosen.mase < base.mase, `${f.model} MASE ${chosen.mase.toFixed(3)} beats seasonal-naive ${base.mase.toFixed(3)}`)
      t.ok(chosen.c80 >= 0.7 && chosen.c80 <= 0.9, `80 % interval covers ${(chosen.c80 * 100).toFixed(1)} % of held-out intervals`)
      t.ok(chosen.c95 >= 0.88, `95 % interval covers ${(chosen.c95 * 100).toFixed(1)} %`)
    }
  })
}

t.test('a horizon over Christmas and New Year forecasts the holidays closed', async (t) => {
  const step = INTERVAL_MS['1h']
  const counts = seriesOf('106540352242921', '1h')
  const closed = closedDays({ from, until: from + 70 * 86_400_000, country: 'IT' })
  const f = forecastSeries({ counts, axis: { start: from, step, zone: 'Europe/Rome' }, closed, horizon: 14 * 24 })
  t.equal(f.points[0]!.at, '2026-12-20T23:00:00.000Z', 'from local midnight of Monday 21 December')
  const localDay = (at: string) => new Date(Date.parse(at) + 3_600_000).toISOString().slice(0, 10)
  for (const day of ['2026-12-25', '2026-12-26', '2027-01-01']) {
    const points = f.points.filter((p) => localDay(p.at) === day)
    t.equal(points.length, 24)
    t.ok(points.every((p) => p.mean === 0 && p.hi95 === 0), `${day}: no arrivals forecast`)
  }
  const christmasEve = f.points.filter((p) => localDay(p.at) === '2026-12-24').reduce((s, p) => s + p.mean, 0)
  t.ok(christmasEve > 200, `24 December is open: ${christmasEve.toFixed(0)} arrivals forecast on the line`)
})
