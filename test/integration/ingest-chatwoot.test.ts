/**
 * POST /webhooks/chatwoot through a real ingest and nats-server: the signature rules, the
 * canonical events each fixture gives, and the Meta + Chatwoot feeds counted once.
 */
import t from 'tap'
import { createHmac } from 'node:crypto'
import { startNats } from '../helpers/harness.js'
import { startIngest, streamEvents, streamCount, logCapture } from '../helpers/ingest.js'
import { textWebhook, postSigned, TEST_PII_KEY } from '../helpers/webhooks.js'
import { chatwootFixture, chatwootIngestOptions, postChatwoot, CHATWOOT_LINE } from '../helpers/chatwoot.js'
import { signChatwoot } from '../../ingest/chatwoot/signature.js'
import { normaliseChatwoot } from '../../ingest/chatwoot/normalise.js'
import { normaliseWebhook } from '../../ingest/whatsapp/normalise.js'
import { createCustomerKeyer } from '../../ingest/pii.js'

const key = (s: string) => createHmac('sha256', TEST_PII_KEY).update(s).digest('hex')
const messageKey = (id: string) => key(`\u0000message-id:${id}`)
const CUSTOMER = key(`${CHATWOOT_LINE}:393331234567`)
const WAMID_A = 'wamid.HBgMMzkzMzMxMjM0NTY3FQIAEhgUM0VCMDQxNUZBMjY0QzE5QTdBRTAA'

t.test('signature: good, bad, stale, missing, unconfigured, allow_unsigned; nothing published on a 401', async (t) => {
  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc, chatwootIngestOptions())
  const raw = chatwootFixture('message_created-incoming-text.json')
  const now = Math.floor(Date.now() / 1000)

  const bad = await postChatwoot(url, raw, { secret: 'another-secret' })
  t.equal(bad.status, 401)
  t.match(await bad.json(), { error: 'DESKPULSE_ERR_SIGNATURE', message: /does not match/ })

  const stale = await postChatwoot(url, raw, { timestamp: now - 301 })
  t.equal(stale.status, 401, 'a timestamp 301 s old is refused')
  t.match(await stale.json(), { error: 'DESKPULSE_ERR_SIGNATURE_STALE' })
  const future = await postChatwoot(url, raw, { timestamp: now + 400 })
  t.equal(future.status, 401, 'and one 400 s ahead')

  const missing = await postChatwoot(url, raw, { secret: null })
  t.equal(missing.status, 401)
  t.match(await missing.json(), { error: 'DESKPULSE_ERR_SIGNATURE_MISSING' })

  // The timestamp is signed: a fresh one on an old signature does not pass.
  const old = signChatwoot(raw, 'test-chatwoot-secret-0123456789', now - 1000)
  const swapped = await postChatwoot(url, raw, { secret: null, headers: { 'x-chatwoot-signature': old['x-chatwoot-signature'], 'x-chatwoot-timestamp': String(now) } })
  t.equal(swapped.status, 401, 'a swapped timestamp breaks the signature')
  const junk = await postChatwoot(url, raw, { secret: null, headers: { 'x-chatwoot-signature': `${signChatwoot(raw, 'test-chatwoot-secret-0123456789')['x-chatwoot-signature']}00`, 'x-chatwoot-timestamp': String(now) } })
  t.equal(junk.status, 401, 'a digest with junk after it')
  t.equal(await streamCount(nats.nc), 0, 'no 401 published anything')

  const good = await postChatwoot(url, raw, { delivery: '7f4b1c7e-5a52-4d0e-9a57-1d2c8f0e6b11' })
  t.equal(good.status, 200)
  t.same(await good.json(), { accepted: 1, duplicates: 0, ignored: null })

  // Chatwoot retries a delivery with the same X-Chatwoot-Delivery and the same body, signed again.
  const retry = await postChatwoot(url, raw, { delivery: '7f4b1c7e-5a52-4d0e-9a57-1d2c8f0e6b11' })
  t.equal(retry.status, 200)
  t.same(await retry.json(), { accepted: 1, duplicates: 1, ignored: null }, 'a duplicate delivery is stored once')
  t.equal(await streamCount(nats.nc), 1)

  const badDelivery = await postChatwoot(url, raw, { delivery: 'x'.repeat(200) })
  t.equal(badDelivery.status, 400, 'a delivery id that is not an id')
})

t.test('no secret configured: refused, unless adapters.chatwoot.allow_unsigned; a signature is still checked', async (t) => {
  const nats = await startNats(t)
  const raw = chatwootFixture('message_created-incoming-text.json')
  const strict = await startIngest(t, nats.nc, chatwootIngestOptions({ secrets: [] }))
  const refused = await postChatwoot(strict.url, raw, { secret: null })
  t.equal(refused.status, 401)
  t.match(await refused.json(), { error: 'DESKPULSE_ERR_NOT_CONFIGURED' })

  const lax = await startIngest(t, nats.nc, chatwootIngestOptions({ allowUnsigned: true }))
  const unsigned = await postChatwoot(lax.url, raw, { secret: null })
  t.equal(unsigned.status, 200, 'allow_unsigned takes an old Chatwoot that does not sign')
  const wrong = await postChatwoot(lax.url, raw, { secret: 'another-secret' })
  t.equal(wrong.status, 401, 'but a wrong signature is refused even then')
})

t.test('each fixture gives the canonical events of docs/connect-chatwoot.md, no number or text at rest or in logs', async (t) => {
  const nats = await startNats(t)
  const capture = logCapture()
  const { url } = await startIngest(t, nats.nc, chatwootIngestOptions(), capture.log)
  const expect: Array<[string, number, string | null]> = [
    ['message_created-incoming-text.json', 1, 'message.in'],
    ['conversation_updated-assignee.json', 1, 'conversation.assigned'],
    ['message_created-outgoing-agent.json', 1, 'message.out'],
    ['message_created-private-note.json', 0, 'private'],
    ['message_updated-outgoing-delivered.json', 1, 'message.status'],
    ['conversation_status_changed-resolved.json', 1, 'conversation.resolved'],
    ['message_created-template-csat.json', 1, 'message.out'],
    ['message_updated-csat-rating.json', 1, 'csat.response'],
    ['message_created-outgoing-agent-bot.json', 1, 'message.out'],
    ['message_created-outgoing-automation.json', 1, 'message.out'],
    ['conversation_status_changed-handoff.json', 1, 'bot.handoff'],
    ['conversation_status_changed-snoozed.json', 0, 'no_change'],
    ['conversation_created.json', 0, 'no_change'],
    ['contact_updated.json', 0, 'event'],
  ]
  for (const [file, accepted, what] of expect) {
    const res = await postChatwoot(url, chatwootFixture(file))
    t.equal(res.status, 200, file)
    const body = (await res.json()) as { accepted: number; ignored: string | null }
    t.equal(body.accepted, accepted, `${file}: ${accepted} event(s)`)
    if (accepted === 0) t.equal(body.ignored, what, `${file}: ignored as ${what}`)
  }
  const events = (await streamEvents(nats.nc)).map((s) => s.event)
  t.same(events.map((e) => e.kind), expect.filter(([, n]) => n > 0).map(([, , k]) => k))
  // Every fixture is Chatwoot conversation 1021 (its display id): each event names it, for deep links.
  for (const e of events) t.match(e, { source: 'chatwoot', line: CHATWOOT_LINE, customer: CUSTOMER, helpdesk_conversation: '1021' }, `${e.kind}: line, keyed customer, Chatwoot's conversation`)
  const [inbound, assigned, agentOut, status, resolved, survey, csat, botOut, autoOut, handoff] = events
  t.match(inbound, { id: `wa:in:${messageKey(WAMID_A)}`, message_id: messageKey(WAMID_A), message_type: 'text', at: '2025-11-24T16:00:00.412Z' })
  t.match(assigned, { agent_id: '3', team: 'billing', at: '2025-11-24T16:00:30.250Z' })
  t.match(agentOut, { sender_kind: 'agent', agent_id: '3', survey: false })
  t.match(status, { status: 'delivered', id: `wa:st:${messageKey('wamid.HBgMMzkzMzMxMjM0NTY3FQIAERgSODRBQkM0RjZBMTk0RjJFNzlBAA==')}:delivered` })
  t.match(resolved, { by_kind: 'agent', agent_id: '3', at: '2025-11-24T16:03:00.000Z' })
  t.match(survey, { sender_kind: 'automation', survey: true, message_type: 'template' })
  t.match(csat, { score: 5, at: '2025-11-24T16:05:00.000Z' })
  t.match(botOut, { sender_kind: 'bot', agent_id: null })
  t.match(autoOut, { sender_kind: 'automation' })
  t.match(handoff, { kind: 'bot.handoff', team: 'billing' })

  const stored = JSON.stringify(await streamEvents(nats.nc))
  for (const secret of ['393331234567', '+393331234567', WAMID_A, 'fattura', 'FT-2025']) {
    t.notOk(stored.includes(secret), `${secret} is not in the stream`)
    t.notOk(capture.text().includes(secret), `${secret} is not in the logs`)
  }
})

t.test('bad input: coded 4xx naming the problem, nothing published; unknown inbox ignored', async (t) => {
  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc, chatwootIngestOptions())
  const notJson = await postChatwoot(url, '{"event":')
  t.equal(notJson.status, 400)
  t.match(await notJson.json(), { error: 'DESKPULSE_ERR_NOT_JSON' })
  const noEvent = await postChatwoot(url, '{"id":1}')
  t.match(await noEvent.json(), { error: 'DESKPULSE_ERR_NOT_CHATWOOT', message: /event/ })
  const broken = JSON.parse(chatwootFixture('message_created-incoming-text.json').toString())
  delete broken.conversation
  const res = await postChatwoot(url, JSON.stringify(broken))
  t.equal(res.status, 400)
  t.match(await res.json(), { error: 'DESKPULSE_ERR_NOT_CHATWOOT', message: /message_created: conversation/ })
  const longId = JSON.parse(chatwootFixture('message_created-incoming-text.json').toString())
  longId.source_id = `wamid.${'A'.repeat(300)}`
  const tooLong = await postChatwoot(url, JSON.stringify(longId))
  t.equal(tooLong.status, 400)
  t.match(await tooLong.json(), { error: 'DESKPULSE_ERR_INVALID_ID' })
  t.equal(await streamCount(nats.nc), 0, 'no 4xx published anything')

  const otherInbox = JSON.parse(chatwootFixture('message_created-incoming-text.json').toString())
  otherInbox.inbox.id = 99
  otherInbox.conversation.inbox_id = 99
  const ignored = await postChatwoot(url, JSON.stringify(otherInbox))
  t.equal(ignored.status, 200)
  t.same(await ignored.json(), { accepted: 0, duplicates: 0, ignored: 'unknown_inbox' })
  t.equal(await streamCount(nats.nc), 0)
})

t.test('a WhatsApp message seen by Meta and by Chatwoot is one event, whichever comes first', async (t) => {
  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc, chatwootIngestOptions())
  const meta = await postSigned(url, JSON.stringify(textWebhook({ id: WAMID_A, from: '393331234567', line: CHATWOOT_LINE, ts: 1764000000, body: 'Buongiorno, la fattura di ottobre è sbagliata' })))
  t.equal(meta.status, 200)
  const cw = await postChatwoot(url, chatwootFixture('message_created-incoming-text.json'))
  t.same(await cw.json(), { accepted: 1, duplicates: 1, ignored: null }, "Chatwoot's copy is a duplicate")
  // Chatwoot first this time: Meta's copy is the duplicate.
  const cwB = await postChatwoot(url, chatwootFixture('message_created-incoming-text-2.json'))
  t.same(await cwB.json(), { accepted: 1, duplicates: 0, ignored: null })
  const metaB = await postSigned(url, JSON.stringify(textWebhook({ id: 'wamid.HBgMMzkzMzMxMjM0NTY3FQIAEhgUM0VCMDg4QjFFNEI3MkE2NkRGNDIA', from: '393331234567', line: CHATWOOT_LINE, ts: 1764000090 })))
  t.same(await metaB.json(), { accepted: 1, duplicates: 1 })
  const events = (await streamEvents(nats.nc)).map((s) => s.event)
  t.equal(events.length, 2, 'two messages, two events')
  t.match(events[0], { source: 'whatsapp', at: '2025-11-24T16:00:00.000Z', customer: CUSTOMER })
  t.match(events[1], { source: 'chatwoot', at: '2025-11-24T16:01:30.377Z', customer: CUSTOMER })

  // The two copies of one message are the same event but for the source and Chatwoot's later stamp.
  const keyCustomer = createCustomerKeyer(TEST_PII_KEY)
  const receivedAt = new Date().toISOString()
  const [viaMeta] = normaliseWebhook(textWebhook({ id: WAMID_A, from: '393331234567', line: CHATWOOT_LINE, ts: 1764000000, body: 'Buongiorno, la fattura di ottobre è sbagliata' }), { keyCustomer, storeText: false, receivedAt })
  const viaChatwoot = normaliseChatwoot(JSON.parse(chatwootFixture('message_created-incoming-text.json').toString()), { keyCustomer, storeText: false, receivedAt, inboxes: { '7': CHATWOOT_LINE } }).events[0]
  // Chatwoot's copy also names Chatwoot's conversation (display id 1021 in the fixture).
  t.equal((viaChatwoot as { helpdesk_conversation?: string }).helpdesk_conversation, '1021')
  const strip = (e: unknown) => {
    const { source: _s, at: _a, helpdesk_conversation: _h, ...rest } = e as Record<string, unknown>
    return rest
  }
  t.same(strip(viaChatwoot), strip(viaMeta), 'same id, line, customer, kind, message id, type, reply, context, digit, errors')
})
