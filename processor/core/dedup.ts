import { FingerprintMap } from './fingerprints.js'

const DAY = 86_400_000

/**
 * Event ids seen, bucketed by event day and kept for `days` (KPIS.md: a duplicate, even days
 * later, changes nothing). WhatsApp retries for up to 7 days; the default keeps 8.
 */
export class Dedup {
  private buckets = new Map<number, FingerprintMap>()
  private newestDay = -Infinity
  // The bucket of the last event's day: almost every event hits the same one.
  private lastDay = NaN
  private lastSet: FingerprintMap | null = null
  /** Events too old to be told from duplicates, dropped. */
  tooOld = 0

  constructor(private readonly days: number) {}

  toState() {
    return { buckets: [...this.buckets].map(([day, m]) => [day, m.toState()] as const), newestDay: this.newestDay, tooOld: this.tooOld }
  }

  restore(state: ReturnType<Dedup['toState']>): void {
    this.buckets = new Map(state.buckets.map(([day, m]) => [day, FingerprintMap.fromState(m)]))
    this.newestDay = state.newestDay
    this.tooOld = state.tooOld
    this.lastDay = NaN
    this.lastSet = null
  }

  /**
   * True the first time an id is seen. A duplicate carries the same event time, so only its
   * day's bucket is looked at. An event older than the buckets kept cannot be told from a
   * duplicate: it is refused (and counted), like a stream processor's allowed lateness.
   */
  firstSeen(id: string, atMs: number): boolean {
    const day = Math.floor(atMs / DAY)
    if (day === this.lastDay) return this.lastSet!.set(id, 1) === -1
    if (day <= this.newestDay - this.days) {
      this.tooOld++
      return false
    }
    let set = this.buckets.get(day)
    if (!set) {
      set = new FingerprintMap(1 << 16)
      this.buckets.set(day, set)
      if (day > this.newestDay) {
        this.newestDay = day
        for (const d of this.buckets.keys()) if (d <= day - this.days) this.buckets.delete(d)
      }
    }
    this.lastDay = day
    this.lastSet = set
    return set.set(id, 1) === -1
  }
}
