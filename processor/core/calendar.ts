/**
 * Business-hours arithmetic on epoch milliseconds: how much open time lies in a span, and
 * when a given amount of open time has elapsed. Local dates are numbered as days since
 * 1970-01-01 so day stepping is integer arithmetic; luxon does every wall-clock → UTC step.
 */
import { DateTime, IANAZone } from 'luxon'
import Holidays from 'date-holidays'
import type { BusinessHours } from '../../schemas/config.js'

const DAY_MS = 86_400_000
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
/** Enough for a year of lookups plus slack; each entry is a few numbers. */
const CACHE_LIMIT = 512
const SEARCH_DAYS = 400

/** Open UTC intervals of the ranges starting on one local date, plus that date's bounds. */
interface DayEntry {
  /** UTC ms of local midnight and of the next one. */
  readonly start: number
  readonly end: number
  /** Flat, sorted, merged pairs [open, close, open, close, …]. */
  readonly iv: readonly number[]
}

export interface Calendar {
  readonly zone: IANAZone
  /** Per weekday (Mon = 0): [startMinute, endMinute] with end > start, up to 2 × 1440. */
  readonly ranges: ReadonlyArray<ReadonlyArray<readonly [number, number]>>
  /** Extra closed dates (the config's `holidays`) as local day numbers. */
  readonly holidays: ReadonlySet<number>
  /** Extra open dates (the config's `open`): open on their weekday's ranges whatever else says. */
  readonly open: ReadonlySet<number>
  /** Public holidays of `country`/`region` by local year (date-holidays, computed once a year is needed). */
  readonly official: ((year: number) => ReadonlySet<number>) | null
  readonly hasRanges: boolean
  readonly cache: Map<number, DayEntry>
  /** Last offset seen (ms), to guess a local day without asking Intl. */
  offsetHint: number
}

function minuteOf(hhmm: string, isEnd: boolean): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm)
  const h = Number(m?.[1])
  const min = Number(m?.[2])
  // 24:00 only makes sense as "next midnight"; anything else past 23:59 is a typo.
  if (!m || min > 59 || h > 24 || (h === 24 && (min !== 0 || !isEnd))) throw new RangeError(`invalid business-hours time "${hhmm}"`)
  return h * 60 + min
}

const dayNumberOfIso = (iso: string): number => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso)
  if (!m) throw new RangeError(`invalid holiday date "${iso}"`)
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS
}

export function compileCalendar(bh: BusinessHours): Calendar {
  const zone = IANAZone.create(bh.timezone)
  if (!zone.isValid) throw new RangeError(`unknown time zone "${bh.timezone}"`)
  const ranges = WEEKDAYS.map((key) =>
    (bh.weekly[key] ?? []).map(([from, to]): [number, number] => {
      const start = minuteOf(from, false)
      const end = minuteOf(to, true)
      return [start, end <= start ? end + 1440 : end]
    }),
  )
  return {
    zone,
    ranges,
    holidays: new Set((bh.holidays ?? []).map(dayNumberOfIso)),
    open: new Set((bh.open ?? []).map(dayNumberOfIso)),
    official: bh.country ? publicHolidays(bh.country, bh.region) : null,
    hasRanges: ranges.some((r) => r.length > 0),
    cache: new Map(),
    offsetHint: 0,
  }
}

/**
 * The public holidays (date-holidays' type `public`; observances and bank holidays stay open) of
 * a country or region, as local day numbers, per year on demand. The library's dates are local
 * dates of the place, which is what a day number is.
 */
function publicHolidays(country: string, region: string | undefined): (year: number) => ReadonlySet<number> {
  const lib = region ? new Holidays(country, region) : new Holidays(country)
  const years = new Map<number, ReadonlySet<number>>()
  return (year) => {
    let days = years.get(year)
    if (!days) {
      const list = lib.getHolidays(year) || []
      days = new Set(list.filter((h) => h.type === 'public').map((h) => dayNumberOfIso(h.date.slice(0, 10))))
      years.set(year, days)
    }
    return days
  }
}

/** Closed all day: an extra closed date or a public holiday, unless listed as open. */
export function isClosedDay(cal: Calendar, day: number): boolean {
  if (cal.open.has(day)) return false
  if (cal.holidays.has(day)) return true
  return cal.official !== null && cal.official(new Date(day * DAY_MS).getUTCFullYear()).has(day)
}

/** UTC ms of local wall time `minute` minutes after midnight of local day `day` (minute < 2880). */
function wallToUtc(cal: Calendar, day: number, minute: number): number {
  const d = new Date((day + Math.floor(minute / 1440)) * DAY_MS)
  const m = minute % 1440
  return DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: Math.floor(m / 60), minute: m % 60 },
    { zone: cal.zone },
  ).toMillis()
}

function dayEntry(cal: Calendar, day: number): DayEntry {
  const hit = cal.cache.get(day)
  if (hit) return hit
  const pairs: Array<[number, number]> = []
  if (!isClosedDay(cal, day)) {
    for (const [from, to] of cal.ranges[(((day + 3) % 7) + 7) % 7] ?? []) {
      const a = wallToUtc(cal, day, from)
      const b = wallToUtc(cal, day, to)
      // A range lying wholly in a spring-forward gap can collapse to nothing.
      if (b > a) pairs.push([a, b])
    }
    pairs.sort((x, y) => x[0] - y[0])
  }
  const iv: number[] = []
  for (const [a, b] of pairs) {
    const last = iv.length - 1
    if (last > 0 && a <= iv[last]!) iv[last] = Math.max(iv[last]!, b)
    else iv.push(a, b)
  }
  const entry: DayEntry = { start: wallToUtc(cal, day, 0), end: wallToUtc(cal, day, 1440), iv }
  if (cal.cache.size >= CACHE_LIMIT) cal.cache.delete(cal.cache.keys().next().value!)
  cal.cache.set(day, entry)
  return entry
}

/** Local day number of an instant; a cached day's bounds avoid an Intl offset lookup. */
function dayOf(cal: Calendar, ms: number): number {
  const guess = Math.floor((ms + cal.offsetHint) / DAY_MS)
  const cached = cal.cache.get(guess)
  if (cached && ms >= cached.start && ms < cached.end) return guess
  cal.offsetHint = cal.zone.offset(ms) * 60_000
  return Math.floor((ms + cal.offsetHint) / DAY_MS)
}

export function businessSeconds(cal: Calendar, startMs: number, endMs: number): number {
  if (!(endMs > startMs) || !cal.hasRanges) return 0
  let total = 0
  // Ranges may spill into the next day and overlap its own: `covered` stops double counting.
  let covered = startMs
  const last = dayOf(cal, endMs)
  for (let day = dayOf(cal, startMs) - 1; day <= last; day++) {
    const { iv } = dayEntry(cal, day)
    for (let i = 0; i < iv.length; i += 2) {
      const lo = Math.max(iv[i]!, covered)
      const hi = Math.min(iv[i + 1]!, endMs)
      if (hi > lo) total += hi - lo
      covered = Math.max(covered, iv[i + 1]!)
    }
  }
  return total / 1000
}

export function addBusinessSeconds(cal: Calendar, startMs: number, seconds: number): number {
  if (!cal.hasRanges) return Infinity
  if (!(seconds > 0)) return startMs
  let need = seconds * 1000
  let covered = startMs
  const first = dayOf(cal, startMs) - 1
  for (let day = first; day <= first + SEARCH_DAYS; day++) {
    const { iv } = dayEntry(cal, day)
    for (let i = 0; i < iv.length; i += 2) {
      const lo = Math.max(iv[i]!, covered)
      const hi = iv[i + 1]!
      if (hi <= lo) continue
      if (hi - lo >= need) return lo + need
      need -= hi - lo
      covered = hi
    }
  }
  return Infinity
}

export function isOpen(cal: Calendar, ms: number): boolean {
  if (!cal.hasRanges) return false
  const day = dayOf(cal, ms)
  for (let d = day - 1; d <= day; d++) {
    const { iv } = dayEntry(cal, d)
    for (let i = 0; i < iv.length; i += 2) if (ms >= iv[i]! && ms < iv[i + 1]!) return true
  }
  return false
}

/** Midnight, in `zone`, of the local day `at` falls in (ms): a line's "today" starts there. */
export function startOfLocalDay(at: number, zone: string): number {
  return DateTime.fromMillis(at, { zone }).startOf('day').toMillis()
}
