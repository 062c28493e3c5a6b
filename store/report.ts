/**
 * `deskpulse report`: the summary object of docs/architecture.md computed again from ClickHouse with
 * SQL alone — the third view of one truth, beside `deskpulse replay --json` and the processor's
 * live GET /v1/summary (docs/pipeline.md "deskpulse report").
 *
 * Every count, sum and percentile is an aggregate over the stored tables, read with FINAL
 * (they replace by version): `conversations` (one row per conversation with every timing and
 * outcome), `fcr_verdicts`, `events` (messages in and out), `escalations` and `kpi_minute`
 * (only for an `--until` earlier than the data, see below). TypeScript only divides and rounds,
 * exactly as processor/core/summary.ts does, so counts and means agree exactly with the core and
 * percentiles within the core's DDSketch accuracy (1 %).
 *
 * The window, in event time (docs/pipeline.md "deskpulse report"):
 * - `from` keeps the conversations opened at or after it (with their timings and outcomes,
 *   whenever those fell) and the events at or after it (messages).
 * - `until` (default: the newest stored event, as replay's default) keeps the conversations
 *   opened at or before it, and counts a fact whose moment the rows carry only when that moment
 *   is at or before it: first resolution, FRT and service level (first human reply), time to
 *   assignment, bot first response and bot conversations (opening + duration), the full
 *   resolution (one per conversation: its latest by `until`, opening + duration), handoffs,
 *   containment (first resolution), escalations (`escalations.fired_at`, net of retractions),
 *   FCR verdicts (last resolution + repeat_window), messages (`events.at`). NRT samples have no moment in a conversation row:
 *   for an `until` before the newest event they come from `kpi_minute` (whole minutes from
 *   `from` to `until`, by the reply's time, whichever conversation). Facts with no moment in the
 *   rows (reopened, CSAT, categories, sentiment, business-hours NRT) are what the rows say now
 *   about the window's conversations; `missed` counts only windows closed by `until` (a chat
 *   whose customer wrote again after a miss is missed later than it was).
 * - Point-in-time figures (open, backlog, oldest waiting, window closing soon) are every open
 *   conversation as its row was last written, whatever the window: the store keeps the newest
 *   state, not a history of states. They hold at `as_of` (returned beside `until`): the later of
 *   `until` and the newest stored event. `fcr.pending`: the window's conversations resolved
 *   explicitly by `until`, not reopened since (as the rows say), with no verdict by `until`.
 *
 * With neither bound, on the rows of a replay, every figure equals the replay's (percentiles
 * within the sketch's 1 %); test/integration/report.test.ts checks it.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../schemas/config.js'
import type { SlaSummary, Summary, Timing } from '../schemas/summary.js'
import { DEFAULT_POLICY, SLA_TARGETS } from '../schemas/sla-config.js'

export interface ReportWindow {
  /** ms since the epoch: conversations opened (and events) at or after it. */
  from?: number
  /** ms since the epoch: the end of the report (default: the newest stored event). */
  until?: number
}

export type Report = Summary & Record<string, unknown>

/** As processor/core/summary.ts rounds. */
const round = (x: number | null, digits = 3) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits)
/** DateTime64(3, 'UTC') text for a query parameter. */
const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

/**
 * Nearest rank (docs/kpis.md "Aggregation rules"): the ⌈q·n⌉-th smallest of the exactly sorted
 * samples, 1-based as ClickHouse arrays are; the core's DDSketch asks for the same rank
 * (processor/core/timing.ts nearestRankIndex), up to its 1 % bucket accuracy. ClickHouse's own
 * quantileExact* functions interpolate or take ⌊q·n⌋, not this rank. The epsilon is the core's.
 */
const pct = (sorted: string, q: number) => `if(length(${sorted}) = 0, NULL, ${sorted}[greatest(toUInt64(1), toUInt64(ceil(${q} * length(${sorted}) - 1e-9)))])`

/** Columns of a timing from the sorted array `${name}_s`. */
const timingColumns = (name: string) =>
  [`length(${name}_s) AS ${name}_n`, `arraySum(${name}_s) AS ${name}_sum`, `${pct(`${name}_s`, 0.5)} AS ${name}_p50`, `${pct(`${name}_s`, 0.9)} AS ${name}_p90`, `${pct(`${name}_s`, 0.99)} AS ${name}_p99`].join(', ')

/** The timing object of schemas/summary.ts (mean unrounded, as the core's TimingStat). */
function timingOf(row: Record<string, unknown>, name: string): Timing {
  const n = Number(row[`${name}_n`])
  if (!n) return { count: 0, mean: null, p50: null, p90: null, p99: null }
  return { count: n, mean: Number(row[`${name}_sum`]) / n, p50: Number(row[`${name}_p50`]), p90: Number(row[`${name}_p90`]), p99: Number(row[`${name}_p99`]) }
}

const TIMINGS = ['frt', 'frt_business', 'nrt', 'nrt_business', 'assignment', 'resolution', 'full_resolution', 'bot_first'] as const

// Expressions over one `conversations` row. `opened_ms` + a duration in seconds gives the moment
// a sample was taken (durations are whole ms / 1000, so the rounding gives the moment back).
const WINDOW = `opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at <= {until:DateTime64(3, 'UTC')}`
const UNTIL = `{until:DateTime64(3, 'UTC')}`
/** The moment an FCR verdict falls: repeat_window after the (last) resolution. */
const VERDICT_MS = `toUnixTimestamp64Milli(assumeNotNull(resolved_at)) + {repeat_ms:Float64}`
const atOrBeforeUntil = (secondsExpr: string) => `toUnixTimestamp64Milli(opened_at) + toInt64(round(${secondsExpr} * 1000)) <= {until_ms:Int64}`

/** A row's full resolutions whose moment is at or before `until`. */
const FULL_BY_UNTIL = `arrayFilter(x -> ${atOrBeforeUntil('x')}, full_resolution_seconds)`

/** The sorted samples of each timing; NRT comes from kpi_minute when `nrtFromMinutes`. */
function samplesSql(nrtFromMinutes: boolean): string {
  const scalar = (column: string, momentOk: string) => `arraySort(groupArrayIf(assumeNotNull(${column}), ${column} IS NOT NULL AND ${momentOk}))`
  const samples: Record<(typeof TIMINGS)[number], string> = {
    frt: scalar('frt_seconds', `assumeNotNull(first_human_at) <= ${UNTIL}`),
    frt_business: scalar('frt_business_seconds', `assumeNotNull(first_human_at) <= ${UNTIL}`),
    // Every partition's cells (kpi_minute is per stream partition) together.
    nrt: nrtFromMinutes ? `(SELECT arraySort(arrayMap(x -> toFloat64(x), groupArrayArray(nrt_samples))) FROM kpi_minute FINAL WHERE toDateTime64(minute, 3, 'UTC') >= {from:DateTime64(3, 'UTC')} AND toDateTime64(minute, 3, 'UTC') + INTERVAL 60 SECOND <= ${UNTIL})` : 'arraySort(groupArrayArray(nrt_seconds))',
    nrt_business: 'arraySort(groupArrayArray(nrt_business_seconds))',
    assignment: scalar('assignment_seconds', `assumeNotNull(first_assigned_at) <= ${UNTIL}`),
    resolution: scalar('resolution_seconds', `assumeNotNull(first_resolved_at) <= ${UNTIL}`),
    // One sample per conversation (docs/kpis.md "Timings"): its latest resolution by `until`. The row
    // keeps every resolution in order; arrayElement(…, -1) is the last.
    full_resolution: `arraySort(groupArrayIf(arrayElement(${FULL_BY_UNTIL}, -1), notEmpty(${FULL_BY_UNTIL})))`,
    bot_first: scalar('bot_first_seconds', atOrBeforeUntil('assumeNotNull(bot_first_seconds)')),
  }
  return TIMINGS.map((name) => `${samples[name]} AS ${name}_s`).join(',\n      ')
}

/** One row of aggregates over the conversations of the window; timings as sorted samples, then their figures. */
function conversationsQuery(nrtFromMinutes: boolean): string {
  const counts = `
  count() AS a_opened,
  countIf(first_resolved_at IS NOT NULL AND assumeNotNull(first_resolved_at) <= ${UNTIL}) AS a_resolved,
  countIf(reopened = 1) AS a_reopened,
  sum(warnings) AS a_warnings,
  sum(breaches) AS a_breaches,
  countIf(csat IS NOT NULL) AS a_csat_responses,
  countIf(csat = 1) AS a_csat_1, countIf(csat = 2) AS a_csat_2, countIf(csat = 3) AS a_csat_3, countIf(csat = 4) AS a_csat_4, countIf(csat = 5) AS a_csat_5,
  sumIf(assumeNotNull(csat), csat IS NOT NULL) AS a_csat_sum,
  countIf(bot_answered = 1 AND bot_first_seconds IS NOT NULL AND ${atOrBeforeUntil('assumeNotNull(bot_first_seconds)')}) AS a_bot_conversations,
  countIf(contained = 1 AND first_resolved_at IS NOT NULL AND assumeNotNull(first_resolved_at) <= ${UNTIL}) AS a_bot_contained,
  countIf(handed_off = 1 AND handoff_at IS NOT NULL AND assumeNotNull(handoff_at) <= ${UNTIL}) AS a_bot_handoffs,
  countIf(fcr_pending = 1 AND resolved_at IS NOT NULL AND assumeNotNull(resolved_at) <= ${UNTIL}
    AND (conversation_id NOT IN (SELECT conversation_id FROM fcr_verdicts FINAL) OR ${VERDICT_MS} > {until_ms:Int64})) AS a_fcr_pending,
  countIf(frt_seconds IS NOT NULL AND assumeNotNull(first_human_at) <= ${UNTIL} AND assumeNotNull(frt_seconds) <= {frt_target:Float64}) AS a_frt_within_target,
  countIf(missed = 1 AND ({cut:UInt8} = 0 OR toUnixTimestamp64Milli(last_customer_at) + {window_ms:Float64} <= {until_ms:Int64})) AS a_missed,
  sum(sentiment_count) AS a_sentiment_messages,
  sum(sentiment_sum) AS a_sentiment_sum,
  sum(negative_messages) AS a_negative_messages,
  ${samplesSql(nrtFromMinutes)}`
  const outer = ['* EXCEPT (' + TIMINGS.map((n) => `${n}_s`).join(', ') + ')', ...TIMINGS.map(timingColumns)].join(',\n  ')
  return `SELECT ${outer}\nFROM (SELECT ${counts}\n  FROM conversations FINAL WHERE ${WINDOW})`
}

/**
 * The backlog as the rows were last written (every open conversation, whatever the window):
 * the state at `as_of`.
 */
const POINT_IN_TIME_SQL = `
SELECT
  count() AS a_open,
  countIf(state = 'bot') AS a_backlog_bot,
  countIf(state = 'unassigned') AS a_backlog_unassigned,
  countIf(state = 'awaiting_agent') AS a_backlog_awaiting_agent,
  countIf(state = 'awaiting_customer') AS a_backlog_awaiting_customer,
  countIf(waiting_since IS NOT NULL) AS a_waiting,
  minIf(toUnixTimestamp64Milli(assumeNotNull(waiting_since)), waiting_since IS NOT NULL) AS a_oldest_waiting_ms,
  countIf(waiting_since IS NOT NULL
    AND toUnixTimestamp64Milli(last_customer_at) + {window_ms:Float64} > {as_of_ms:Int64}
    AND toUnixTimestamp64Milli(last_customer_at) + {window_ms:Float64} - {as_of_ms:Int64} <= {soon_ms:Float64}) AS a_window_closing_soon
FROM conversations FINAL WHERE open = 1`

/** FCR verdicts that fell by `until`, of conversations of the window. */
const VERDICTS_SQL = `
SELECT count() AS a_final, sum(fcr) AS a_fcr FROM fcr_verdicts FINAL
WHERE conversation_id IN (
  SELECT conversation_id FROM conversations FINAL
  WHERE ${WINDOW} AND resolved_at IS NOT NULL AND ${VERDICT_MS} <= {until_ms:Int64})`

/** Net escalations fired by `until` (a retracted one never happened), for an `until` before the data's end. */
const ESCALATIONS_SQL = `
SELECT countIf(level = 'warning') AS a_warnings, countIf(level = 'breach') AS a_breaches FROM escalations FINAL
WHERE outcome != 'retracted' AND fired_at <= ${UNTIL}
  AND conversation_id IN (SELECT conversation_id FROM conversations FINAL WHERE ${WINDOW})`

/** Messages in and out: one stored event each (replacing on the event id, so duplicates count once). */
const MESSAGES_SQL = `
SELECT countIf(kind = 'message.in') AS a_in, countIf(kind = 'message.out') AS a_out FROM events FINAL
WHERE kind IN ('message.in', 'message.out') AND at >= {from:DateTime64(3, 'UTC')} AND at <= ${UNTIL}`

/** SLA outcomes decided by `until`, of conversations of the window (docs/sla.md "Outcomes"). */
const SLA_OUTCOMES_SQL = `
SELECT policy, target, countIf(outcome = 'hit') AS hit, countIf(outcome = 'missed') AS missed FROM sla_outcomes FINAL
WHERE decided_at <= ${UNTIL} AND conversation_id IN (SELECT conversation_id FROM conversations FINAL WHERE ${WINDOW})
GROUP BY policy, target`

/**
 * SLA targets running and misses not yet logged, as the open conversations' rows were last
 * written (point in time, like the backlog).
 */
const SLA_ACTIVE_SQL = `
SELECT sla_policy AS policy, p.2 AS target, countIf(p.1 = 'active') AS active, countIf(p.1 = 'missed') AS pending
FROM conversations FINAL
ARRAY JOIN arrayConcat(arrayMap(x -> ('active', x), sla_active), arrayMap(x -> ('missed', x), sla_missed)) AS p
WHERE open = 1
GROUP BY policy, target`

const CATEGORIES_SQL = `
SELECT category, count() AS n FROM conversations FINAL WHERE ${WINDOW} GROUP BY category ORDER BY category`

/** The newest stored event: the default `until`, and the moment the rows' state holds. */
const LATEST_SQL = `
SELECT
  (SELECT count() FROM events) AS events,
  (SELECT toUnixTimestamp64Milli(max(at)) FROM events) AS events_ms,
  (SELECT count() FROM conversations) AS conversations,
  (SELECT toUnixTimestamp64Milli(max(last_message_at)) FROM conversations) AS conversations_ms`

type Row = Record<string, unknown>

async function one(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<Row> {
  const rows = await all(client, query, params)
  return rows[0] ?? {}
}

async function all(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<Row[]> {
  const res = await client.query({ query, query_params: params, format: 'JSONEachRow' })
  return res.json<Row>()
}

/** The summary's `sla` object from the outcome and active rows: every configured policy and default. */
function slaOf(config: Config, outcomes: Row[], active: Row[]): SlaSummary {
  const names = [...new Set([...config.sla.policies.map((p) => p.name), DEFAULT_POLICY, ...outcomes.map((r) => String(r.policy)), ...active.map((r) => String(r.policy))])]
  const pick = (rows: Row[], policy: string, target: string, column: string) => Number(rows.find((r) => r.policy === policy && r.target === target)?.[column] ?? 0)
  return Object.fromEntries(
    names.map((policy) => [
      policy,
      Object.fromEntries(SLA_TARGETS.map((target) => [target, { hit: pick(outcomes, policy, target, 'hit'), missed: pick(outcomes, policy, target, 'missed') + pick(active, policy, target, 'pending'), active: pick(active, policy, target, 'active') }])) as SlaSummary[string],
    ]),
  )
}

/** The newest event time in the store (ms), or null when it holds nothing. */
export async function latestInStore(client: ClickHouseClient): Promise<number | null> {
  const r = await one(client, LATEST_SQL)
  if (Number(r.events) > 0) return Number(r.events_ms)
  if (Number(r.conversations) > 0) return Number(r.conversations_ms)
  return null
}

/**
 * The summary of docs/architecture.md from the store alone, over `window` (see the top of this file
 * for what `from` and `until` select). Keys beyond the minimum: the extras the conversation
 * rows allow (missed, window closing soon, business-hours and full-resolution timings, bot first
 * response, CSAT distribution, FCR %, categories, sentiment) and `as_of`.
 */
export async function reportFromStore(client: ClickHouseClient, config: Config, window: ReportWindow = {}): Promise<Report> {
  const th = config.thresholds
  const latest = await latestInStore(client)
  const until = window.until ?? latest ?? Date.now()
  const from = window.from ?? 0
  const asOf = Math.max(until, latest ?? until)
  // An `until` before the newest stored event: facts must be picked by their moment.
  const cut = latest !== null && until < latest
  const params = {
    from: ts(from),
    until: ts(until),
    until_ms: until,
    cut: cut ? 1 : 0,
    as_of_ms: asOf,
    frt_target: th.frt_target,
    window_ms: th.service_window * 1000,
    soon_ms: th.window_closing_soon * 1000,
    repeat_ms: th.repeat_window * 1000,
  }
  const [c, now, verdicts, messages, categoryRows, escalations, slaOutcomes, slaActive] = await Promise.all([
    one(client, conversationsQuery(cut), params),
    one(client, POINT_IN_TIME_SQL, params),
    one(client, VERDICTS_SQL, params),
    one(client, MESSAGES_SQL, params),
    all(client, CATEGORIES_SQL, params),
    cut ? one(client, ESCALATIONS_SQL, params) : Promise.resolve(null),
    all(client, SLA_OUTCOMES_SQL, params),
    all(client, SLA_ACTIVE_SQL, params),
  ])
  const n = (k: string, r: Row = c) => Number(r[`a_${k}`] ?? 0)
  const csat = [0, 1, 2, 3, 4, 5].map((s) => n(`csat_${s}`))
  const csatResponses = n('csat_responses')
  const frt = timingOf(c, 'frt')
  const fcrFinal = n('final', verdicts)
  const fcrYes = n('fcr', verdicts)
  const sentimentMessages = n('sentiment_messages')
  const categorised = categoryRows.filter((r) => r.category !== '' && Number(r.n) > 0)
  const uncategorised = Number(categoryRows.find((r) => r.category === '')?.n ?? 0)
  return {
    until: new Date(until).toISOString(),
    as_of: new Date(asOf).toISOString(),
    conversations: { opened: n('opened'), resolved: n('resolved'), open: n('open', now), reopened: n('reopened') },
    messages: { in: n('in', messages), out: n('out', messages) },
    backlog: { bot: n('backlog_bot', now), unassigned: n('backlog_unassigned', now), awaiting_agent: n('backlog_awaiting_agent', now), awaiting_customer: n('backlog_awaiting_customer', now) },
    oldest_waiting_seconds: n('waiting', now) ? Math.max(0, (asOf - n('oldest_waiting_ms', now)) / 1000) : null,
    first_response_seconds: frt,
    next_response_seconds: timingOf(c, 'nrt'),
    assignment_seconds: timingOf(c, 'assignment'),
    resolution_seconds: timingOf(c, 'resolution'),
    escalations: escalations ? { warnings: n('warnings', escalations), breaches: n('breaches', escalations) } : { warnings: n('warnings'), breaches: n('breaches') },
    csat: {
      responses: csatResponses,
      percent: csatResponses ? round((100 * (csat[4]! + csat[5]!)) / csatResponses) : null,
      mean: csatResponses ? round(n('csat_sum') / csatResponses) : null,
    },
    bot: { conversations: n('bot_conversations'), contained: n('bot_contained'), handoffs: n('bot_handoffs') },
    fcr: { final: fcrFinal, fcr: fcrYes, pending: n('fcr_pending') },
    service_level: frt.count ? round(n('frt_within_target') / frt.count, 4) : null,
    missed: n('missed'),
    window_closing_soon: n('window_closing_soon', now),
    sla: slaOf(config, slaOutcomes, slaActive),
    first_response_business_seconds: timingOf(c, 'frt_business'),
    next_response_business_seconds: timingOf(c, 'nrt_business'),
    full_resolution_seconds: timingOf(c, 'full_resolution'),
    bot_first_response_seconds: timingOf(c, 'bot_first'),
    csat_distribution: Object.fromEntries([1, 2, 3, 4, 5].map((s) => [s, csat[s]])),
    fcr_percent: fcrFinal ? round((100 * fcrYes) / fcrFinal) : null,
    categories: Object.fromEntries(categorised.map((r) => [String(r.category), Number(r.n)] as [string, number]).concat([['uncategorised', uncategorised]])),
    sentiment: {
      scored_messages: sentimentMessages,
      mean: sentimentMessages ? round(n('sentiment_sum') / sentimentMessages) : null,
      negative_messages: n('negative_messages'),
    },
  }
}
