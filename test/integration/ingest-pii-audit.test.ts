/**
 * Privacy audit of the ingest (issue 14): no phone number, in any form, at rest in NATS. Every
 * real fixture is POSTed signed, the Twilio and 360dialog fixtures through their own routes, and
 * helpdesk events carrying the fixtures' numbers and wamids; then every stream message (subject,
 * headers, data) and every file of the NATS store directory is searched for every number in
 * digits and base64, and for every wamid and Twilio SID.
 */
import t from 'tap'
import { createHmac } from 'node:crypto'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import { startIngest, bearer } from '../helpers/ingest.js'
import { postSigned, TEST_PII_KEY } from '../helpers/webhooks.js'
import { loadFixtures } from '../helpers/fixtures.js'
import { phoneDataOf, phoneForms, filesUnder, findAny } from '../helpers/phone-forms.js'
import { STREAM } from '../../bus/stream.js'
import { dialog360Fixture, dialog360FixtureNames, postDialog360 } from '../helpers/dialog360.js'
import { postTwilio, twilioFixture, twilioFixtureNames } from '../helpers/twilio.js'
import { CHATWOOT_FIXTURES_DIR, chatwootFixture, chatwootIngestOptions, postChatwoot } from '../helpers/chatwoot.js'
import { readdirSync } from 'node:fs'

const payloads = loadFixtures().flatMap(({ file, raw }) => {
  try {
    return [{ file, raw, json: JSON.parse(raw.toString()) as unknown }]
  } catch {
    return []
  }
})
// The other providers' fixtures: 360dialog's are Meta's payloads; Twilio's are forms whose
// numbers are `whatsapp:+` addresses and whose SIDs are stored keyed like wamids.
const dialog360 = dialog360FixtureNames().filter((f) => f.startsWith('cloud-')).map((file) => ({ file, raw: dialog360Fixture(file) }))
const twilio = twilioFixtureNames().map((file) => ({ file, params: twilioFixture(file) }))
const twilioNumbers = twilio.flatMap(({ params }) => [params.From, params.To, params.WaId].filter((a): a is string => !!a).map((a) => a.replace(/^whatsapp:\+/, '')))
const twilioSids = twilio.flatMap(({ params }) => Object.entries(params).filter(([k]) => k.endsWith('Sid')).map(([, v]) => v))
// Chatwoot's: the contact's phone_number and its wa_id (contact_inbox.source_id), wamids as source_id.
const chatwoot = readdirSync(CHATWOOT_FIXTURES_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => ({ file, raw: chatwootFixture(file) }))
const meta = phoneDataOf([...payloads.map((p) => p.json), ...dialog360.map((p) => JSON.parse(p.raw) as unknown), ...chatwoot.map((p) => JSON.parse(p.raw.toString()) as unknown)])
const numbers = [...new Set([...meta.numbers, ...twilioNumbers])].sort()
const metaIds = meta.metaIds
const forms = phoneForms(numbers)
const needles = [...forms, ...metaIds.filter((id) => id.length >= 12), ...new Set(twilioSids)]
const mid = (id: string) => createHmac('sha256', TEST_PII_KEY).update(`\u0000message-id:${id}`).digest('hex')

/** The wamid of the audit's status/message.sent match, and its number (fixture file names it). */
const MATCH_WAMID = 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA='
/** Not in any fixture: published raw as a canary, to prove the search sees stored bytes. */
const CANARY = '19998887766'

t.test('no phone number in any form in the NATS stream, its files, or any ClickHouse table', async (t) => {
  t.ok(numbers.length >= 15, `the fixtures hold ${numbers.length} numbers`)
  t.ok(numbers.includes('14125550829'), 'the number inside wamid.HBgLMTQx… is found by decoding it')
  t.ok(metaIds.length >= 20, `the fixtures hold ${metaIds.length} wamids / call ids`)
  t.same(findAny(MATCH_WAMID, forms), ['MTQxMjU1NTA4Mj'], 'the base64 forms find the number inside a wamid')

  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc, chatwootIngestOptions())

  let accepted = 0
  for (const { file, raw } of payloads) {
    const res = await postSigned(url, raw)
    t.equal(res.status, 200, `${file}: 200`)
    accepted += ((await res.json()) as { accepted: number }).accepted
  }

  // A delivery status for the wamid the helpdesk reports below (the fixtures hold it only as an
  // original_message_id), the way Meta would send it.
  const status = {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: '1122334455667' },
      statuses: [{ id: MATCH_WAMID, status: 'delivered', timestamp: String(Math.floor(Date.now() / 1000) - 30), recipient_id: '14125550829' }],
    } }] }],
  }
  t.equal((await postSigned(url, JSON.stringify(status))).status, 200, 'the status webhook is accepted')
  for (const { file, raw } of dialog360) t.equal((await postDialog360(url, raw)).status, 200, `360dialog ${file}: 200`)
  for (const { file, params } of twilio) t.equal((await postTwilio(url, params)).status, 200, `Twilio ${file}: 200`)
  for (const { file, raw } of chatwoot) t.equal((await postChatwoot(url, raw)).status, 200, `Chatwoot ${file}: 200`)
  t.ok(numbers.includes('393331234567'), "the Chatwoot contact's number is searched for")
  t.ok(twilioNumbers.includes('14155550101') && twilioSids.includes('SM66666666666666666666666666666666'), 'the Twilio numbers and SIDs are searched for')

  // Helpdesk events: a number as the customer, a wamid as the event id and the message_id.
  const at = new Date(Date.now() - 60_000).toISOString()
  const api = [
    ...numbers.map((n, i) => ({ id: metaIds[i % metaIds.length]!, type: 'message.sent', at, line: '106540352242922', customer: n, message_id: metaIds[(i + 1) % metaIds.length]!, sender: { kind: 'agent', agent_id: 'a-1' } })),
    ...numbers.map((n, i) => ({ id: `csat-${i}`, type: 'csat.response', at, line: '106540352242922', customer: n, score: 4 })),
    { id: 'match-1', type: 'message.sent', at, line: '1122334455667', customer: '14125550829', message_id: MATCH_WAMID, sender: { kind: 'bot' } },
  ]
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: bearer(), body: JSON.stringify(api) })
  t.equal(res.status, 200, 'helpdesk events accepted')
  accepted += ((await res.json()) as { accepted: number }).accepted

  const js = jetstream(nats.nc)
  await js.publish('deskpulse.ev.0.canary', new TextEncoder().encode(`canary ${phoneForms([CANARY]).join(' ')}`))

  // Every message: subject, every header, the data.
  const jsm = await jetstreamManager(nats.nc)
  const last = (await jsm.streams.info(STREAM)).state.last_seq
  const stored: string[] = []
  let statusForMatch: unknown
  let sentForMatch: unknown
  for (let seq = 1; seq <= last; seq++) {
    const m = await jsm.streams.getMessage(STREAM, { seq })
    if (!m) continue
    const headers = m.header ? [...m.header.keys()].flatMap((k) => [k, ...m.header!.values(k)]) : []
    const text = [m.subject, ...headers, m.string()].join('\n')
    stored.push(text)
    if (m.subject.endsWith('.canary')) continue
    const e = m.json<{ kind: string; message_id?: string; id: string }>()
    if (e.kind === 'message.status' && e.message_id === mid(MATCH_WAMID)) statusForMatch = e
    if (e.id === `api:${mid('match-1')}`) sentForMatch = e
  }
  t.ok(stored.length >= 100, `${stored.length} stream messages read back (${accepted} events acknowledged, some dedup'd)`)
  const all = stored.join('\n')
  t.same(findAny(all, phoneForms([CANARY])).length, phoneForms([CANARY]).length, 'the search finds the canary in the stream')
  const found = findAny(all.replace(/canary [^\n]*/, ''), needles)
  t.same(found, [], `no number or wamid in the stream (${needles.length} forms searched)`)

  t.ok(statusForMatch, "the webhook status of wamid.HBgLMTQx… is in the stream under the wamid's key")
  t.match(sentForMatch, { kind: 'message.out', message_id: mid(MATCH_WAMID) }, 'the helpdesk message.sent with that wamid has the same message_id')

  // The processor writes all of it to ClickHouse (and its checkpoints to the NATS store).
  const ch = await startClickHouse(t)
  const processor = createProcessor({ host: '127.0.0.1', port: await freePort(), config: parseConfig({ processing: { checkpoint_seconds: 1 } }), partitions: 4, runner: { flushIntervalMs: 200 } }, { nc: nats.nc, clickhouse: ch.client, log: createLogger('silent') })
  await processor.start()
  for (let p = 0; p < 4; p++) {
    await eventually(async () => {
      const writer = await jsm.consumers.info(STREAM, `processor-p${p}-store`)
      return writer.num_pending === 0 && writer.num_ack_pending === 0 ? true : undefined
    }, 30_000, `partition ${p} written and acknowledged`)
  }
  await processor.close()
  const tables = (await (await ch.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' })).json<{ name: string }>()).map((r) => r.name)
  const dumps: Record<string, string> = {}
  for (const table of tables) dumps[table] = await (await ch.client.query({ query: `SELECT * FROM ${table}`, format: 'JSONEachRow' })).text()
  t.ok(dumps.events!.includes(mid(MATCH_WAMID)), 'the events table holds the hashed wamid: the dump sees stored rows')
  t.ok((dumps.conversations ?? '').length > 0, 'conversation rows were written')
  for (const table of tables) t.same(findAny(dumps[table]!, needles), [], `nothing in ClickHouse table ${table} (${dumps[table]!.split('\n').length - 1} rows)`)

  // The files on disk (the stream, checkpoints, leases, tombstones), after the server has written and closed them.
  await nats.nc.close()
  await nats.server.stop()
  const files = filesUnder(nats.storeDir)
  const disk = files.map((f) => f.text).join('\n')
  t.ok(files.some((f) => f.file.endsWith('.blk')), `${files.length} store files, message blocks among them`)
  t.same(findAny(disk, phoneForms([CANARY])).length, phoneForms([CANARY]).length, 'the search finds the canary in the files')
  for (const f of files) t.same(findAny(f.text.replace(/canary [\x20-\x7e]*/g, ''), needles), [], `nothing in ${f.file.slice(nats.storeDir.length)}`)
  t.comment(`audit: ${payloads.length} fixtures + ${dialog360.length} 360dialog + ${twilio.length} Twilio + ${chatwoot.length} Chatwoot + ${api.length} helpdesk events, ${numbers.length} numbers, ${metaIds.length} wamids, ${needles.length} search strings, ${stored.length} messages, ${files.length} files (${disk.length} bytes)`)
})
