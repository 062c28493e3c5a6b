/**
 * The baseline: the same interval one season earlier (a week; a day when the history is shorter
 * than a week), skipping back another season when that day was closed. Intervals: the normal
 * approximation of the seasonal-naive forecast, σ·√(seasons ahead) with σ the RMS of the
 * training's seasonal differences (Hyndman & Athanasopoulos, "Forecasting: Principles and
 * Practice", 5.5), clamped at 0.
 */
import { emptyOutput, type Model, type ModelInput, type ModelOutput } from './model.js'

const Z80 = 1.281551566
const Z95 = 1.959963985

export function seasonalNaive(lagOf: (input: ModelInput) => number, name = 'seasonal-naive', minDays = 7): Model {
  return {
    name,
    minDays,
    forecast(input: ModelInput): ModelOutput {
      const { counts, index, closed, horizon } = input
      const n = counts.length
      const m = lagOf(input)
      const out = emptyOutput(horizon)
      if (n < m) return out
      let sq = 0
      let k = 0
      for (let i = m; i < n; i++) {
        if (closed.has(index.day[i]!) || closed.has(index.day[i - m]!)) continue
        sq += (counts[i]! - counts[i - m]!) ** 2
        k++
      }
      const sigma = k ? Math.sqrt(sq / k) : 0
      for (let i = 0; i < horizon; i++) {
        const t = n + i
        if (closed.has(index.day[t]!)) continue
        let back = m * (Math.floor(i / m) + 1)
        // A closed day a season back says nothing about an open one: look one more season back.
        while (t - back >= 0 && closed.has(index.day[t - back]!) && t - back - m >= 0) back += m
        const source = t - back
        if (source < 0) continue
        const mean = counts[source]!
        const sd = sigma * Math.sqrt(back / m)
        out.mean[i] = mean
        out.lo80[i] = Math.max(0, mean - Z80 * sd)
        out.hi80[i] = mean + Z80 * sd
        out.lo95[i] = Math.max(0, mean - Z95 * sd)
        out.hi95[i] = mean + Z95 * sd
      }
      return out
    },
  }
}

export const WEEKLY_NAIVE = seasonalNaive((input) => input.season)
export const DAILY_NAIVE = seasonalNaive((input) => input.index.slotsPerDay, 'daily-naive', 1)
