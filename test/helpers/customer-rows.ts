/**
 * One customer's rows in every ClickHouse table (and, given a NATS connection, the customer's
 * events in the DESKPULSE stream), for the erasure tests. Some rows are written twice, as the
 * processor does (a redelivered event, a conversation in two versions), so physical rows and the
 * rows the reports see differ.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { NatsConnection } from '@nats-io/transport-node'
import { jetstream } from '@nats-io/jetstream'
import { subjectFor } from '../../bus/subjects.js'

export interface SeededCustomer {
  /** Rows per table as the reports see them (FINAL). */
  expected: { events: number; conversations: number; fcr_verdicts: number; escalations: number; sla_outcomes: number }
  /** Stream sequences of the customer's events (synthetic without a NATS connection). */
  seqs: number[]
}

const ch = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

export async function seedCustomer(
  client: ClickHouseClient,
  o: { customer: string; line: string; tag: string; nc?: NatsConnection; seqBase?: number },
): Promise<SeededCustomer> {
  // Recent times: the default retention (30 days of events) must not take them.
  const t0 = Date.now() - 3_600_000
  const at = (s: number) => ch(t0 + s * 1000)
  const ids = [1, 2, 3].map((i) => `api:${o.tag}-e${i}`)
  let seqs: number[]
  if (o.nc) {
    const js = jetstream(o.nc)
    seqs = []
    for (const [i, id] of ids.entries()) {
      const event = { v: 1, id, kind: 'message.in', at: new Date(t0 + i * 1000).toISOString(), line: o.line, customer: o.customer }
      seqs.push((await js.publish(subjectFor(0, 'message.in'), JSON.stringify(event), { msgID: id })).seq)
    }
  } else {
    seqs = ids.map((_, i) => (o.seqBase ?? 1000) + i)
  }
  const events = ids.map((id, i) => ({ event_id: id, kind: 'message.in', at: at(i), received_at: at(i), source: 'api', line: o.line, customer: o.customer, stream_seq: seqs[i], payload: '{}' }))
  await client.insert({ table: 'events', values: [...events, events[0]], format: 'JSONEachRow' })
  const conv = (id: string, version: number) => ({ conversation_id: `${o.tag}-${id}`, line: o.line, customer: o.customer, team: 'general', opened_at: at(0), last_customer_at: at(0), last_message_at: at(0), open: 1, state: 'awaiting_agent', version })
  await client.insert({ table: 'conversations', values: [conv('c1', 1), conv('c1', 2), conv('c2', 1)], format: 'JSONEachRow' })
  await client.insert({ table: 'fcr_verdicts', values: [{ conversation_id: `${o.tag}-c0`, line: o.line, customer: o.customer, fcr: 1, version: 1 }], format: 'JSONEachRow' })
  const esc = (level: string) => ({ conversation_id: `${o.tag}-c1`, line: o.line, customer: o.customer, team: 'general', level, waiting_since: at(0), fired_at: at(240), outcome: 'firing', version: 1 })
  await client.insert({ table: 'escalations', values: [esc('warning'), esc('breach')], format: 'JSONEachRow' })
  await client.insert({ table: 'sla_outcomes', values: [{ conversation_id: `${o.tag}-c1`, line: o.line, customer: o.customer, team: 'general', policy: 'default', target: 'first_response', outcome: 'missed', decided_at: at(60), version: 1 }], format: 'JSONEachRow' })
  return { expected: { events: 3, conversations: 2, fcr_verdicts: 1, escalations: 2, sla_outcomes: 1 }, seqs }
}

/** Physical rows of one customer per table (no FINAL). */
export async function physicalRows(client: ClickHouseClient, customer: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const table of ['events', 'conversations', 'fcr_verdicts', 'escalations', 'sla_outcomes']) {
    const r = await client.query({ query: `SELECT count() AS n FROM ${table} WHERE customer = {c:String}`, query_params: { c: customer }, format: 'JSONEachRow' })
    out[table] = Number((await r.json<{ n: string }>())[0]!.n)
  }
  return out
}

/** Rows as the reports see them (FINAL), counted here apart from store/erase.ts. */
export async function visibleRows(client: ClickHouseClient, customer: string): Promise<Record<string, number>> {
  const r = await client.query({
    query: `SELECT
      (SELECT count() FROM events FINAL WHERE customer = {c:String}) AS events,
      (SELECT count() FROM conversations FINAL WHERE customer = {c:String}) AS conversations,
      (SELECT count() FROM fcr_verdicts FINAL WHERE customer = {c:String}) AS fcr_verdicts,
      (SELECT count() FROM escalations FINAL WHERE customer = {c:String}) AS escalations,
      (SELECT count() FROM sla_outcomes FINAL WHERE customer = {c:String}) AS sla_outcomes`,
    query_params: { c: customer },
    format: 'JSONEachRow',
  })
  const row = (await r.json<Record<string, string>>())[0]!
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]))
}
