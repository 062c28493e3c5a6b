/**
 * `deskpulse simulate --target URL --live`: the simulated day played in real time from a chosen
 * hour (default the 18:00 evening peak), every timestamp moved so that hour is now. A demo, the
 * wallboard and alerting then see chats open, wait, breach and get answered as they would live.
 * Ids get a per-run suffix, so a second run is not dropped as a retry of the first.
 */
import { DateTime } from 'luxon'
import { ZONE } from './model.js'

export interface ScheduledLine {
  /** When to send it (ms, wall time). */
  due: number
  text: string
}

/** The event time of a replay line (ms): an event's `at`, a webhook's first message or status timestamp. */
export function lineTime(text: string): number {
  const event = /^\{"event":\{.*?"at":"([^"]+)"/.exec(text)
  if (event) return Date.parse(event[1]!)
  const ts = /"timestamp":"(\d+)"/.exec(text)
  if (ts) return Number(ts[1]) * 1000
  throw new Error('a replay line without a time')
}

/** The same line `shiftSeconds` later, its ids suffixed with `run`. */
export function shiftLine(text: string, shiftSeconds: number, run: string): string {
  return text
    .replace(/"timestamp":"(\d+)"/g, (_m, s: string) => `"timestamp":"${Number(s) + shiftSeconds}"`)
    .replace(/"at":"([^"]+)"/g, (_m, at: string) => `"at":"${new Date(Date.parse(at) + shiftSeconds * 1000).toISOString()}"`)
    .replace(/"(wamid\.[A-Za-z0-9+/=_-]+)"/g, `"$1${run}"`)
    .replace(/"id":"(sim\d+-[0-9a-z]+)"/g, `"id":"$1${run}"`)
}

/**
 * The lines from `from` (local time HH:MM of the day in Europe/Rome) on, each due at its own time
 * moved to start at `now`; before them, each agent's status at the start of the backfill, due now
 * (so the agents who were online then are online now). With `backfillMinutes`, the lines of that
 * many minutes before `from` are due now too, stamped that long ago: the screens start with an
 * hour that has already happened.
 */
export function liveSchedule(lines: readonly string[], opts: { day: string; from: string; now: number; run: string; backfillMinutes?: number }): ScheduledLine[] {
  const [h, m] = opts.from.split(':').map(Number) as [number, number]
  const start = DateTime.fromISO(opts.day, { zone: ZONE }).startOf('day').plus({ hours: h, minutes: m }).toMillis()
  const backfillFrom = start - (opts.backfillMinutes ?? 0) * 60_000
  const shift = Math.round((opts.now - start) / 1000)
  const agents = new Map<string, string>()
  const out: ScheduledLine[] = []
  for (const text of lines) {
    const t = lineTime(text)
    if (t < backfillFrom) {
      const agent = /"type":"agent\.status".*?"agent_id":"([^"]+)"/.exec(text)
      if (agent) agents.set(agent[1]!, text)
      continue
    }
    out.push({ due: Math.max(opts.now, t + shift * 1000), text: shiftLine(text, shift, opts.run) })
  }
  const stampedAt = backfillFrom + shift * 1000
  const first = [...agents.values()].map((text) => ({ due: opts.now, text: shiftLine(text, Math.round((stampedAt - lineTime(text)) / 1000), opts.run) }))
  // The file's order is not quite time order (retried copies are appended): send by time.
  out.sort((a, b) => a.due - b.due || lineTime(a.text) - lineTime(b.text))
  return [...first, ...out]
}
