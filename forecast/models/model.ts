/** What every forecasting model reads and returns (forecast/models/*.ts). */
import type { LocalIndex } from '../calendar.js'

export interface ModelInput {
  /** Arrivals per interval, the training part: intervals [0, counts.length). */
  counts: ArrayLike<number>
  /** Local day, weekday and slot of every interval, training and horizon. */
  index: LocalIndex
  /** Local days with no arrivals expected (holidays). */
  closed: ReadonlySet<number>
  /** Intervals to forecast after the training part. */
  horizon: number
  /** Intervals in a week (the seasonal-naive lag). */
  season: number
}

export interface ModelOutput {
  mean: number[]
  lo80: number[]
  hi80: number[]
  lo95: number[]
  hi95: number[]
}

export interface Model {
  name: string
  /** Full days of history the model needs. */
  minDays: number
  forecast(input: ModelInput): ModelOutput
}

export const emptyOutput = (h: number): ModelOutput => ({ mean: Array(h).fill(0), lo80: Array(h).fill(0), hi80: Array(h).fill(0), lo95: Array(h).fill(0), hi95: Array(h).fill(0) })
