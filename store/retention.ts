/**
 * Retention (config `retention`): a table TTL per ClickHouse table, so old rows are dropped by
 * ClickHouse's own merges. Applied after the migrations by `deskpulse migrate` and at start-up.
 *
 * Idempotent and cheap when nothing changed: the TTL a table has (system.tables) is compared with
 * the one configured and the table is altered only when they differ. An ALTER … MODIFY TTL also
 * schedules ClickHouse's MATERIALIZE TTL for the parts already written (in the background).
 *
 * `fcr_verdicts` has no time column and gets no TTL: its rows are a conversation id, a line, the
 * keyed customer hash and one flag; `deskpulse erase` removes a customer's verdicts.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../schemas/config.js'

export type RetentionConfig = Config['retention']

export interface RetentionRule {
  table: string
  /** The time the age is measured from, as a DateTime expression. */
  time: string
  days: (r: RetentionConfig) => number
}

export const RETENTION_RULES: readonly RetentionRule[] = [
  { table: 'events', time: 'toDateTime(at)', days: (r) => r.events_days },
  { table: 'conversations', time: 'toDateTime(opened_at)', days: (r) => r.conversations_days },
  { table: 'kpi_minute', time: 'minute', days: (r) => r.rollups_days },
  { table: 'agent_minute', time: 'minute', days: (r) => r.rollups_days },
  { table: 'escalations', time: 'toDateTime(waiting_since)', days: (r) => r.rollups_days },
  { table: 'sla_outcomes', time: 'toDateTime(decided_at)', days: (r) => r.rollups_days },
]

/**
 * The TTL expression of a rule, written as ClickHouse prints it back in `engine_full`
 * (`INTERVAL 30 DAY` is shown as `toIntervalDay(30)`), so the two compare as strings.
 */
export const ttlExpression = (rule: RetentionRule, days: number): string => `${rule.time} + toIntervalDay(${days})`

export interface RetentionChange {
  table: string
  /** The TTL now in force; null: none (kept for ever). */
  ttl: string | null
  /** Whether the table was altered by this call. */
  changed: boolean
}

/** The table TTL in a system.tables `engine_full`, or null. */
export function ttlOfEngine(engineFull: string): string | null {
  const m = / TTL (.+?)(?: SETTINGS |$)/.exec(engineFull)
  return m ? m[1]!.trim() : null
}

async function currentTtls(client: ClickHouseClient): Promise<Map<string, string | null>> {
  const res = await client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {tables:Array(String)}',
    query_params: { tables: RETENTION_RULES.map((r) => r.table) },
    format: 'JSONEachRow',
  })
  const rows = await res.json<{ name: string; engine_full: string }>()
  return new Map(rows.map((r) => [r.name, ttlOfEngine(r.engine_full)]))
}

/** Sets (or removes, for 0 days) each table's TTL from the configuration; returns what is in force. */
export async function applyRetention(client: ClickHouseClient, config: { retention: RetentionConfig }): Promise<RetentionChange[]> {
  const current = await currentTtls(client)
  const out: RetentionChange[] = []
  for (const rule of RETENTION_RULES) {
    if (!current.has(rule.table)) throw new Error(`retention: table ${rule.table} does not exist (run the migrations first)`)
    const days = rule.days(config.retention)
    const want = days > 0 ? ttlExpression(rule, days) : null
    const have = current.get(rule.table) ?? null
    if (want === have) {
      out.push({ table: rule.table, ttl: have, changed: false })
      continue
    }
    // Identifiers and days come from this module and the validated config, never from a caller.
    const query = want === null ? `ALTER TABLE ${rule.table} REMOVE TTL` : `ALTER TABLE ${rule.table} MODIFY TTL ${want}`
    await client.command({ query })
    out.push({ table: rule.table, ttl: want, changed: true })
  }
  return out
}
