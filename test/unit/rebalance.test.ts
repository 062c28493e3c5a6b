/**
 * Workload balance and rebalance moves (processor/core/rebalance.ts, docs/advice.md). Expected
 * values worked out by hand in the comments.
 */
import t from 'tap'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { project, agentLoad, type AgentLoad, type Projection, type WaitingChat, type EscalationLevel } from '../../processor/core/projection.js'
import { rebalanceMoves, teamBalance } from '../../processor/core/rebalance.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { ev, T0 } from '../helpers/events.js'

const agent = (id: string, team: string, online: boolean, active: number, capacity: number): AgentLoad => ({ agent: id, team, online, active, capacity, load: agentLoad(active, capacity) })
const chat = (id: string, agentId: string, team: string, since: number, level: EscalationLevel): WaitingChat => ({
  id: `L1|${id}#0`, code: id, line: 'L1', team, agent: agentId, category: null, sentiment: null, waitingSince: since, firstResponse: true, warnAt: null, breachAt: null, level, helpdeskConversation: null, policy: 'default', priority: 'normal',
})

const AGENTS = [
  agent('a1', 'support', true, 5, 3), // over by 2, utilisation 5/3
  agent('a2', 'support', true, 4, 3), // over by 1, 4/3
  agent('a3', 'support', true, 0, 2), // room: 2 free slots, load 0
  agent('a4', 'support', true, 2, 4), // room: 2 free, load 0.5
  agent('a5', 'support', true, 3, 4), // room: 1 free, load 0.75 < 0.85
  agent('a6', 'support', false, 1, 3), // offline: neither gives nor takes
  agent('b1', 'sales', true, 4, 3), // over, but…
  agent('b2', 'sales', true, 3, 3), // …the only teammate is full (load 1): no imbalance a move fixes
]
const WAITING = [
  chat('w1', 'a1', 'support', 100, 'ok'),
  chat('w2', 'a1', 'support', 50, 'breach'),
  chat('w3', 'a1', 'support', 10, 'ok'),
  chat('w4', 'a1', 'support', 200, 'warning'),
  chat('w5', 'a1', 'support', 20, 'breach'),
  chat('x1', 'a2', 'support', 5, 'ok'),
  chat('x2', 'a2', 'support', 60, 'breach'),
  chat('y1', 'a5', 'support', 1, 'breach'), // a taker's own chat never moves
  chat('z1', 'b1', 'sales', 0, 'breach'),
]
const projection = (agents = AGENTS, waiting = WAITING): Projection => ({ at: 1000, byLineTeam: [], agents, waiting, sla: new Map() })

t.test('imbalance per team: spread of utilisation and agents over capacity while a teammate has room', async (t) => {
  const [sales, support] = teamBalance(projection(), 0.85)
  // support: utilisations 5/3, 4/3, 0, 0.5, 0.75 among the online → spread 5/3 − 0.
  t.equal(support!.team, 'support')
  t.equal(support!.online, 5)
  t.ok(Math.abs(support!.spread - 5 / 3) < 1e-12)
  t.equal(support!.overCapacity, 2)
  t.same(support!.overloadedAgents, ['a1', 'a2'])
  t.same(support!.agentsWithRoom, ['a3', 'a4', 'a5'])
  // sales: 4/3 and 1 → spread 1/3; b1 is over capacity but b2 has no room (load 1 ≥ 0.85).
  t.equal(sales!.team, 'sales')
  t.ok(Math.abs(sales!.spread - 1 / 3) < 1e-12)
  t.equal(sales!.overCapacity, 0)
  t.same(sales!.agentsWithRoom, [])
  // With spare_below 0.7, a5 (0.75) has no room; a3 and a4 still do.
  t.same(teamBalance(projection(), 0.7)[1]!.agentsWithRoom, ['a3', 'a4'])
  // One online agent: no spread.
  t.equal(teamBalance(projection([agent('c1', 'x', true, 9, 3)], []), 0.85)[0]!.spread, 0)
})

t.test('moves: breaching chats first, most free slots first, never beyond capacity or the excess', async (t) => {
  const moves = rebalanceMoves(projection(), 0.85)
  // Givers' chats in order: breach w5 (20), w2 (50), x2 (60); warning w4; ok x1, w3, w1.
  // w5: a3 and a4 both have 2 free; a3's load 0 < 0.5 → a3 (1 of 2). a1's excess 2 → 1.
  // w2: free a3 1, a4 2, a5 1 → a4 (3 of 4). a1's excess → 0.
  // x2: free a3 1 (load 0.5), a4 1 (0.75), a5 1 (0.75) → a3 (2 of 2). a2's excess 1 → 0.
  // w4, x1, w3, w1: their agents' excess is used up. z1: sales has nobody with room.
  t.same(
    moves.map((m) => [m.code, m.from, m.to, m.level, m.toActiveAfter, m.toCapacity]),
    [
      ['w5', 'a1', 'a3', 'breach', 1, 2],
      ['w2', 'a1', 'a4', 'breach', 3, 4],
      ['x2', 'a2', 'a3', 'breach', 2, 2],
    ],
  )
  t.same(moves[0], { conversation: 'L1|w5#0', code: 'w5', line: 'L1', team: 'support', from: 'a1', to: 'a3', level: 'breach', waitingSince: 20, toActiveAfter: 1, toCapacity: 2 })
  t.same(rebalanceMoves(projection(), 0.85, 'sales'), [])
  t.same(rebalanceMoves(projection(), 0.85, 'support'), moves)
})

t.test('moves: deterministic whatever the order of agents and chats', async (t) => {
  const expected = rebalanceMoves(projection(), 0.85)
  const rev = rebalanceMoves(projection([...AGENTS].reverse(), [...WAITING].reverse()), 0.85)
  t.same(rev, expected)
})

t.test('moves: takers run out before the excess does', async (t) => {
  // g over by 3 (6 of 3) with 4 waiting chats; the one taker has 1 free slot (2 of 3, load 0.667).
  const p = projection(
    [agent('g', 'support', true, 6, 3), agent('h', 'support', true, 2, 3)],
    [chat('c1', 'g', 'support', 30, 'ok'), chat('c2', 'g', 'support', 10, 'ok'), chat('c3', 'g', 'support', 20, 'warning'), chat('c4', 'g', 'support', 40, 'ok')],
  )
  // The warned chat goes first, even though c2 waited longer; h is then full (3 of 3).
  t.same(rebalanceMoves(p, 0.85).map((m) => [m.code, m.to, m.toActiveAfter]), [['c3', 'h', 3]])
})

t.test('through the real core: following the moves clears the imbalance', async (t) => {
  const config = parseConfig({ lines: { L1: { team: 'support' } } })
  const p = createKpiPipeline(config, 0)
  const feed = (events: CanonicalEvent[]) => {
    for (const e of events) {
      p.push(e)
      p.catchUp()
    }
  }
  // a1 (capacity 2) holds four waiting chats; a2 (capacity 3) none.
  feed([ev.agent(0, 'a1', 'online', 2), ev.agent(1, 'a2', 'online', 3)])
  for (const [i, c] of ['c1', 'c2', 'c3', 'c4'].entries()) feed([ev.in(10 + 10 * i, { c }), ev.assigned(11 + 10 * i, 'a1', { c, team: 'support' })])
  p.engine.advance(T0 + 100_000)
  const before = project([p.engine], T0 + 100_000)
  const [team] = teamBalance(before, 0.85)
  // a1: 4/2 = 2, a2: 0 → spread 2; a1 over capacity, a2 has room.
  t.same([team!.spread, team!.overCapacity, team!.overloadedAgents], [2, 1, ['a1']])
  const moves = rebalanceMoves(before, 0.85)
  // Excess 2: the two longest-waiting (c1 from 10 s, c2 from 20 s) go to a2.
  t.same(moves.map((m) => [m.code, m.from, m.to, m.waitingSince - T0]), [['c1', 'a1', 'a2', 10_000], ['c2', 'a1', 'a2', 20_000]])
  feed(moves.map((m, i) => ev.assigned(101 + i, m.to, { c: m.code, team: 'support' })))
  p.engine.advance(T0 + 110_000)
  const [after] = teamBalance(project([p.engine], T0 + 110_000), 0.85)
  // a1: 2/2 = 1, a2: 2/3 → spread 1/3; nobody over capacity.
  t.equal(after!.overCapacity, 0)
  t.ok(Math.abs(after!.spread - 1 / 3) < 1e-12)
  t.same(rebalanceMoves(project([p.engine], T0 + 110_000), 0.85), [])
})

t.test('an escalation step paged after the breach (docs/sla.md) counts as breaching', async (t) => {
  const p = projection(
    [agent('g', 'support', true, 4, 2), agent('h', 'support', true, 0, 3)],
    [chat('old', 'g', 'support', 5, 'warning'), chat('lead', 'g', 'support', 30, 'team-lead'), chat('new', 'g', 'support', 40, 'ok')],
  )
  // Excess 2: the step-paged chat first (breaching), then the warned one.
  t.same(rebalanceMoves(p, 0.85).map((m) => m.code), ['lead', 'old'])
})
