/**
 * Prediction intervals of a count: negative binomial with the forecast's mean and variance
 * (Poisson when the variance is not above the mean), read with mid-distribution quantiles
 * (F(k − 1) + P(k)/2, interpolated) so that a discrete count is not given a wider interval than
 * its level asks for; a normal approximation above a mean of 400.
 */
const Z: Record<string, number> = { '0.025': -1.959963985, '0.1': -1.281551566, '0.9': 1.281551566, '0.975': 1.959963985 }

export interface Band {
  lo80: number
  hi80: number
  lo95: number
  hi95: number
}

export function countBand(mean: number, variance: number): Band {
  if (!(mean > 0)) return { lo80: 0, hi80: 0, lo95: 0, hi95: 0 }
  const v = Math.max(variance, mean)
  if (mean > 400) {
    const sd = Math.sqrt(v)
    const q = (p: string) => Math.max(0, mean + Z[p]! * sd)
    return { lo80: q('0.1'), hi80: q('0.9'), lo95: q('0.025'), hi95: q('0.975') }
  }
  // pmf by recursion: Poisson (v = mean) or negative binomial with r = mean² / (v − mean).
  const poisson = v - mean < 1e-9 * mean
  const r = poisson ? 0 : (mean * mean) / (v - mean)
  const p = poisson ? 0 : r / (r + mean)
  let pk = poisson ? Math.exp(-mean) : Math.exp(r * Math.log(p))
  const targets = [0.025, 0.1, 0.9, 0.975]
  const out = [0, 0, 0, 0]
  let done = 0
  let cumBefore = 0
  let midPrev = 0
  let kPrev = -0.5
  for (let k = 0; done < 4 && k < 100_000; k++) {
    const mid = cumBefore + pk / 2
    while (done < 4 && targets[done]! <= mid) {
      // Linear between (kPrev, midPrev) and (k, mid).
      const span = mid - midPrev
      out[done] = Math.max(0, span > 0 ? kPrev + ((targets[done]! - midPrev) / span) * (k - kPrev) : k)
      done++
    }
    midPrev = mid
    kPrev = k
    cumBefore += pk
    pk = poisson ? (pk * mean) / (k + 1) : (pk * (k + r) * (1 - p)) / (k + 1)
  }
  return { lo95: out[0]!, lo80: out[1]!, hi80: out[2]!, hi95: out[3]! }
}
