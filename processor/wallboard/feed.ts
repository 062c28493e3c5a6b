/**
 * The wallboard's live feed over WebSocket (`/live`): a snapshot when a screen connects, then
 * deltas (only the sections that changed), at most one per `minIntervalMs` however busy the
 * stream is. Each update is serialised once for every screen; a screen that cannot keep up
 * (its unsent bytes above `maxBufferedBytes`) is dropped instead of growing the server's memory,
 * and reconnects by itself.
 */
import type { WebSocket } from 'ws'
import type { Logger } from 'pino'
import type { WallboardState } from './state.js'
import { defaultConfig, type Config } from '../../schemas/config.js'

export interface HistoryPoint {
  t: number
  waiting: number
  breached: number
  frtP50: number | null
  frtP90: number | null
}

export interface LiveFeedOptions {
  /** At most one update per this long… */
  minIntervalMs: number
  /**
   * …and per this many times the last update's computing time: the feed takes at most about
   * 1/costFactor of a core however large the state (a state of 100,000 open chats takes tens of ms).
   */
  costFactor: number
  /** Recompute at least this often (countdowns move on, agents' load changes). */
  tickMs: number
  /** A chart point this often, kept for `historyMs`. */
  historyEveryMs: number
  historyMs: number
  maxBufferedBytes: number
  /**
   * The agent load band (`thresholds.load_band`, docs/kpis.md "Agents") sent with the snapshot: the
   * page colours an agent's load bar from its bottom, as the dashboards and HelpdeskAgentsOverloaded do.
   */
  loadBand: Config['thresholds']['load_band']
  /** The escalation limits (`thresholds.escalate_after`, `escalate_after_negative`, s), for the breached tile's label only. */
  escalation: { after: number; afterNegative: number }
  /** Names of the configured lines (`lines.<id>.name`), sent with the snapshot: the page shows a name where it has one. */
  lineNames: Record<string, string>
}

export const defaultLiveFeedOptions: LiveFeedOptions = {
  minIntervalMs: 100,
  costFactor: 5,
  tickMs: 1_000,
  historyEveryMs: 10_000,
  historyMs: 3_600_000,
  maxBufferedBytes: 1 << 20,
  loadBand: defaultConfig().thresholds.load_band,
  escalation: { after: defaultConfig().thresholds.escalate_after, afterNegative: defaultConfig().thresholds.escalate_after_negative },
  lineNames: {},
}

type Section = Exclude<keyof WallboardState, 'at'>

export interface LiveFeedStats {
  clients: number
  updates: number
  dropped: number
}

export function createLiveFeed(state: () => WallboardState | null, log: Logger, options: Partial<LiveFeedOptions> = {}) {
  const opts = { ...defaultLiveFeedOptions, ...options }
  const clients = new Set<WebSocket>()
  const history: HistoryPoint[] = []
  let last: WallboardState | null = null
  /** Each section as last sent, serialised: a delta carries the ones that differ. */
  const sent = new Map<Section, string>()
  let seq = 0
  let snapshot: { seq: number; text: string } | null = null
  /** When the last update was computed, and how long it took. */
  let lastSentAt = 0
  let lastCostMs = 0
  let lastHistoryAt = 0
  let scheduled: NodeJS.Timeout | undefined
  let ticker: NodeJS.Timeout | undefined
  const stats: LiveFeedStats = { clients: 0, updates: 0, dropped: 0 }

  function broadcast(text: string) {
    for (const ws of clients) {
      if (ws.readyState !== ws.OPEN) continue
      if (ws.bufferedAmount > opts.maxBufferedBytes) {
        stats.dropped++
        clients.delete(ws)
        ws.terminate()
        continue
      }
      ws.send(text)
    }
    stats.clients = clients.size
  }

  function update() {
    scheduled = undefined
    const now = Date.now()
    // Nobody watching: only the chart's points are due (a screen connecting later gets the hour).
    if (clients.size === 0 && now - lastHistoryAt < opts.historyEveryMs) return
    const s = state()
    if (!s) return
    last = s
    let point: HistoryPoint | undefined
    if (now - lastHistoryAt >= opts.historyEveryMs) {
      lastHistoryAt = now
      point = { t: s.at, waiting: s.waitingTotal, breached: s.breached, frtP50: s.last5m.frt.p50, frtP90: s.last5m.frt.p90 }
      history.push(point)
      while (history.length && history[0]!.t < s.at - opts.historyMs) history.shift()
    }
    const changes: Partial<Record<Section, unknown>> = {}
    let changed = false
    for (const key of Object.keys(s) as Array<keyof WallboardState>) {
      if (key === 'at') continue
      const text = JSON.stringify(s[key])
      if (sent.get(key) === text) continue
      sent.set(key, text)
      changes[key] = s[key]
      changed = true
    }
    // Only an update that was sent spaces the next: a change on a quiet feed goes out at once.
    lastCostMs = Date.now() - now
    if (!changed && !point) return
    lastSentAt = now
    seq++
    snapshot = null
    stats.updates++
    if (clients.size) broadcast(JSON.stringify({ type: 'delta', seq, serverTime: now, at: s.at, changes, ...(point ? { point } : {}) }))
  }

  /** Soon, but not sooner than minIntervalMs after the last update: bursts coalesce. */
  function schedule() {
    if (scheduled) return
    scheduled = setTimeout(update, Math.max(0, lastSentAt + Math.max(opts.minIntervalMs, lastCostMs * opts.costFactor) - Date.now()))
  }

  return {
    stats,
    /** Something changed (a flush applied events): an update is due. */
    markDirty: schedule,
    /** A screen connected (its token already checked): the snapshot, then every delta. */
    attach(ws: WebSocket) {
      if (!last || clients.size === 0) {
        // The first screen (after none watched, when updates were not computed) gets a fresh
        // state, which is also the baseline the next delta is computed against.
        last = state()
        if (last) for (const key of Object.keys(last) as Array<keyof WallboardState>) if (key !== 'at') sent.set(key, JSON.stringify(last[key]))
        seq++
        snapshot = null
      }
      // Serialised once per update for all the screens that connect meanwhile; only the server
      // time (for the screen's countdowns) is written per connection.
      if (!snapshot || snapshot.seq !== seq) snapshot = { seq, text: JSON.stringify({ type: 'snapshot', seq, at: last?.at ?? Date.now(), state: last, history, loadBand: opts.loadBand, escalation: opts.escalation, lineNames: opts.lineNames }) }
      clients.add(ws)
      stats.clients = clients.size
      ws.send(`{"serverTime":${Date.now()},${snapshot.text.slice(1)}`)
      ws.on('close', () => {
        clients.delete(ws)
        stats.clients = clients.size
      })
      ws.on('error', (err) => log.debug({ err: { message: err.message } }, 'wallboard socket error'))
    },
    start() {
      ticker = setInterval(schedule, opts.tickMs)
    },
    close() {
      clearInterval(ticker)
      clearTimeout(scheduled)
      for (const ws of clients) ws.close(1001, 'processor stopping')
      clients.clear()
    },
  }
}
export type LiveFeed = ReturnType<typeof createLiveFeed>
