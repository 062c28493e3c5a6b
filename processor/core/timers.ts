/** Timer kinds of the conversation machine (KPIS.md: breach, warning, inactivity, windows). */
export const enum TimerKind {
  /** A waiting period's next moment: response-target miss, warning, breach or step (escalation.ts). */
  Waiting = 0,
  /** Checkpoints from before SLA policies: a breach timer, handled as Waiting. */
  Breach = 1,
  // At one instant the service window closes (a missed chat) before inactivity closes it.
  ServiceWindow = 2,
  Inactivity = 3,
  FcrFinal = 4,
  Compact = 5,
  /** An SLA policy's resolution deadline passed (sla.ts). */
  SlaResolution = 6,
}

export interface Timer {
  at: number
  kind: TimerKind
  key: string
  /** What the timer was set for (e.g. the waiting start); checked when it fires. */
  ref: number
}

/**
 * A binary min-heap of timers by time (then kind). Timers are never removed: each is checked against the
 * conversation when it fires and ignored if stale, so rescheduling is one push. Each slot's time and
 * kind are also kept in one flat array beside the objects, so sifting (tens of thousands of timers,
 * a dozen levels) compares adjacent numbers instead of loading a timer object per comparison.
 */
export class TimerQueue {
  private heap: Timer[] = []
  /** [at, kind] of heap[i] at 2i, 2i + 1. */
  private keys = new Float64Array(2048)

  get size(): number {
    return this.heap.length
  }

  push(t: Timer): void {
    const h = this.heap
    h.push(t)
    if (2 * h.length > this.keys.length) this.growKeys(2 * h.length)
    const k = this.keys
    const at = t.at
    const kind = t.kind
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      const pa = k[2 * p]!
      if (!(at < pa || (at === pa && kind < k[2 * p + 1]!))) break
      h[i] = h[p]!
      k[2 * i] = pa
      k[2 * i + 1] = k[2 * p + 1]!
      i = p
    }
    h[i] = t
    k[2 * i] = at
    k[2 * i + 1] = kind
  }

  toState(): Timer[] {
    return this.heap
  }

  restore(heap: Timer[]): void {
    this.heap = heap
    this.keys = new Float64Array(Math.max(2048, 2 * heap.length))
    for (let i = 0; i < heap.length; i++) {
      this.keys[2 * i] = heap[i]!.at
      this.keys[2 * i + 1] = heap[i]!.kind
    }
  }

  peek(): Timer | undefined {
    return this.heap[0]
  }

  pop(): Timer | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length === 0 || !last) return top
    const k = this.keys
    const n = h.length
    const at = last.at
    const kind = last.kind
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let c = l
      let ca = k[2 * l]!
      let ck = k[2 * l + 1]!
      if (r < n) {
        const ra = k[2 * r]!
        const rk = k[2 * r + 1]!
        if (ra < ca || (ra === ca && rk < ck)) {
          c = r
          ca = ra
          ck = rk
        }
      }
      if (!(ca < at || (ca === at && ck < kind))) break
      h[i] = h[c]!
      k[2 * i] = ca
      k[2 * i + 1] = ck
      i = c
    }
    h[i] = last
    k[2 * i] = at
    k[2 * i + 1] = kind
    return top
  }

  private growKeys(min: number) {
    let len = this.keys.length
    while (len < min) len *= 2
    const keys = new Float64Array(len)
    keys.set(this.keys)
    this.keys = keys
  }
}
