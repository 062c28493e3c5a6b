/**
 * "Profile × ARIMA" (docs/forecast.md "Models"), the decomposition forecast of Hyndman &
 * Athanasopoulos ("Forecasting: Principles and Practice", 3.x and 9.x) for a series with a weekly
 * and a daily cycle:
 *   arrivals(interval) = level(day) · weekday factor(weekday) · share(weekday, slot of the day)
 * - weekday factors: mean arrivals of each weekday over the mean of all open days;
 * - shares: the part of its day's arrivals each local slot receives, per weekday, shrunk toward
 *   the all-days profile (κ = 50 arrivals) so that a thin series does not chase noise;
 * - level: the daily totals divided by their weekday factor, a non-seasonal series the `arima`
 *   package's ARIMA(p, d, q) (exact maximum likelihood) models and forecasts with its variance:
 *   (0,1,1) is simple exponential smoothing of the level, (0,2,2) a level with a trend (Holt).
 * Closed days are left out of everything and forecast as 0. Each interval's count is then
 * negative binomial with variance φ·mean + (factor·share)²·Var(level), φ ≥ 1 the over-dispersion
 * the training days show around their own shares.
 */
import { arimaForecast } from './arima-quiet.js'
import { countBand } from './quantiles.js'
import { emptyOutput, type Model, type ModelInput, type ModelOutput } from './model.js'

const KAPPA = 50
/** Weeks of history the weekday factors, shares and dispersion are taken from (the newest). */
const PROFILE_WEEKS = 8

interface Day { day: number; weekday: number; total: number; slots: number; first: number }

function daysOf(input: ModelInput): Day[] {
  const { counts, index } = input
  const days: Day[] = []
  for (let i = 0; i < counts.length; i++) {
    const d = index.day[i]!
    let last = days.at(-1)
    if (!last || last.day !== d) days.push((last = { day: d, weekday: index.weekday[i]!, total: 0, slots: 0, first: i }))
    last.total += counts[i]!
    last.slots++
  }
  // Only whole days: the first and last may be cut (a DST day has 23 or 25 hours: ≥ 23/24 of its slots).
  return days.filter((d) => d.slots >= Math.floor((index.slotsPerDay * 23) / 24))
}

export function profileArima(order: readonly [number, number, number]): Model {
  return {
    name: `profile-arima(${order.join(',')})`,
    minDays: 14,
    forecast(input: ModelInput): ModelOutput {
      const { counts, index, closed, horizon } = input
      const n = counts.length
      const spd = index.slotsPerDay
      const out = emptyOutput(horizon)
      const days = daysOf(input)
      const open = days.filter((d) => !closed.has(d.day))
      if (open.length < 7) return out
      const recent = open.slice(-7 * PROFILE_WEEKS)

      // Weekday factors.
      const sumBy = new Float64Array(7)
      const countBy = new Float64Array(7)
      for (const d of recent) {
        sumBy[d.weekday]! += d.total
        countBy[d.weekday]!++
      }
      const overall = recent.reduce((s, d) => s + d.total, 0) / recent.length
      const factor = Array.from({ length: 7 }, (_, w) => (countBy[w]! > 0 && overall > 0 ? sumBy[w]! / countBy[w]! / overall : 1))

      // Shares per weekday × slot, shrunk toward the pooled profile.
      const bySlot = new Float64Array(7 * spd)
      const pooled = new Float64Array(spd)
      for (const d of recent) {
        for (let i = d.first; i < d.first + d.slots && i < n; i++) {
          bySlot[d.weekday * spd + index.slot[i]!]! += counts[i]!
          pooled[index.slot[i]!]! += counts[i]!
        }
      }
      const pooledTotal = pooled.reduce((s, x) => s + x, 0)
      const share = new Float64Array(7 * spd)
      for (let w = 0; w < 7; w++) {
        const total = sumBy[w]!
        for (let s = 0; s < spd; s++) {
          const prior = pooledTotal > 0 ? pooled[s]! / pooledTotal : 1 / spd
          share[w * spd + s] = (bySlot[w * spd + s]! + KAPPA * prior) / (total + KAPPA)
        }
      }

      // Over-dispersion around the shares, on the newest four weeks of open days.
      let chi = 0
      let cells = 0
      for (const d of recent.slice(-28)) {
        for (let i = d.first; i < d.first + d.slots && i < n; i++) {
          const mu = d.total * share[d.weekday * spd + index.slot[i]!]!
          if (mu > 0.5) {
            chi += (counts[i]! - mu) ** 2 / mu
            cells++
          }
        }
      }
      const phi = Math.max(1, cells ? chi / cells : 1)

      // The daily level: whole days in order, closed ones (and weekdays with no arrivals) carried over.
      const firstDay = days[0]!.day
      const lastDay = days.at(-1)!.day
      const level: number[] = []
      const byDay = new Map(days.map((d) => [d.day, d]))
      for (let d = firstDay; d <= lastDay; d++) {
        const day = byDay.get(d)
        const f = day ? factor[day.weekday]! : 0
        level.push(day && !closed.has(d) && f > 0 ? day.total / f : Number.NaN)
      }
      for (let i = 1; i < level.length; i++) if (Number.isNaN(level[i]!)) level[i] = level[i - 1]!
      const firstKnown = level.findIndex((x) => !Number.isNaN(x))
      for (let i = 0; i < firstKnown; i++) level[i] = level[firstKnown]!

      const lastFuture = index.day[n + horizon - 1]!
      const ahead = Math.max(1, lastFuture - lastDay)
      const { mean: levelMean, variance: levelVar } = arimaForecast(level, order, ahead)

      for (let i = 0; i < horizon; i++) {
        const t = n + i
        const d = index.day[t]!
        if (closed.has(d)) continue
        const k = Math.max(0, d - lastDay - 1)
        const lv = Math.max(0, levelMean[k] ?? levelMean.at(-1)!)
        const lvVar = Math.max(0, levelVar[k] ?? levelVar.at(-1)!)
        const weight = factor[index.weekday[t]!]! * share[index.weekday[t]! * spd + index.slot[t]!]!
        const mean = lv * weight
        const band = countBand(mean, phi * mean + weight * weight * lvVar)
        out.mean[i] = mean
        out.lo80[i] = band.lo80
        out.hi80[i] = band.hi80
        out.lo95[i] = band.lo95
        out.hi95[i] = band.hi95
      }
      return out
    },
  }
}

export const PROFILE_ARIMA_011 = profileArima([0, 1, 1])
export const PROFILE_ARIMA_022 = profileArima([0, 2, 2])
