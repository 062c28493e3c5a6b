const DAY = 86_400_000

/**
 * Event ids seen, bucketed by event day and kept for `days` (KPIS.md: a duplicate, even days
 * later, changes nothing). WhatsApp retries for up to 7 days; the default keeps 8.
 */
export class Dedup {
  private buckets = new Map<number, Set<string>>()
  private newestDay = -Infinity
  constructor(private readonly days: number) {}

  /** Events too old to be told from duplicates, dropped. */
  tooOld = 0

  /**
   * True the first time an id is seen. A duplicate carries the same event time, so only its
   * day's bucket is looked at. An event older than the buckets kept cannot be told from a
   * duplicate: it is refused (and counted), like a stream processor's allowed lateness.
   */
  firstSeen(id: string, atMs: number): boolean {
    const day = Math.floor(atMs / DAY)
    if (day <= this.newestDay - this.days) {
      this.tooOld++
      return false
    }
    let set = this.buckets.get(day)
    if (set?.has(id)) return false
    if (!set) {
      set = new Set()
      this.buckets.set(day, set)
      if (day > this.newestDay) {
        this.newestDay = day
        for (const d of this.buckets.keys()) if (d <= day - this.days) this.buckets.delete(d)
      }
    }
    set.add(id)
    return true
  }
}
