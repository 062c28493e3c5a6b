import t from 'tap'
import { createHmac } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import '../../schemas/formats.js'
import { normaliseWebhook } from '../../ingest/whatsapp/normalise.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import { CanonicalEvent } from '../../schemas/events.js'
import { fixture, loadFixtures, expectedKinds } from '../helpers/fixtures.js'

const KEY = 'unit-pii-key-0123456789'
const hash = (line: string, id: string) => createHmac('sha256', KEY).update(`${line}:${id}`).digest('hex')
/** The stored form of a wamid (docs/ingest.md "Privacy"): HMAC of `\0message-id:<wamid>`. */
const mid = (wamid: string) => createHmac('sha256', KEY).update(`\u0000message-id:${wamid}`).digest('hex')
const RECEIVED = '2026-11-25T12:00:00.000Z'
const norm = (body: unknown, storeText = false) =>
  normaliseWebhook(body, { keyCustomer: createCustomerKeyer(KEY), storeText, receivedAt: RECEIVED })

t.test('every valid fixture gives one schema-valid event per item, of the expected kind', async (t) => {
  let files = 0
  for (const { file, raw } of loadFixtures()) {
    let body: unknown
    try {
      body = JSON.parse(raw.toString())
    } catch {
      continue
    }
    files++
    const events = norm(body)
    t.same(events.map((e) => e.kind), expectedKinds(body as never), file)
    for (const e of events) t.ok(Value.Check(CanonicalEvent, e), `${file}: ${(e as { kind: string }).kind} fits the canonical schema`)
  }
  t.equal(files, 128, 'all 128 valid-JSON fixtures were read (129 files, one is not JSON)')
})

t.test('a text message: line, hashed customer, event time from the Unix timestamp, no text by default', async (t) => {
  const [e] = norm(fixture('david-lev_pywa_message-text.json'))
  t.match(e, { kind: 'message.in', line: '1122334455667', customer: hash('1122334455667', '972987654321'), message_type: 'text' })
  t.notOk('text' in e!, 'text is dropped unless DESKPULSE_STORE_TEXT=true')
  t.ok('text' in norm(fixture('david-lev_pywa_message-text.json'), true)[0]!, 'kept when enabled')
})

t.test('two changes in one entry give two messages (netflie batch)', async (t) => {
  const events = norm(fixture('netflie_whatsapp-cloud-api_multiple_text_notification.json'))
  t.same(events.map((e) => e.kind === 'message.in' && e.at), ['2022-11-23T20:02:58.000Z', '2022-11-23T20:02:59.000Z'])
})

t.test('interactive and template replies carry their reply id', async (t) => {
  t.match(norm(fixture('david-lev_pywa_callback_button-button.json'))[0], { message_type: 'interactive', reply_id: 'callback_data' })
  t.match(norm(fixture('david-lev_pywa_callback_button-quick_reply.json'))[0], { message_type: 'button', reply_id: 'callback_data' })
  t.match(norm(fixture('david-lev_pywa_message-interactive_message_with_err.json')), [
    { kind: 'message.in', message_type: 'interactive', reply_id: null },
    { kind: 'whatsapp.error', errors: [{ code: 131000 }] },
  ])
})

t.test('statuses: failed with error codes, pricing category, lower-cased status ids', async (t) => {
  t.match(norm(fixture('david-lev_pywa_message_status-failed.json'))[0], {
    kind: 'message.status',
    id: `wa:st:${mid('wamid.xyzxyz')}:failed`,
    message_id: mid('wamid.xyzxyz'),
    status: 'failed',
    errors: [{ code: 130472 }],
  })
  t.match(norm(fixture('Bindambc_whatsapp-business-java-api_reEngagementMessageError.json'))[0], { errors: [{ code: 131047, title: 'Re-engagement message' }] })
  t.match(norm(fixture('david-lev_pywa_message_status-sent.json'))[0], { status: 'sent', pricing_category: 'service', customer: hash('1122334455667', '972987654321') })
})

t.test('legacy unknown type keeps its error code', async (t) => {
  t.match(norm(fixture('netflie_whatsapp-cloud-api_an_unknown_notification.json'))[0], { message_type: 'unknown', errors: [{ code: 131051, title: 'Unsupported message type' }] })
})

t.test('customer identity: from/wa_id first, the business-scoped user_id when there is no from', async (t) => {
  t.match(norm(fixture('netflie_whatsapp-cloud-api_a_notification_with_bsuid_only_and_no_from.json'))[0], { customer: hash('PHONE_NUMBER_ID', 'BSUID_123') })
  t.match(norm(fixture('netflie_whatsapp-cloud-api_can_keep_wa_id_priority_when_user_id_is_present.json'))[0], { customer: hash('PHONE_NUMBER_ID', 'PHONE_NUMBER') })
})

t.test('business-app echoes are outbound messages of sender kind app, keyed by the recipient', async (t) => {
  t.match(norm(fixture('david-lev_pywa_outgoing_message-text.json'))[0], {
    kind: 'message.out',
    id: `wa:echo:${mid('<WHATSAPP_MESSAGE_ID>')}`,
    sender_kind: 'app',
    line: '1122334455667',
    customer: hash('1122334455667', '<WHATSAPP_USER_PHONE_NUMBER>'),
  })
})

t.test('account-level fields are kept as whatsapp.update events', async (t) => {
  t.match(norm(fixture('david-lev_pywa_template_status_update-approved.json')), [{ kind: 'whatsapp.update', field: 'message_template_status_update', event: 'APPROVED', customer: null }])
  t.match(norm(fixture('david-lev_pywa_call_terminate-call_terminate.json')), [
    { kind: 'whatsapp.update', field: 'calls', event: 'terminate' },
    { kind: 'whatsapp.error', errors: [{ code: 12455, title: 'ERROR_TITLE' }] },
  ])
})

t.test('a one-digit text is recognised as a possible CSAT answer', async (t) => {
  const body = fixture('david-lev_pywa_message-text.json') as { entry: { changes: { value: { messages: { text: { body: string } }[] } }[] }[] }
  body.entry[0]!.changes[0]!.value.messages[0]!.text.body = ' 4 '
  t.match(norm(body)[0], { digit: 4 })
  body.entry[0]!.changes[0]!.value.messages[0]!.text.body = '6'
  t.match(norm(body)[0], { digit: null })
})

t.test('payloads that are not whatsapp_business_account are refused with the reason', async (t) => {
  t.throws(() => norm({ object: 'page', entry: [] }), { statusCode: 400, message: /whatsapp_business_account/ })
  t.throws(() => norm({ object: 'whatsapp_business_account' }), { message: /entry must be an array/ })
  t.throws(() => norm({ object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages' }] }] }), { message: /entry\[0\]\.changes\[0\]/ })
  t.throws(() => norm([1, 2]), { message: /JSON object/ })
})

t.test('item timestamps: in the future beyond the skew or not a time → the receive time, counted', async (t) => {
  const clamped: string[] = []
  const body = (ts: unknown) => ({
    object: 'whatsapp_business_account',
    entry: [{ id: 'W', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '1' }, messages: [{ from: '391', id: 'wamid.T', timestamp: ts, type: 'text', text: { body: 'x' } }] } }] }],
  })
  const at = (ts: unknown) =>
    normaliseWebhook(body(ts), { keyCustomer: createCustomerKeyer(KEY), storeText: false, receivedAt: RECEIVED, onTimestampClamped: (r) => clamped.push(r) })[0]!.at
  const received = Date.parse(RECEIVED) / 1000
  t.equal(at(String(received + 300)), new Date((received + 300) * 1000).toISOString(), 'exactly the skew (300 s) is kept')
  t.equal(at(String(received + 301)), RECEIVED, 'one second more is clamped')
  t.equal(at('99999999999'), RECEIVED, 'year 5138 is clamped')
  t.equal(at('abc'), RECEIVED, 'not a number')
  t.equal(at(-5), RECEIVED, 'negative')
  t.equal(at(undefined), RECEIVED, 'missing: the receive time, not counted')
  t.equal(at('1764000000'), '2025-11-24T16:00:00.000Z', 'a past time is kept')
  t.same(clamped, ['future', 'future', 'invalid', 'invalid'])
})

t.test('no field of any fixture event holds a wamid, a display number or a customer number', async (t) => {
  const wamid = 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA='
  const body = {
    object: 'whatsapp_business_account',
    entry: [{ id: 'W', changes: [{ field: 'messages', value: {
      metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
      contacts: [{ wa_id: '14125550829' }],
      messages: [{ from: '14125550829', id: wamid, context: { id: wamid }, timestamp: '1764000000', type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'call-14125550829', title: 'x' } }, errors: [{ code: 1, title: 'number 14125550829 failed' }] }],
      statuses: [{ id: wamid, status: 'read', recipient_id: '14125550829', timestamp: '1764000001' }],
    } }] }],
  }
  const text = JSON.stringify(norm(body))
  for (const s of [wamid, '14125550829', '15550783881', 'MTQxMjU1NTA4Mj']) t.notOk(text.includes(s), `no ${s}`)
  const [msg, status] = norm(body) as unknown as [Record<string, unknown>, Record<string, unknown>]
  t.equal(msg.message_id, mid(wamid))
  t.equal(msg.context_id, mid(wamid))
  t.equal(msg.reply_id, mid('call-14125550829'), 'a reply id with a long digit run is keyed')
  t.equal(status.message_id, msg.message_id, 'the status still matches its message')
  t.match(msg.errors, [{ code: 1, title: 'number # failed' }])
})
