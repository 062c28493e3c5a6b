// The fingerprint of the last string hashed: module scratch, so hashing allocates nothing.
let fa = 0
let fb = 0

/** Two independent 32-bit FNV-style hashes of a string (a 64-bit fingerprint), into fa and fb. */
function fingerprint(s: string): void {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15)
  }
  // A first word of 0 marks an empty slot.
  fa = a >>> 0 || 1
  fb = b >>> 0
}

/**
 * An open-addressing map from string ids (by 64-bit fingerprint) to small numbers, in one typed
 * array: no object per id, 12 bytes each at most half full, nothing for the garbage collector to
 * walk. Two ids share a fingerprint with probability about n²/2⁶⁵: accepted.
 */
export class FingerprintMap {
  private slots: Uint32Array
  size = 0

  /** `capacity`: initial slots, a power of two (a busy map starts big rather than rehash often). */
  constructor(capacity = 1024) {
    this.slots = new Uint32Array(3 * capacity)
  }

  private find(a: number, b: number): number {
    const slots = this.slots
    const mask = slots.length / 3 - 1
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const x = slots[3 * i]!
      if (x === 0 || (x === a && slots[3 * i + 1] === b)) return i
    }
  }

  /** The value for `id`, or -1. */
  get(id: string): number {
    fingerprint(id)
    const i = this.find(fa, fb)
    return this.slots[3 * i] === 0 ? -1 : this.slots[3 * i + 2]!
  }

  /** Sets `id` to `value` (0 ≤ value < 2³²); returns the previous value, or -1. */
  set(id: string, value: number): number {
    if ((this.size + 1) * 2 > this.slots.length / 3) this.grow()
    fingerprint(id)
    const i = this.find(fa, fb)
    const prev = this.slots[3 * i] === 0 ? -1 : this.slots[3 * i + 2]!
    if (prev === -1) {
      this.slots[3 * i] = fa
      this.slots[3 * i + 1] = fb
      this.size++
    }
    this.slots[3 * i + 2] = value
    return prev
  }

  /** Plain data for a checkpoint (EngineState in engine.ts, saved by processor/shell/checkpoints.ts). */
  toState() {
    return { slots: this.slots, size: this.size }
  }

  static fromState(state: { slots: Uint32Array; size: number }): FingerprintMap {
    const m = new FingerprintMap(1)
    m.slots = state.slots
    m.size = state.size
    return m
  }

  private grow() {
    const old = this.slots
    this.slots = new Uint32Array(old.length * 2)
    for (let j = 0; j < old.length; j += 3) {
      if (old[j] === 0) continue
      const i = 3 * this.find(old[j]!, old[j + 1]!)
      this.slots[i] = old[j]!
      this.slots[i + 1] = old[j + 1]!
      this.slots[i + 2] = old[j + 2]!
    }
  }
}
