/**
 * Event times to epoch milliseconds. Canonical events carry `at` as `toISOString()` writes it
 * (`YYYY-MM-DDTHH:MM:SS.sssZ`): that exact form is read here with character arithmetic (no
 * allocation, no closure), several times faster than Date.parse, which was the largest single
 * cost of the core (bench/processor.ts). Anything else — offsets, no milliseconds, a day past
 * the month's end, 24:00 — goes to Date.parse, so the result is always Date.parse's.
 */

/** The two decimal digits at `i`, or a negative number when they are not both digits. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48
  const b = s.charCodeAt(i + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

function three(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48
  const b = s.charCodeAt(i + 1) - 48
  const c = s.charCodeAt(i + 2) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9 ? a * 100 + b * 10 + c : -1
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/** Date.parse(s), fast for the canonical form. */
export function parseEventTime(s: string): number {
  if (
    s.length !== 24 ||
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || // .
    s.charCodeAt(23) !== 90 // Z
  ) return Date.parse(s)
  const hi = two(s, 0)
  const lo = two(s, 2)
  const month = two(s, 5)
  const day = two(s, 8)
  const hour = two(s, 11)
  const minute = two(s, 14)
  const second = two(s, 17)
  const ms = three(s, 20)
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return Date.parse(s)
  const year = hi * 100 + lo
  if (day > daysInMonth(year, month)) return Date.parse(s)
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  const days = era * 146_097 + doe - 719_468
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms
}
