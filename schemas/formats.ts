import { FormatRegistry } from '@sinclair/typebox'

// RFC 3339 date-time, as `at` fields use; TypeBox checks formats only once they are registered.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/**
 * Every field in range, checked here: Date.parse rolls over (2026-02-30 is 2 March, 24:00 the
 * next day), so a date that does not exist would be stored as another one.
 */
export function isDateTime(v: string): boolean {
  const m = DATE_TIME.exec(v)
  if (!m) return false
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false
  if (hour > 23 || minute > 59 || second > 59) return false
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false
  return !Number.isNaN(Date.parse(v))
}

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isDateTime)
