/**
 * Supervisor advice from ClickHouse (docs/advice.md): agents' utilisation against the target band
 * (from `agent_minute`), the automation ranking of categories × lines (from `conversations` and
 * `fcr_verdicts`), and a conversation's events for its timeline (from `events`). SQL aggregates;
 * TypeScript divides, ranks and rounds.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../schemas/config.js'
import type { CanonicalEvent } from '../schemas/events.js'
import { buildTimeline, parseConversationId, type Timeline } from '../processor/core/timeline.js'
import { latestInStore } from './report.js'

type Row = Record<string, unknown>
const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
const round = (x: number | null, digits = 4) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits)
const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : null)

async function all(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<Row[]> {
  const res = await client.query({ query, query_params: params, format: 'JSONEachRow' })
  return res.json<Row>()
}

export interface AdviceWindow {
  /** ms: minutes (conversations opened) at or after it. */
  from?: number
  /** ms: minutes (conversations opened) before (at or before) it. */
  until?: number
}

// ---------------------------------------------------------------------------------------------
// Utilisation against the band

/**
 * One row per agent and minute with online time: `on_s` the seconds online in the minute, `u`
 * the time-weighted utilisation min(Σ partitions' load seconds / online seconds, 1) (docs/kpis.md
 * "Agents": load), `cls` below | in | above the band [low, high] (inclusive), and `session` a
 * shift number per agent (it changes after each minute with no online time).
 *
 * agent_minute holds cumulative totals per partition: differences of consecutive rows give each
 * minute (the first row of a partition counts from 0; a total that went down, a partition's
 * state started over, counts from 0 again). Online time is the same in every partition (each
 * hears every status): the minute's is the largest; load sums over partitions.
 */
export const minutesSql = (bounds: { from: string; until: string; low: string; high: string; where?: string }) => `
SELECT *, sum(on_s = 0) OVER (PARTITION BY agent ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session
FROM (
  SELECT agent, team, minute, on_s, if(on_s > 0, least(load_s / on_s, 1), 0) AS u,
    multiIf(on_s = 0, 'off', u < ${bounds.low}, 'below', u > ${bounds.high}, 'above', 'in') AS cls
  FROM (
    SELECT agent, argMax(team, partition) AS team, minute, max(d_on) AS on_s, sum(d_load) AS load_s
    FROM (
      SELECT agent, team, minute, partition,
        online_seconds_total - lagInFrame(online_seconds_total, 1, 0) OVER w AS d_on_raw,
        load_seconds_total - lagInFrame(load_seconds_total, 1, 0) OVER w AS d_load_raw,
        if(d_on_raw < 0, online_seconds_total, d_on_raw) AS d_on,
        if(d_load_raw < 0, load_seconds_total, d_load_raw) AS d_load
      FROM agent_minute FINAL
      WHERE minute < ${bounds.until}${bounds.where ? ` AND ${bounds.where}` : ''}
      WINDOW w AS (PARTITION BY agent, partition ORDER BY minute ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
    )
    WHERE minute >= ${bounds.from}
    GROUP BY agent, minute
  )
)`

const MINUTES_SQL = minutesSql({ from: "{from:DateTime('UTC')}", until: "{until:DateTime('UTC')}", low: '{low:Float64}', high: '{high:Float64}' })

/** Online time, load time and the time in, above and below the band, over minutes of MINUTES_SQL. */
export const SHARES = `sum(on_s) AS online_s, sum(u * on_s) AS load_s,
  sumIf(on_s, cls = 'in') AS in_s, sumIf(on_s, cls = 'above') AS above_s, sumIf(on_s, cls = 'below') AS below_s`

export interface UtilisationFigures {
  online_hours: number
  /** Time-weighted utilisation: ∫ load dt / online time. */
  utilisation: number | null
  /** Shares of the online time in minutes whose utilisation was inside, above, below the band. */
  in_band: number | null
  above: number | null
  below: number | null
}

export interface Utilisation {
  band: { low: number; high: number }
  from: string | null
  until: string
  teams: Array<{ team: string } & UtilisationFigures>
  /** Per team and UTC hour. */
  hours: Array<{ team: string; hour: string } & UtilisationFigures>
  /** Per agent (empty when advice.per_agent_views is false). */
  agents: Array<{ agent: string; team: string } & UtilisationFigures>
  /** Per agent and shift: a run of minutes online with no whole minute offline. */
  shifts: Array<{ agent: string; team: string; start: string; end: string } & UtilisationFigures>
}

function figures(r: Row): UtilisationFigures {
  const online = Number(r.online_s)
  return {
    online_hours: round(online / 3600)!,
    utilisation: ratio(Number(r.load_s), online),
    in_band: ratio(Number(r.in_s), online),
    above: ratio(Number(r.above_s), online),
    below: ratio(Number(r.below_s), online),
  }
}

const minuteIso = (v: unknown) => `${String(v).replace(' ', 'T')}Z`

export async function utilisationFromStore(client: ClickHouseClient, config: Config, window: AdviceWindow = {}): Promise<Utilisation> {
  const { low, high } = config.thresholds.load_band
  const until = window.until ?? (await latestInStore(client)) ?? Date.now()
  const params = { low, high, from: ts(window.from ?? 0).slice(0, 19), until: ts(until).slice(0, 19) }
  const perAgent = config.advice.per_agent_views
  const [teams, hours, agents, shifts] = await Promise.all([
    all(client, `SELECT team, ${SHARES} FROM (${MINUTES_SQL}) WHERE on_s > 0 GROUP BY team ORDER BY team`, params),
    all(client, `SELECT team, toStartOfHour(minute) AS hour, ${SHARES} FROM (${MINUTES_SQL}) WHERE on_s > 0 GROUP BY team, hour ORDER BY team, hour`, params),
    perAgent ? all(client, `SELECT agent, any(team) AS team, ${SHARES} FROM (${MINUTES_SQL}) WHERE on_s > 0 GROUP BY agent ORDER BY agent`, params) : [],
    perAgent
      ? all(client, `SELECT agent, any(team) AS team, session, min(minute) AS start, max(minute) + INTERVAL 1 MINUTE AS end, ${SHARES} FROM (${MINUTES_SQL}) WHERE on_s > 0 GROUP BY agent, session ORDER BY agent, start`, params)
      : [],
  ])
  return {
    band: { low, high },
    from: window.from === undefined ? null : new Date(window.from).toISOString(),
    until: new Date(until).toISOString(),
    teams: teams.map((r) => ({ team: String(r.team), ...figures(r) })),
    hours: hours.map((r) => ({ team: String(r.team), hour: minuteIso(r.hour), ...figures(r) })),
    agents: agents.map((r) => ({ agent: String(r.agent), team: String(r.team), ...figures(r) })),
    shifts: shifts.map((r) => ({ agent: String(r.agent), team: String(r.team), start: minuteIso(r.start), end: minuteIso(r.end), ...figures(r) })),
  }
}

// ---------------------------------------------------------------------------------------------
// Automation advice

/** Seconds an agent held a chat: from its assignment (else its first human reply) to its first resolution. */
const HANDLE = `dateDiff('millisecond', coalesce(first_assigned_at, first_human_at), first_resolved_at) / 1000`

/** Per category × line, the conversations opened in the window. */
export const automationSql = (window: string) => `
SELECT if(category = '', 'uncategorised', category) AS category, line,
  count() AS n,
  countIf(bot_answered = 1) AS bot,
  countIf(contained = 1) AS contained,
  countIf(handed_off = 1) AS handoffs,
  countIf(first_human_at IS NOT NULL) AS human,
  quantileExactIf(0.5)(${HANDLE}, first_human_at IS NOT NULL AND first_resolved_at IS NOT NULL AND first_resolved_at >= coalesce(first_assigned_at, first_human_at)) AS handle_p50,
  countIf(first_human_at IS NOT NULL AND first_resolved_at IS NOT NULL AND first_resolved_at >= coalesce(first_assigned_at, first_human_at)) AS handled,
  countIf(csat IS NOT NULL) AS csat_n,
  countIf(csat >= 4) AS csat_pos,
  countIf(csat IS NOT NULL AND bot_answered = 1) AS csat_bot_n,
  countIf(csat >= 4 AND bot_answered = 1) AS csat_bot_pos,
  countIf(csat IS NOT NULL AND bot_answered = 0) AS csat_human_n,
  countIf(csat >= 4 AND bot_answered = 0) AS csat_human_pos,
  countIf(conversation_id IN (SELECT conversation_id FROM fcr_verdicts FINAL)) AS fcr_final,
  countIf(conversation_id IN (SELECT conversation_id FROM fcr_verdicts FINAL WHERE fcr = 1)) AS fcr_yes
FROM conversations FINAL
WHERE ${window}
GROUP BY category, line
ORDER BY category, line`
const AUTOMATION_SQL = automationSql("opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at <= {until:DateTime64(3, 'UTC')}")

export interface AutomationRow {
  category: string
  line: string
  conversations: number
  /** Share of the conversations a bot answered first. */
  bot_share: number | null
  /** Of the bot's conversations: closed by the bot with no human; handed to a human. */
  containment: number | null
  handoff_rate: number | null
  human_conversations: number
  /** Median seconds an agent held a chat, assignment (or first human reply) to first resolution. */
  median_handle_seconds: number | null
  fcr: number | null
  csat_percent: number | null
  csat_after_bot_percent: number | null
  csat_without_bot_percent: number | null
  /** Conversations the bot would close at the target that humans close now (docs/advice.md). */
  extra_contained: number
  /** extra_contained × median_handle_seconds, in hours. */
  agent_hours_saved: number
}

export interface AutomationAdvice {
  from: string | null
  until: string
  target_containment: number
  min_conversations: number
  /** Where a bot would save most agent time, best first. */
  ranking: AutomationRow[]
  /** Where the bot hands off most, then where CSAT after a bot is lowest: "bot is hurting here". */
  hurting: AutomationRow[]
}

/**
 * The formula (docs/advice.md "Automation advice"): at target containment t, the bot would close
 * t × N of a category's N conversations; it closes C now, humans handle H. Extra conversations
 * the bot would close: E = min(H, max(0, ⌊t × N⌋ − C)). Agent-hours saved: E × median handling
 * seconds / 3600.
 */
export function automationRow(r: Row, target: number): AutomationRow {
  const n = Number(r.n)
  const bot = Number(r.bot)
  const contained = Number(r.contained)
  const human = Number(r.human)
  const handled = Number(r.handled)
  const handle = handled > 0 ? Number(r.handle_p50) : null
  const extra = Math.min(human, Math.max(0, Math.floor(target * n + 1e-9) - contained))
  const pct = (pos: unknown, of: unknown) => (Number(of) > 0 ? round((100 * Number(pos)) / Number(of), 2) : null)
  return {
    category: String(r.category),
    line: String(r.line),
    conversations: n,
    bot_share: ratio(bot, n),
    containment: ratio(contained, bot),
    handoff_rate: ratio(Number(r.handoffs), bot),
    human_conversations: human,
    median_handle_seconds: handle === null ? null : round(handle, 3),
    fcr: ratio(Number(r.fcr_yes), Number(r.fcr_final)),
    csat_percent: pct(r.csat_pos, r.csat_n),
    csat_after_bot_percent: pct(r.csat_bot_pos, r.csat_bot_n),
    csat_without_bot_percent: pct(r.csat_human_pos, r.csat_human_n),
    extra_contained: extra,
    agent_hours_saved: handle === null ? 0 : round((extra * handle) / 3600, 3)!,
  }
}

const byName = (a: AutomationRow, b: AutomationRow) => (a.category < b.category ? -1 : a.category > b.category ? 1 : a.line < b.line ? -1 : a.line > b.line ? 1 : 0)

/** Ranks the rows (pure: the tests feed it rows of known figures too). */
export function rankAutomation(rows: AutomationRow[], minConversations: number) {
  const ranking = rows
    .filter((r) => r.conversations >= minConversations)
    .sort((a, b) => b.agent_hours_saved - a.agent_hours_saved || b.conversations - a.conversations || byName(a, b))
  const botN = (r: AutomationRow) => Math.round((r.bot_share ?? 0) * r.conversations)
  const hurting = rows
    .filter((r) => r.bot_share !== null && botN(r) >= minConversations)
    .sort((a, b) => (b.handoff_rate ?? 0) - (a.handoff_rate ?? 0) || (a.csat_after_bot_percent ?? Infinity) - (b.csat_after_bot_percent ?? Infinity) || byName(a, b))
  return { ranking, hurting }
}

export async function automationFromStore(client: ClickHouseClient, config: Config, window: AdviceWindow = {}): Promise<AutomationAdvice> {
  const until = window.until ?? (await latestInStore(client)) ?? Date.now()
  const rows = await all(client, AUTOMATION_SQL, { from: ts(window.from ?? 0), until: ts(until) })
  const target = config.advice.target_containment
  const { ranking, hurting } = rankAutomation(rows.map((r) => automationRow(r, target)), config.advice.min_conversations)
  return {
    from: window.from === undefined ? null : new Date(window.from).toISOString(),
    until: new Date(until).toISOString(),
    target_containment: target,
    min_conversations: config.advice.min_conversations,
    ranking,
    hurting,
  }
}

// ---------------------------------------------------------------------------------------------
// Timeline

/** The stored events of a conversation's line and customer from its opening on. */
export async function conversationEventsFromStore(client: ClickHouseClient, id: string): Promise<CanonicalEvent[]> {
  const { line, customer, openedAt } = parseConversationId(id)
  const rows = await all(
    client,
    `SELECT payload FROM events FINAL WHERE line = {line:String} AND customer = {customer:String} AND at >= {from:DateTime64(3, 'UTC')} ORDER BY at, event_id`,
    { line, customer, from: ts(openedAt) },
  )
  return rows.map((r) => JSON.parse(String(r.payload)) as CanonicalEvent)
}

/** `deskpulse timeline --conversation ID`: until defaults to the newest stored event. */
export async function timelineFromStore(client: ClickHouseClient, config: Config, id: string, until?: number): Promise<Timeline & { source: Record<string, unknown> }> {
  const events = await conversationEventsFromStore(client, id)
  const end = until ?? (await latestInStore(client)) ?? Date.now()
  const tl = buildTimeline(config, id, events, end, { text: config.advice.timeline_text, agents: config.advice.per_agent_views })
  return { ...tl, source: { from: 'clickhouse', events: events.length } }
}
