/**
 * Model choice by rolling-origin backtest (docs/forecast.md "Backtest"): the series is cut at
 * three origins, one test window apart, ending at its last interval; each candidate is trained on
 * everything before an origin and scored on the window after it. The candidate with the lowest
 * mean MASE wins; the baseline keeps ties.
 */
import { coverage, mase, naiveScale, smape } from './accuracy.js'
import type { LocalIndex } from './calendar.js'
import type { Model, ModelOutput } from './models/model.js'

export interface BacktestRow {
  model: string
  /** Mean over the folds. */
  mase: number
  smape: number
  coverage80: number
  coverage95: number
  folds: number
}

export const FOLDS = 3

export interface BacktestInput {
  counts: ArrayLike<number>
  index: LocalIndex
  closed: ReadonlySet<number>
  season: number
  /** Intervals in each test window. */
  window: number
}

/** Whole days before interval `n`. */
const daysBefore = (index: LocalIndex, n: number) => (n > 0 ? index.day[n - 1]! - index.day[0]! : 0)

export function backtest(input: BacktestInput, models: readonly Model[]): BacktestRow[] {
  const { counts, index, closed, season, window } = input
  const n = counts.length
  const rows: BacktestRow[] = []
  for (const model of models) {
    const scores: Array<{ mase: number; smape: number; c80: number; c95: number }> = []
    for (let f = FOLDS; f >= 1; f--) {
      const origin = n - f * window
      if (origin <= 0 || daysBefore(index, origin) < model.minDays) continue
      const train = Array.prototype.slice.call(counts, 0, origin) as number[]
      const actual = Array.prototype.slice.call(counts, origin, origin + window) as number[]
      const out: ModelOutput = model.forecast({ counts: train, index, closed, horizon: window, season })
      scores.push({
        mase: mase(actual, out.mean, naiveScale(train, season)),
        smape: smape(actual, out.mean),
        c80: coverage(actual, out.lo80, out.hi80),
        c95: coverage(actual, out.lo95, out.hi95),
      })
    }
    if (!scores.length) continue
    const avg = (k: keyof (typeof scores)[number]) => scores.reduce((s, x) => s + x[k], 0) / scores.length
    rows.push({ model: model.name, mase: avg('mase'), smape: avg('smape'), coverage80: avg('c80'), coverage95: avg('c95'), folds: scores.length })
  }
  return rows
}

/** The winner: lowest MASE; the first row (the baseline) keeps a tie or a row that is not a number. */
export function choose(rows: readonly BacktestRow[]): string | undefined {
  let best = rows[0]
  for (const row of rows.slice(1)) if (Number.isFinite(row.mase) && !(row.mase >= (best?.mase ?? Number.POSITIVE_INFINITY))) best = row
  return best?.model
}
