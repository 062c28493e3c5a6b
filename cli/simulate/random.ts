/**
 * Seeded randomness for the simulator: one xoroshiro128+ stream per purpose, so the plan and the
 * delivery noise of `render` never shift each other's draws (same seed → same file, byte for byte).
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'

export interface Rng {
  /** Uniform in [0, 1). */
  float(): number
  /** Uniform integer in [from, to]. */
  int(from: number, to: number): number
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T
  /** A whole number of seconds in [from, to], bunched towards `from` when skew > 1. */
  seconds(from: number, to: number, skew?: number): number
}

/** Stream 0 plans the traffic; stream 1 is the delivery noise; each jump is 2^64 draws away. */
export function createRng(seed: number, stream = 0): Rng {
  const gen = xoroshiro128plus(seed | 0)
  for (let i = 0; i < stream; i++) gen.jump()
  const float = () => uniformFloat64(gen)
  const int = (from: number, to: number) => from + Math.floor(float() * (to - from + 1))
  return {
    float,
    int,
    chance: (p) => float() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[int(0, items.length - 1)] as T
    },
    weighted: <T>(choices: ReadonlyArray<readonly [T, number]>): T => {
      const total = choices.reduce((s, [, w]) => s + w, 0)
      let x = float() * total
      for (const [value, w] of choices) {
        x -= w
        if (x < 0) return value
      }
      return (choices[choices.length - 1] as readonly [T, number])[0]
    },
    seconds: (from, to, skew = 1) => from + Math.floor(Math.pow(float(), skew) * (to - from + 1)),
  }
}
