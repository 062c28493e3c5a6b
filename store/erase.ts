/**
 * Right to erasure: every ClickHouse row of one customer. Customers are stored only as their
 * keyed hash (ingest/pii.ts), so the caller passes the hashes, never a phone number.
 *
 * Counts are of rows as the reports see them (FINAL: a conversation written in several versions
 * is one row). The deletion is `ALTER TABLE … DELETE` with `mutations_sync = 2`: the parts holding
 * the rows are rewritten without them (not merely masked, as a lightweight DELETE would) and the
 * statement returns once that is done on every replica, so the confirmation is true when printed.
 * The rollups (kpi_minute, agent_minute) hold no customer and keep counting the conversations.
 */
import type { ClickHouseClient } from '@clickhouse/client'

/** The tables with a `customer` column. */
export const CUSTOMER_TABLES = ['events', 'conversations', 'fcr_verdicts', 'escalations', 'sla_outcomes'] as const
export type CustomerTable = (typeof CUSTOMER_TABLES)[number]
export type CustomerCounts = Record<CustomerTable, number>

const total = (c: CustomerCounts) => CUSTOMER_TABLES.reduce((n, t) => n + c[t], 0)

async function countIn(client: ClickHouseClient, table: CustomerTable, customers: readonly string[], final: boolean): Promise<number> {
  const res = await client.query({
    query: `SELECT count() AS n FROM ${table}${final ? ' FINAL' : ''} WHERE customer IN {customers:Array(String)}`,
    query_params: { customers },
    format: 'JSONEachRow',
  })
  return Number((await res.json<{ n: string }>())[0]?.n ?? 0)
}

async function countAll(client: ClickHouseClient, customers: readonly string[], final: boolean): Promise<CustomerCounts> {
  const counts = {} as CustomerCounts
  for (const table of CUSTOMER_TABLES) counts[table] = customers.length ? await countIn(client, table, customers, final) : 0
  return counts
}

/** The customer's rows per table, as the reports see them. */
export const countCustomerRows = (client: ClickHouseClient, customers: readonly string[]) => countAll(client, customers, true)

/** JetStream sequences of the customer's stored events (to delete the stream's copies). */
export async function customerStreamSeqs(client: ClickHouseClient, customers: readonly string[]): Promise<number[]> {
  if (!customers.length) return []
  const res = await client.query({
    query: 'SELECT DISTINCT stream_seq FROM events WHERE customer IN {customers:Array(String)} AND stream_seq > 0 ORDER BY stream_seq',
    query_params: { customers },
    format: 'JSONEachRow',
  })
  return (await res.json<{ stream_seq: string | number }>()).map((r) => Number(r.stream_seq))
}

export interface ErasureResult {
  /** Rows erased per table (counted just before the deletion). */
  counts: CustomerCounts
  total: number
}

export class ErasureError extends Error {
  readonly code = 'DESKPULSE_ERR_ERASE'
}

/**
 * Deletes the customer's rows from every table and checks that none is left (a processor writing
 * the customer's conversation during the erasure would leave one: the error says so).
 */
export async function eraseCustomer(client: ClickHouseClient, customers: readonly string[]): Promise<ErasureResult> {
  const counts = await countCustomerRows(client, customers)
  if (customers.length === 0) return { counts, total: 0 }
  // Physical rows (older versions not merged yet) are what must go; a table without any is
  // left alone, which spares a mutation.
  const physical = await countAll(client, customers, false)
  for (const table of CUSTOMER_TABLES) {
    if (physical[table] === 0) continue
    await client.command({
      query: `ALTER TABLE ${table} DELETE WHERE customer IN {customers:Array(String)}`,
      query_params: { customers },
      clickhouse_settings: { mutations_sync: '2' },
    })
  }
  const left = await countAll(client, customers, false)
  const remaining = CUSTOMER_TABLES.filter((t) => left[t] > 0)
  if (remaining.length) {
    throw new ErasureError(`rows of the customer remain after the deletion (${remaining.map((t) => `${t} ${left[t]}`).join(', ')}): a processor wrote them meanwhile; run the erasure again`)
  }
  return { counts, total: total(counts) }
}
