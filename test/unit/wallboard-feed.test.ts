import t from 'tap'
import { EventEmitter } from 'node:events'
import type { WebSocket } from 'ws'
import { createLiveFeed } from '../../processor/wallboard/feed.js'
import type { WallboardState } from '../../processor/wallboard/state.js'
import { createLogger } from '../../cli/logger.js'

/** A socket as the feed sees it: what was sent, how much is still unsent, whether it was dropped. */
class Screen extends EventEmitter {
  readonly OPEN = 1
  readyState = 1
  bufferedAmount = 0
  sent: string[] = []
  terminated = false
  send(text: string) {
    this.sent.push(text)
  }
  terminate() {
    this.terminated = true
    this.readyState = 3
  }
  close() {
    this.readyState = 3
  }
}

const state = (waitingTotal: number, at = 1_000): WallboardState => ({
  at,
  backlog: { bot: 0, unassigned: waitingTotal, awaiting_agent: 0, awaiting_customer: 0 },
  waitingTotal,
  breached: 0,
  waiting: [],
  lastHour: { frt: { count: 0, p50: null, p90: null }, serviceLevel: null, opened: 0, resolved: 0 },
  last5m: { frt: { count: 0, p50: null, p90: null } },
  agents: [],
  today: { since: 0, csat: { responses: 0, percent: null }, containment: { resolved: 0, contained: 0, rate: null } },
})

const log = createLogger('silent')
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('a snapshot first, then only the sections that changed; bursts coalesce', async (t) => {
  let current = state(1)
  let computed = 0
  const feed = createLiveFeed(() => (computed++, current), log, { minIntervalMs: 100, tickMs: 60_000, historyEveryMs: 60_000 })
  const screen = new Screen()
  feed.attach(screen as unknown as WebSocket)
  const snapshot = JSON.parse(screen.sent[0]!)
  t.equal(snapshot.type, 'snapshot')
  t.equal(snapshot.state.waitingTotal, 1)

  current = state(2)
  for (let i = 0; i < 20; i++) feed.markDirty()
  await tick(250)
  t.equal(computed, 2, 'twenty changes in a burst: one computation (plus the snapshot)')
  t.equal(screen.sent.length, 2, 'and one delta')
  const delta = JSON.parse(screen.sent[1]!)
  t.equal(delta.type, 'delta')
  t.same(Object.keys(delta.changes).sort(), ['backlog', 'waitingTotal'], 'only what changed')

  feed.markDirty()
  await tick(250)
  t.equal(screen.sent.length, 2, 'nothing changed: nothing sent')
  feed.close()
})

t.test('one serialisation for every screen; a screen that falls behind is dropped', async (t) => {
  let current = state(1)
  const feed = createLiveFeed(() => current, log, { minIntervalMs: 10, tickMs: 60_000, historyEveryMs: 60_000, maxBufferedBytes: 1_000 })
  const screens = Array.from({ length: 3 }, () => new Screen())
  for (const s of screens) feed.attach(s as unknown as WebSocket)
  screens[2]!.bufferedAmount = 5_000
  current = state(7)
  feed.markDirty()
  await tick(60)
  t.equal(screens[0]!.sent[1], screens[1]!.sent[1], 'the same text for every screen')
  t.ok(screens[0]!.sent[1]!.includes('"waitingTotal":7'))
  t.ok(screens[2]!.terminated, 'the slow screen is dropped')
  t.equal(screens[2]!.sent.length, 1, 'and sent nothing more')
  t.equal(feed.stats.dropped, 1)
  t.equal(feed.stats.clients, 2)
  feed.close()
})

t.test('with no screen connected the state is computed only for the chart points; the next screen gets it fresh', async (t) => {
  let current = state(1)
  let computed = 0
  const feed = createLiveFeed(() => (computed++, current), log, { minIntervalMs: 10, tickMs: 60_000, historyEveryMs: 60_000 })
  feed.markDirty()
  await tick(40)
  t.equal(computed, 1, 'the first chart point')
  for (let i = 0; i < 5; i++) {
    feed.markDirty()
    await tick(20)
  }
  t.equal(computed, 1, 'then nothing while nobody watches')
  current = state(9)
  const screen = new Screen()
  feed.attach(screen as unknown as WebSocket)
  t.equal(computed, 2)
  t.equal(JSON.parse(screen.sent[0]!).state.waitingTotal, 9, 'the snapshot is current')
  feed.close()
})
