/**
 * What the forecast learns from, read from ClickHouse (docs/forecast.md "Data"):
 * - arrivals: conversations opened per interval, per line × team (the conversation's team as
 *   stored: the team that handled it, else the line's);
 * - workload per team: the share of conversations a human was assigned to, the mean handling
 *   time (first assignment → first resolution) and the concurrency agents ran at (mean active
 *   chats over the agent-minutes with at least one, summed over stream partitions).
 */
import type { ClickHouseClient } from '@clickhouse/client'

export interface ArrivalRow { line: string; team: string; bucket: number; n: number }

export async function queryArrivals(client: ClickHouseClient, o: { from: number; until: number; step: number }): Promise<ArrivalRow[]> {
  const rs = await client.query({
    query: `SELECT line, team, toUInt32(intDiv(toUnixTimestamp64Milli(opened_at) - {from:Int64}, {step:Int64})) AS bucket, toUInt32(count()) AS n
            FROM conversations FINAL
            WHERE opened_at >= fromUnixTimestamp64Milli({from:Int64}) AND opened_at < fromUnixTimestamp64Milli({until:Int64})
            GROUP BY line, team, bucket ORDER BY line, team, bucket`,
    query_params: { from: o.from, until: o.until, step: o.step },
    format: 'JSONEachRow',
  })
  return (await rs.json<{ line: string; team: string; bucket: number | string; n: number | string }>()).map((r) => ({ line: r.line, team: r.team, bucket: Number(r.bucket), n: Number(r.n) }))
}

export interface TeamWorkload {
  team: string
  conversations: number
  /** Conversations a human was assigned to / all opened. */
  human_share: number
  /** Conversations with an assignment and a resolution: the handling-time sample. */
  handled: number
  /** Mean first assignment → first resolution, seconds; null without a sample. */
  handle_seconds: number | null
  /** Mean active chats of an agent while holding at least one; null without agent minutes. */
  concurrency: number | null
}

export async function queryWorkload(client: ClickHouseClient, o: { from: number; until: number }): Promise<TeamWorkload[]> {
  const params = { from: o.from, until: o.until }
  const conv = await client.query({
    query: `SELECT team, toUInt64(count()) AS conversations, toUInt64(countIf(first_assigned_at IS NOT NULL)) AS assigned,
              toUInt64(countIf(first_assigned_at IS NOT NULL AND first_resolved_at IS NOT NULL AND first_resolved_at >= first_assigned_at)) AS handled,
              avgIf(dateDiff('millisecond', first_assigned_at, first_resolved_at) / 1000, first_assigned_at IS NOT NULL AND first_resolved_at IS NOT NULL AND first_resolved_at >= first_assigned_at) AS handle
            FROM conversations FINAL
            WHERE opened_at >= fromUnixTimestamp64Milli({from:Int64}) AND opened_at < fromUnixTimestamp64Milli({until:Int64})
            GROUP BY team`,
    query_params: params,
    format: 'JSONEachRow',
  })
  const agents = await client.query({
    query: `SELECT team, avg(active) AS concurrency FROM (
              SELECT agent, minute, any(team) AS team, sum(active) AS active FROM agent_minute FINAL
              WHERE minute >= toDateTime(intDiv({from:Int64}, 1000)) AND minute < toDateTime(intDiv({until:Int64}, 1000))
              GROUP BY agent, minute)
            WHERE active > 0 GROUP BY team`,
    query_params: params,
    format: 'JSONEachRow',
  })
  const concurrency = new Map((await agents.json<{ team: string; concurrency: number }>()).map((r) => [r.team, Number(r.concurrency)]))
  const rows = await conv.json<{ team: string; conversations: string; assigned: string; handled: string; handle: number | null }>()
  const teams = new Set([...rows.map((r) => r.team), ...concurrency.keys()])
  return [...teams].sort().map((team) => {
    const r = rows.find((x) => x.team === team)
    const conversations = Number(r?.conversations ?? 0)
    const handled = Number(r?.handled ?? 0)
    return {
      team,
      conversations,
      human_share: conversations ? Number(r!.assigned) / conversations : 1,
      handled,
      handle_seconds: handled && Number.isFinite(Number(r!.handle)) ? Number(r!.handle) : null,
      concurrency: concurrency.get(team) ?? null,
    }
  })
}
