/**
 * The time axis of a series in the line's local time (weekly and daily seasonality follow the
 * clock customers live by, across daylight-saving changes) and its calendar: days on which no
 * arrivals are expected (public holidays of `forecast.holiday_country`, the line's own
 * business_hours.holidays).
 */
import { IANAZone } from 'luxon'
import Holidays from 'date-holidays'

export type IntervalName = '15m' | '1h'
export const INTERVAL_MS: Record<IntervalName, number> = { '15m': 900_000, '1h': 3_600_000 }
const DAY_MS = 86_400_000

export interface Axis {
  /** Start (ms) of the first interval. */
  start: number
  step: number
  zone: string
}

/** Per interval: its local day number (days since 1970-01-01 local), weekday 0–6 (Monday 0) and slot of the local day. */
export interface LocalIndex {
  day: Int32Array
  weekday: Uint8Array
  slot: Uint16Array
  /** Slots in a local day (96 at 15 minutes, 24 at an hour). */
  slotsPerDay: number
}

export function localIndex(axis: Axis, length: number): LocalIndex {
  const zone = IANAZone.create(axis.zone)
  const slotsPerDay = Math.round(DAY_MS / axis.step)
  const day = new Int32Array(length)
  const weekday = new Uint8Array(length)
  const slot = new Uint16Array(length)
  // The offset changes twice a year at most: ask the zone once per interval only near a change.
  let offsetMs = zone.offset(axis.start) * 60_000
  let checkedAt = axis.start
  for (let i = 0; i < length; i++) {
    const t = axis.start + i * axis.step
    if (t - checkedAt >= 3_600_000 || i === 0) {
      offsetMs = zone.offset(t) * 60_000
      checkedAt = t
    }
    const local = t + offsetMs
    const d = Math.floor(local / DAY_MS)
    day[i] = d
    weekday[i] = (d + 3) % 7 // 1970-01-01 was a Thursday (3 with Monday 0)
    slot[i] = Math.min(slotsPerDay - 1, Math.floor((local - d * DAY_MS) / axis.step))
  }
  return { day, weekday, slot, slotsPerDay }
}

/** Local day number of a local date YYYY-MM-DD. */
export const dayNumber = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS)

/** The closed days (local day numbers) between two instants: listed dates and the country's public holidays. */
export function closedDays(o: { from: number; until: number; dates?: readonly string[]; country?: string }): Set<number> {
  const closed = new Set<number>((o.dates ?? []).map(dayNumber))
  if (o.country) {
    const [country, state] = o.country.split('-')
    const hd = state ? new Holidays(country as string, state) : new Holidays(country as string)
    const first = new Date(o.from).getUTCFullYear() - 1
    const last = new Date(o.until).getUTCFullYear() + 1
    for (let y = first; y <= last; y++) {
      for (const h of hd.getHolidays(y)) if (h.type === 'public') closed.add(dayNumber(h.date.slice(0, 10)))
    }
  }
  return closed
}
