/**
 * Simulated traffic for the dashboards' panel test: a seeded simulator day (cli/simulate), cut at
 * the evening peak (agents on shift, chats waiting) and moved in time so that the cut is now
 * (cli/simulate/live.ts moves the lines; `simulate --live` would play the rest in real time,
 * which a test cannot wait for). The lead-in days move with it (8 days and 1 day before).
 */
import { DateTime } from 'luxon'
import { simulate } from '../../cli/simulate/index.js'
import { DEFAULT_START, LINES, ZONE } from '../../cli/simulate/model.js'
import { lineTime, shiftLine } from '../../cli/simulate/live.js'
import { textWebhook } from './webhooks.js'

export interface LiveTraffic {
  lines: string[]
  /** Epoch ms of the first and the last line after the move. */
  first: number
  last: number
  conversations: number
}

/**
 * `conversations` simulated conversations of DEFAULT_START (a Monday), up to `cutAt` local time,
 * moved so that the cut falls `leadMs` before `now`. With `unansweredSeconds`, one more customer
 * writes that long before the cut and nobody answers: a chat over the five-minute line at the
 * end, whose breach is recent enough to be paged (page_max_age) and to fire in Prometheus.
 */
export function liveTraffic(o: { seed: number; conversations: number; cutAt?: string; now?: number; leadMs?: number; unansweredSeconds?: number }): LiveTraffic {
  const sim = simulate({ seed: o.seed, conversations: o.conversations, start: DEFAULT_START })
  const cut = DateTime.fromISO(`${DEFAULT_START}T${o.cutAt ?? '19:30'}`, { zone: ZONE }).toMillis()
  const offset = Math.floor(((o.now ?? Date.now()) - (o.leadMs ?? 5_000) - cut) / 1000)
  const lines = sim.lines.filter((l) => lineTime(l) <= cut).map((l) => shiftLine(l, offset, ''))
  if (o.unansweredSeconds !== undefined) {
    const ts = Math.floor(cut / 1000) + offset - o.unansweredSeconds
    const webhook = textWebhook({ line: LINES[2]!.id, from: '393990000001', id: 'wamid.grafana-unanswered', ts, body: 'Salve, nessuno mi risponde?' })
    const at = lines.findIndex((l) => lineTime(l) > ts * 1000)
    lines.splice(at === -1 ? lines.length : at, 0, JSON.stringify({ webhook }))
  }
  const times = lines.map(lineTime)
  return { lines, first: Math.min(...times), last: Math.max(...times), conversations: sim.truth.conversations.opened }
}
