import t from 'tap'
import { jetstreamManager } from '@nats-io/jetstream'
import { startClickHouse, startNats } from '../helpers/harness.js'
import { seedCustomer, physicalRows, visibleRows } from '../helpers/customer-rows.js'
import { countCustomerRows, customerStreamSeqs, eraseCustomer } from '../../store/erase.js'
import { eraseFromStream } from '../../bus/erase.js'
import { customerKeys } from '../../cli/erase-command.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import { STREAM } from '../../bus/stream.js'

const PII = 'erase-test-pii-key-0123456789'
const LINE = '106540352242922'

t.test('the keys of a customer are the ingest’s keys, for the wa_id as typed and as digits', async (t) => {
  const keyer = createCustomerKeyer(PII)
  t.same(customerKeys(PII, LINE, '393331234567'), [keyer(LINE, '393331234567')])
  t.same(customerKeys(PII, LINE, '+39 333 123-4567'), [keyer(LINE, '+39 333 123-4567'), keyer(LINE, '393331234567')])
  t.same(customerKeys(PII, LINE, 'US.13491208655302741918'), [keyer(LINE, 'US.13491208655302741918')], 'a user id is kept as given')
  t.not(customerKeys(PII, LINE, '393331234567')[0], customerKeys(PII, '999', '393331234567')[0], 'one number on two lines is two customers')
})

t.test('erasing a customer removes its rows from every table and its messages from the stream, and nothing else', async (t) => {
  const ch = await startClickHouse(t)
  const nats = await startNats(t)
  const [a] = customerKeys(PII, LINE, '393331234567')
  const [b] = customerKeys(PII, LINE, '393339999999')
  const seededA = await seedCustomer(ch.client, { customer: a!, line: LINE, tag: 'a', nc: nats.nc })
  const seededB = await seedCustomer(ch.client, { customer: b!, line: LINE, tag: 'b', nc: nats.nc })
  await ch.client.insert({ table: 'kpi_minute', values: [{ minute: new Date().toISOString().slice(0, 16).replace('T', ' ') + ':00', line: LINE, team: 'general', opened: 2, version: 1 }], format: 'JSONEachRow' })

  const beforeA = await visibleRows(ch.client, a!)
  t.same(beforeA, seededA.expected, 'the seeded rows, as the reports see them')
  const beforeB = await physicalRows(ch.client, b!)
  t.same(await countCustomerRows(ch.client, [a!]), beforeA, 'countCustomerRows agrees with an independent count')

  const seqs = await customerStreamSeqs(ch.client, [a!])
  t.same(seqs, seededA.seqs, 'the stream sequences of the customer’s events')
  // A sequence of another customer's message is left alone even when asked for.
  const stream = await eraseFromStream(nats.nc, [...seqs, seededB.seqs[0]!, 9_999], [a!])
  t.same(stream, { deleted: 3, absent: 1, skipped: 1 })
  const jsm = await jetstreamManager(nats.nc)
  for (const seq of seededA.seqs) t.equal(await jsm.streams.getMessage(STREAM, { seq }), null, `stream message ${seq} is gone`)
  for (const seq of seededB.seqs) t.ok(await jsm.streams.getMessage(STREAM, { seq }), `the other customer's message ${seq} stays`)

  const result = await eraseCustomer(ch.client, [a!])
  t.same(result.counts, beforeA, 'the counts returned are the rows there were')
  t.equal(result.total, 9)
  t.same(await physicalRows(ch.client, a!), { events: 0, conversations: 0, fcr_verdicts: 0, escalations: 0, sla_outcomes: 0 }, 'no row of the customer is left, in any version')
  t.same(await physicalRows(ch.client, b!), beforeB, 'the other customer keeps every row')
  const kpi = await (await ch.client.query({ query: 'SELECT sum(opened) AS n FROM kpi_minute FINAL', format: 'JSONEachRow' })).json<{ n: string }>()
  t.equal(Number(kpi[0]!.n), 2, 'the rollups (no personal data) keep counting the conversations')

  const again = await eraseCustomer(ch.client, [a!])
  t.same(again, { counts: { events: 0, conversations: 0, fcr_verdicts: 0, escalations: 0, sla_outcomes: 0 }, total: 0 }, 'a second erasure finds nothing')
})
