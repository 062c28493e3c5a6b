/**
 * One line × team series: the backtest picks the model, the model forecasts the horizon
 * (docs/forecast.md). With too little history for a backtest the seasonal-naive baseline is used
 * (and said so); with less than a week, the same interval the day before.
 */
import { backtest, choose, FOLDS, type BacktestRow } from './backtest.js'
import { localIndex, type Axis } from './calendar.js'
import { DAILY_NAIVE, WEEKLY_NAIVE } from './models/seasonal-naive.js'
import { PROFILE_ARIMA_011, PROFILE_ARIMA_022 } from './models/profile-arima.js'
import type { Model } from './models/model.js'

export const CANDIDATES: readonly Model[] = [WEEKLY_NAIVE, PROFILE_ARIMA_011, PROFILE_ARIMA_022]

export interface ForecastPoint {
  /** Start of the interval (ISO). */
  at: string
  mean: number
  lo80: number
  hi80: number
  lo95: number
  hi95: number
}

export interface SeriesForecast {
  model: string
  /** Why the model is not the backtest's choice (little history), when it is not. */
  note?: string
  backtest: BacktestRow[]
  points: ForecastPoint[]
}

export interface SeriesInput {
  /** Arrivals per interval from axis.start, the last one the newest complete interval. */
  counts: ArrayLike<number>
  axis: Axis
  closed: ReadonlySet<number>
  /** Intervals to forecast. */
  horizon: number
  candidates?: readonly Model[]
}

export function forecastSeries(input: SeriesInput): SeriesForecast {
  const { counts, axis, closed, horizon } = input
  const n = counts.length
  const index = localIndex(axis, n + horizon)
  const season = index.slotsPerDay * 7
  const window = Math.min(horizon, season)
  const candidates = input.candidates ?? CANDIDATES
  const days = n / index.slotsPerDay
  let model: Model
  let note: string | undefined
  let rows: BacktestRow[] = []
  if (days < 7) {
    model = DAILY_NAIVE
    note = `${days.toFixed(1)} days of history: less than a week, so the same interval the day before (daily-naive) is the forecast; no backtest`
  } else {
    rows = backtest({ counts, index, closed, season, window }, candidates)
    const chosen = choose(rows)
    model = candidates.find((c) => c.name === chosen) ?? WEEKLY_NAIVE
    const scored = rows.filter((r) => r.folds === FOLDS).length
    if (rows.length < candidates.length || scored < rows.length) {
      note = `${days.toFixed(1)} days of history: the models need ${Math.max(...candidates.map((c) => c.minDays))} days before each of ${FOLDS} backtest windows; only ${rows.map((r) => `${r.model} (${r.folds} folds)`).join(', ') || 'none'} could be scored`
      if (rows.length < candidates.length) model = WEEKLY_NAIVE
    }
  }
  const out = model.forecast({ counts, index, closed, horizon, season })
  const points: ForecastPoint[] = out.mean.map((mean, i) => ({
    at: new Date(axis.start + (n + i) * axis.step).toISOString(),
    mean,
    lo80: out.lo80[i]!,
    hi80: out.hi80[i]!,
    lo95: out.lo95[i]!,
    hi95: out.hi95[i]!,
  }))
  return { model: model.name, ...(note ? { note } : {}), backtest: rows, points }
}
