/**
 * The `arima` package (a WebAssembly build of ctsa) prints optimiser diagnostics ("non-stationary
 * AR part") on stdout through a console.log it binds once, when it loads. It is loaded here with a
 * console.log that drops them, so `deskpulse forecast --json` prints JSON alone.
 */
import { createRequire } from 'node:module'
import type ARIMAType from 'arima'

const require = createRequire(import.meta.url)
const original = console.log
console.log = () => {}
let loaded: typeof ARIMAType
try {
  loaded = require('arima') as typeof ARIMAType
} finally {
  console.log = original
}
export const ARIMA = loaded!

/** Fits ARIMA(p, d, q) by exact maximum likelihood and returns the forecast means and their variances. */
export function arimaForecast(series: number[], order: readonly [number, number, number], steps: number): { mean: number[]; variance: number[] } {
  const model = new ARIMA({ p: order[0], d: order[1], q: order[2], verbose: false }).fit(series)
  try {
    const [mean, variance] = model.predict(steps)
    return { mean: Array.from(mean), variance: Array.from(variance) }
  } finally {
    model.destroy()
  }
}
