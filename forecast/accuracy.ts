/**
 * Forecast accuracy (docs/forecast.md "Backtest"):
 * - MASE = mean |y − ŷ| over the test, divided by the mean |y_t − y_{t−m}| of the training data
 *   (the in-sample error of the seasonal-naive forecast, m = one week of intervals): below 1
 *   beats "same interval last week" as it did in training;
 * - sMAPE = 100 · mean of 2|y − ŷ| / (|y| + |ŷ|), a term with y = ŷ = 0 counting 0;
 * - coverage: the share of test intervals whose count fell within the interval [lo, hi].
 */
export function naiveScale(train: ArrayLike<number>, season: number): number {
  let sum = 0
  let n = 0
  for (let i = season; i < train.length; i++) {
    sum += Math.abs(train[i]! - train[i - season]!)
    n++
  }
  return n === 0 ? Number.NaN : sum / n
}

export function mase(actual: ArrayLike<number>, predicted: ArrayLike<number>, scale: number): number {
  let sum = 0
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - predicted[i]!)
  const mae = sum / actual.length
  return scale > 0 ? mae / scale : mae === 0 ? 0 : Number.POSITIVE_INFINITY
}

export function smape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!
    const p = predicted[i]!
    const d = Math.abs(a) + Math.abs(p)
    if (d > 0) sum += (2 * Math.abs(a - p)) / d
  }
  return (100 * sum) / actual.length
}

export function coverage(actual: ArrayLike<number>, lo: ArrayLike<number>, hi: ArrayLike<number>): number {
  let inside = 0
  for (let i = 0; i < actual.length; i++) if (actual[i]! >= lo[i]! && actual[i]! <= hi[i]!) inside++
  return inside / actual.length
}
