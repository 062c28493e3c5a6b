import t from 'tap'
import { addBusinessSeconds, businessSeconds, compileCalendar, isOpen } from '../../processor/core/calendar.js'
import type { BusinessHours } from '../../schemas/config.js'

// Calendar facts used below (2026-01-01 is a Thursday):
// 2026-11-25 Wed, 2026-11-27 Fri, 2026-11-28 Sat, 2026-11-30 Mon, 2026-12-07 Mon, 2026-12-08 Tue.
// Europe/Rome is +01:00 in November/December; DST 2026 starts Sun 03-29, ends Sun 10-25.
const at = (iso: string) => Date.parse(iso)
const nineToSix: Array<[string, string]> = [['09:00', '18:00']]
const officeRome: BusinessHours = {
  timezone: 'Europe/Rome',
  weekly: { mon: nineToSix, tue: nineToSix, wed: nineToSix, thu: nineToSix, fri: nineToSix },
}
const everyDay = (ranges: Array<[string, string]>): BusinessHours['weekly'] => ({
  mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges, sat: ranges, sun: ranges,
})

t.test('Rome office hours, Mon–Fri 09:00–18:00', async (t) => {
  const cal = compileCalendar(officeRome)
  // Wed 10:00 → 12:30 = 2.5 h = 9000 s
  t.equal(businessSeconds(cal, at('2026-11-25T10:00:00+01:00'), at('2026-11-25T12:30:00+01:00')), 9000)
  // Fri 17:00 → 18:00 (1 h) + Mon 09:00 → 10:00 (1 h) = 7200 s
  t.equal(businessSeconds(cal, at('2026-11-27T17:00:00+01:00'), at('2026-11-30T10:00:00+01:00')), 7200)
  // Wed 07:00 → 10:00 counts only 09:00 → 10:00 = 3600 s
  t.equal(businessSeconds(cal, at('2026-11-25T07:00:00+01:00'), at('2026-11-25T10:00:00+01:00')), 3600)
  // end <= start
  t.equal(businessSeconds(cal, at('2026-11-25T12:00:00+01:00'), at('2026-11-25T10:00:00+01:00')), 0)
  t.equal(businessSeconds(cal, at('2026-11-25T12:00:00+01:00'), at('2026-11-25T12:00:00+01:00')), 0)
  // Mon 11-02 → Mon 11-30: 4 weeks × 5 days × 9 h = 180 h = 648000 s
  t.equal(businessSeconds(cal, at('2026-11-02T00:00:00+01:00'), at('2026-11-30T00:00:00+01:00')), 648_000)
})

t.test('adding business seconds', async (t) => {
  const cal = compileCalendar(officeRome)
  // Fri 17:58 + 300 s: 120 s until 18:00, 180 s left → Mon 09:03
  t.equal(addBusinessSeconds(cal, at('2026-11-27T17:58:00+01:00'), 300), at('2026-11-30T09:03:00+01:00'))
  // Sat 10:00 is closed: counting starts Mon 09:00, + 600 s → Mon 09:10
  t.equal(addBusinessSeconds(cal, at('2026-11-28T10:00:00+01:00'), 600), at('2026-11-30T09:10:00+01:00'))
  // Fri 17:00 + 3600 s ends exactly at the close, Fri 18:00 (not Monday's opening)
  t.equal(addBusinessSeconds(cal, at('2026-11-27T17:00:00+01:00'), 3600), at('2026-11-27T18:00:00+01:00'))
  // Fri 17:00 + 20 h: Fri 1 h, Mon 9 h, Tue 9 h, then 1 h on Wed → Wed 12-02 10:00
  t.equal(addBusinessSeconds(cal, at('2026-11-27T17:00:00+01:00'), 72_000), at('2026-12-02T10:00:00+01:00'))
  // zero seconds: the start itself is the earliest t with 0 business seconds
  t.equal(addBusinessSeconds(cal, at('2026-11-28T10:00:00+01:00'), 0), at('2026-11-28T10:00:00+01:00'))
})

t.test('a range crossing midnight belongs to the day it starts on', async (t) => {
  const cal = compileCalendar({ timezone: 'Europe/Rome', weekly: { wed: [['22:00', '02:00']] } })
  // Wed 21:00 → Thu 03:00 covers Wed 22:00 → Thu 02:00 = 4 h = 14400 s
  t.equal(businessSeconds(cal, at('2026-11-25T21:00:00+01:00'), at('2026-11-26T03:00:00+01:00')), 14_400)
  // Thu 00:00 → 01:00 = 3600 s, from Wednesday's range
  t.equal(businessSeconds(cal, at('2026-11-26T00:00:00+01:00'), at('2026-11-26T01:00:00+01:00')), 3600)
  t.ok(isOpen(cal, at('2026-11-26T01:00:00+01:00')))
  t.notOk(isOpen(cal, at('2026-11-26T02:00:00+01:00')))
  // Thu 22:00 is not open: Thursday has no range
  t.notOk(isOpen(cal, at('2026-11-26T22:00:00+01:00')))
  // Wed 23:00 + 2 h = Thu 01:00
  t.equal(addBusinessSeconds(cal, at('2026-11-25T23:00:00+01:00'), 7200), at('2026-11-26T01:00:00+01:00'))
})

t.test('24:00 ends at the next midnight', async (t) => {
  const cal = compileCalendar({ timezone: 'Europe/Rome', weekly: { sat: [['20:00', '24:00']] } })
  // Sat 00:00 → Sun 00:00 covers 20:00 → 24:00 = 4 h = 14400 s
  t.equal(businessSeconds(cal, at('2026-11-28T00:00:00+01:00'), at('2026-11-29T00:00:00+01:00')), 14_400)
  t.ok(isOpen(cal, at('2026-11-28T23:59:59.999+01:00')))
  t.notOk(isOpen(cal, at('2026-11-29T00:00:00+01:00')))
})

t.test('holidays close ranges that start on them', async (t) => {
  const office = compileCalendar({ ...officeRome, holidays: ['2026-12-08'] })
  // Tue 12-08 closed all day
  t.equal(businessSeconds(office, at('2026-12-08T00:00:00+01:00'), at('2026-12-09T00:00:00+01:00')), 0)
  t.notOk(isOpen(office, at('2026-12-08T10:00:00+01:00')))
  // Mon 12-07 → Thu 12-10 00:00: Mon 9 h + Wed 9 h = 18 h = 64800 s
  t.equal(businessSeconds(office, at('2026-12-07T00:00:00+01:00'), at('2026-12-10T00:00:00+01:00')), 64_800)
  // Mon 17:00 + 2 h: 1 h Mon, Tue closed, 1 h Wed → Wed 10:00
  t.equal(addBusinessSeconds(office, at('2026-12-07T17:00:00+01:00'), 7200), at('2026-12-09T10:00:00+01:00'))

  const night = compileCalendar({ timezone: 'Europe/Rome', weekly: everyDay([['22:00', '02:00']]), holidays: ['2026-12-08'] })
  // Tue 00:00 → Wed 03:00: Mon's range runs into Tue 00:00 → 02:00 (2 h, counts);
  // Tue's 22:00 → Wed 02:00 is removed by the holiday → 7200 s
  t.equal(businessSeconds(night, at('2026-12-08T00:00:00+01:00'), at('2026-12-09T03:00:00+01:00')), 7200)
  t.ok(isOpen(night, at('2026-12-08T01:00:00+01:00')))
  t.notOk(isOpen(night, at('2026-12-08T23:00:00+01:00')))
  t.notOk(isOpen(night, at('2026-12-09T01:00:00+01:00')))
})

t.test('DST: wall-clock ranges follow the offset change', async (t) => {
  const cal = compileCalendar({ timezone: 'Europe/Rome', weekly: everyDay([['01:00', '04:00']]) })
  // 03-29: 01:00+01:00 = 00:00Z, 04:00+02:00 = 02:00Z → 2 h = 7200 s
  t.equal(businessSeconds(cal, at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00')), 7200)
  // 10-25: 01:00+02:00 = 10-24 23:00Z, 04:00+01:00 = 03:00Z → 4 h = 14400 s
  t.equal(businessSeconds(cal, at('2026-10-25T00:00:00+02:00'), at('2026-10-26T00:00:00+01:00')), 14_400)
  // 03-29 01:00 + 2 h of open time = 04:00+02:00 (wall clock skipped 02:00–03:00)
  t.equal(addBusinessSeconds(cal, at('2026-03-29T01:00:00+01:00'), 7200), at('2026-03-29T04:00:00+02:00'))
  // 10-25 01:00 + 3 h = 03:00+01:00 (02:00–03:00 happened twice)
  t.equal(addBusinessSeconds(cal, at('2026-10-25T01:00:00+02:00'), 10_800), at('2026-10-25T03:00:00+01:00'))
  t.ok(isOpen(cal, at('2026-10-25T02:30:00+02:00')))
  t.ok(isOpen(cal, at('2026-10-25T02:30:00+01:00')))
})

t.test('overlapping ranges are counted once', async (t) => {
  const cal = compileCalendar({ timezone: 'Europe/Rome', weekly: { mon: [['09:00', '12:00'], ['11:00', '13:00']] } })
  // Mon 08:00 → 14:00 covers the union 09:00 → 13:00 = 4 h = 14400 s (not 3 h + 2 h)
  t.equal(businessSeconds(cal, at('2026-11-30T08:00:00+01:00'), at('2026-11-30T14:00:00+01:00')), 14_400)
  // Mon 09:00 + 4 h = 13:00
  t.equal(addBusinessSeconds(cal, at('2026-11-30T09:00:00+01:00'), 14_400), at('2026-11-30T13:00:00+01:00'))

  // Tue 22:00 → Wed 02:00 overlaps Wed 01:00 → 03:00: union Tue 22:00 → Wed 03:00 = 5 h = 18000 s
  const across = compileCalendar({ timezone: 'Europe/Rome', weekly: { tue: [['22:00', '02:00']], wed: [['01:00', '03:00']] } })
  t.equal(businessSeconds(across, at('2026-11-24T20:00:00+01:00'), at('2026-11-25T05:00:00+01:00')), 18_000)
  // Tue 22:00 + 5 h = Wed 03:00
  t.equal(addBusinessSeconds(across, at('2026-11-24T22:00:00+01:00'), 18_000), at('2026-11-25T03:00:00+01:00'))
})

t.test('isOpen at the edges', async (t) => {
  const cal = compileCalendar(officeRome)
  t.ok(isOpen(cal, at('2026-11-25T09:00:00+01:00')))
  t.notOk(isOpen(cal, at('2026-11-25T08:59:59.999+01:00')))
  t.ok(isOpen(cal, at('2026-11-25T17:59:59.999+01:00')))
  t.notOk(isOpen(cal, at('2026-11-25T18:00:00+01:00')))
  t.notOk(isOpen(cal, at('2026-11-28T10:00:00+01:00')))
})

t.test('a calendar with no open range', async (t) => {
  const cal = compileCalendar({ timezone: 'Europe/Rome', weekly: {} })
  t.equal(addBusinessSeconds(cal, at('2026-11-25T10:00:00+01:00'), 60), Infinity)
  t.equal(businessSeconds(cal, at('2026-11-25T00:00:00+01:00'), at('2026-12-25T00:00:00+01:00')), 0)
  t.notOk(isOpen(cal, at('2026-11-25T10:00:00+01:00')))
})

t.test('the search gives up after 400 days', async (t) => {
  // Open on Mondays only, and every Monday from 2026-11-30 to 2028-01-31 (>400 days) is a holiday
  const holidays: string[] = []
  for (let ms = Date.UTC(2026, 10, 30); ms <= Date.UTC(2028, 0, 31); ms += 7 * 86_400_000) holidays.push(new Date(ms).toISOString().slice(0, 10))
  const cal = compileCalendar({ timezone: 'Europe/Rome', weekly: { mon: nineToSix }, holidays })
  t.equal(addBusinessSeconds(cal, at('2026-11-28T10:00:00+01:00'), 60), Infinity)
})

t.test('long spans stay right past the day cache', async (t) => {
  const cal = compileCalendar(officeRome)
  // Mon 2026-01-05 → Mon 2027-01-04 = 52 weeks × 5 days × 9 h (local hours, DST-proof) = 8424000 s
  t.equal(businessSeconds(cal, at('2026-01-05T00:00:00+01:00'), at('2027-01-04T00:00:00+01:00')), 8_424_000)
  // same query again, then an early day whose entry was evicted
  t.equal(businessSeconds(cal, at('2026-01-05T00:00:00+01:00'), at('2027-01-04T00:00:00+01:00')), 8_424_000)
  t.equal(businessSeconds(cal, at('2026-01-05T10:00:00+01:00'), at('2026-01-05T12:30:00+01:00')), 9000)
})

t.test('invalid configuration is rejected', async (t) => {
  t.throws(() => compileCalendar({ timezone: 'Mars/Olympus', weekly: {} }), RangeError)
  t.throws(() => compileCalendar({ timezone: 'Europe/Rome', weekly: { mon: [['24:00', '02:00']] } }), RangeError)
  t.throws(() => compileCalendar({ timezone: 'Europe/Rome', weekly: { mon: [['09:00', '24:30']] } }), RangeError)
})
