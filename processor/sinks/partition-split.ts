/**
 * ClickHouse refuses an INSERT whose rows fall in more than `max_partitions_per_insert_block`
 * (100) partitions, and our tables are partitioned by UTC day: a history import spread over
 * more than 100 days would fail for ever and stop its partition. Rows are split into inserts of
 * at most MAX_DAYS_PER_INSERT days each, in a deterministic order, so that a retried batch
 * makes the same inserts (and the same deduplication tokens).
 */
export const MAX_DAYS_PER_INSERT = 90

export function splitByDay<T>(values: readonly T[], dayOf: ((v: T) => string) | null, maxDays = MAX_DAYS_PER_INSERT): T[][] {
  if (!dayOf || values.length === 0) return values.length ? [values as T[]] : []
  const byDay = new Map<string, T[]>()
  for (const v of values) {
    const day = dayOf(v)
    let list = byDay.get(day)
    if (!list) byDay.set(day, (list = []))
    list.push(v)
  }
  if (byDay.size <= maxDays) return [values as T[]]
  const days = [...byDay.keys()].sort()
  const chunks: T[][] = []
  for (let i = 0; i < days.length; i += maxDays) chunks.push(days.slice(i, i + maxDays).flatMap((d) => byDay.get(d)!))
  return chunks
}
