/**
 * The supervisor's advice on the processor's private listener (docs/advice.md), behind the
 * admin token like /v1/summary: GET /v1/advice/rebalance?team= and
 * GET /v1/conversations/:id/timeline?until=. The core decides (processor/core/rebalance.ts,
 * processor/core/timeline.ts); these routes check the input and format.
 */
import type { FastifyInstance } from 'fastify'
import type { Projection } from '../core/projection.js'
import { rebalanceMoves, teamBalance, utilisationOf } from '../core/rebalance.js'
import { parseConversationId, TimelineIdError, type Timeline } from '../core/timeline.js'
import { bearerMatches } from './bearer.js'
import { ProcessorHttpError } from './errors.js'

export interface AdviceSources {
  /** The read model now, with its waiting chats. */
  projection(): Projection
  /** advice.spare_below. */
  spareBelow: number
  /** The conversation's timeline up to `until` (ms; default the processor's clock). */
  timeline(id: string, until: number | undefined): Promise<Timeline & { source: Record<string, unknown> }>
}

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const TEAM = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{1,64}$/
const iso = (ms: number) => new Date(ms).toISOString()
const round = (x: number) => Math.round(x * 1000) / 1000

/** The rebalance advice as JSON: per team the balance, then the moves in the order to make them. */
export function rebalanceView(p: Projection, spareBelow: number, team?: string) {
  const teams = teamBalance(p, spareBelow).filter((t) => team === undefined || t.team === team)
  const agentsOf = (name: string) =>
    p.agents
      .filter((a) => a.team === name && a.online)
      .map((a) => ({ agent: a.agent, active: a.active, capacity: a.capacity, utilisation: round(utilisationOf(a)) }))
      .sort((a, b) => b.utilisation - a.utilisation || (a.agent < b.agent ? -1 : 1))
  return {
    at: iso(p.at),
    spare_below: spareBelow,
    teams: teams.map((t) => ({
      team: t.team,
      online: t.online,
      load_spread: round(t.spread),
      over_capacity: t.overCapacity,
      overloaded_agents: t.overloadedAgents,
      agents_with_room: t.agentsWithRoom,
      agents: agentsOf(t.team),
    })),
    moves: rebalanceMoves(p, spareBelow, team).map((m) => ({
      conversation: m.conversation,
      code: m.code,
      line: m.line,
      team: m.team,
      from: m.from,
      to: m.to,
      level: m.level,
      waiting_since: iso(m.waitingSince),
      waiting_seconds: round(Math.max(0, (p.at - m.waitingSince) / 1000)),
      to_active_after: m.toActiveAfter,
      to_capacity: m.toCapacity,
    })),
  }
}

export function registerAdvice(app: FastifyInstance, sources: AdviceSources, adminToken: string | undefined): void {
  app.get<{ Querystring: { team?: string } }>('/v1/advice/rebalance', async (req) => {
    if (!bearerMatches(adminToken, req.headers.authorization)) throw new ProcessorHttpError('ADMIN_TOKEN')
    const team = req.query.team
    if (team !== undefined && (typeof team !== 'string' || !TEAM.test(team))) throw new ProcessorHttpError('BAD_QUERY', 'team: 1–64 printable characters')
    return rebalanceView(sources.projection(), sources.spareBelow, team)
  })
  app.get<{ Params: { id: string }; Querystring: { until?: string } }>('/v1/conversations/:id/timeline', async (req) => {
    if (!bearerMatches(adminToken, req.headers.authorization)) throw new ProcessorHttpError('ADMIN_TOKEN')
    try {
      parseConversationId(req.params.id)
    } catch (err) {
      if (err instanceof TimelineIdError) throw new ProcessorHttpError('BAD_QUERY', `id: ${err.message}`)
      throw err
    }
    const untilText = req.query.until
    let until: number | undefined
    if (untilText !== undefined) {
      until = typeof untilText === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(untilText) ? Date.parse(untilText) : NaN
      if (!Number.isFinite(until)) throw new ProcessorHttpError('BAD_QUERY', 'until: an ISO-8601 time, e.g. 2026-11-23T18:00:00Z')
    }
    const tl = await sources.timeline(req.params.id, until)
    if (!tl.found) throw new ProcessorHttpError('CONVERSATION_NOT_FOUND')
    return tl
  })
}
