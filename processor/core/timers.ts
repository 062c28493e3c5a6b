/** Timer kinds of the conversation machine (KPIS.md: breach, warning, inactivity, windows). */
export const enum TimerKind {
  Warn = 0,
  Breach = 1,
  // At one instant the service window closes (a missed chat) before inactivity closes it.
  ServiceWindow = 2,
  Inactivity = 3,
  FcrFinal = 4,
  Compact = 5,
}

export interface Timer {
  at: number
  kind: TimerKind
  key: string
  /** What the timer was set for (e.g. the waiting start); checked when it fires. */
  ref: number
}

const earlier = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.kind < b.kind)

/**
 * A binary min-heap of timers by time (then kind). Timers are never removed: each is checked against the
 * conversation when it fires and ignored if stale, so rescheduling is one push.
 */
export class TimerQueue {
  private heap: Timer[] = []

  get size(): number {
    return this.heap.length
  }

  push(t: Timer): void {
    const h = this.heap
    h.push(t)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!earlier(t, h[p]!)) break
      h[i] = h[p]!
      i = p
    }
    h[i] = t
  }

  toState(): Timer[] {
    return this.heap
  }

  restore(heap: Timer[]): void {
    this.heap = heap
  }

  peek(): Timer | undefined {
    return this.heap[0]
  }

  pop(): Timer | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length === 0 || !last) return top
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= h.length) break
      const r = l + 1
      const c = r < h.length && earlier(h[r]!, h[l]!) ? r : l
      if (!earlier(h[c]!, last)) break
      h[i] = h[c]!
      i = c
    }
    h[i] = last
    return top
  }
}
