import t from 'tap'
import { createHmac } from 'node:crypto'
import { normaliseTwilio } from '../../ingest/twilio/normalise.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import { formMap, twilioFixture, TWILIO_NUMBERS, TWILIO_LINE } from '../helpers/twilio.js'
import { TEST_PII_KEY } from '../helpers/webhooks.js'

const keyCustomer = createCustomerKeyer(TEST_PII_KEY)
/** Written out here, not taken from ingest/pii.ts: the WhatsApp path's keys, by their definition. */
const mid = (id: string) => createHmac('sha256', TEST_PII_KEY).update(`\u0000message-id:${id}`).digest('hex')
const cust = (line: string, waId: string) => createHmac('sha256', TEST_PII_KEY).update(`${line}:${waId}`).digest('hex')
const receivedAt = '2026-11-24T10:00:00.000Z'
const normalise = (params: Record<string, string>, storeText = false) =>
  normaliseTwilio(formMap(params), { keyCustomer, storeText, receivedAt, numbers: TWILIO_NUMBERS })

t.test('an inbound text: message.in keyed like a WhatsApp message, at the receive time', async (t) => {
  const [e] = normalise(twilioFixture('inbound-text.json'))
  t.same(e, {
    v: 1,
    id: `tw:in:${mid('SM11111111111111111111111111111111')}`,
    at: receivedAt,
    received_at: receivedAt,
    source: 'twilio',
    line: TWILIO_LINE,
    // The customer key of a wa_id: digits without "+", so a number seen through Twilio and through
    // the Cloud API on the same line is one customer.
    customer: cust(TWILIO_LINE, '14155550101'),
    kind: 'message.in',
    message_id: mid('SM11111111111111111111111111111111'),
    message_type: 'text',
    reply_id: null,
    context_id: null,
    digit: null,
    errors: [],
  })
  t.notOk(JSON.stringify(e).includes('14155550101'), 'no number')
  t.notOk(JSON.stringify(e).includes('SM1111'), 'no SID')
  t.notOk(JSON.stringify(e).includes('arrived'), 'no text without DESKPULSE_STORE_TEXT')
  t.match(normalise(twilioFixture('inbound-text.json'), true)[0], { text: 'Hi, my order has not arrived yet' }, 'text only when asked')
})

t.test('message types, quick replies, replies to a message, CSAT digits', async (t) => {
  t.match(normalise(twilioFixture('inbound-image.json'))[0], { message_type: 'image', digit: null })
  t.match(normalise(twilioFixture('inbound-location.json'))[0], { message_type: 'location', customer: cust(TWILIO_LINE, '14155550102') })
  t.match(normalise(twilioFixture('inbound-button-reply.json'))[0], {
    message_type: 'button',
    reply_id: 'menu_tracking',
    context_id: mid('SM99999999999999999999999999999999'),
  })
  t.match(normalise(twilioFixture('inbound-csat-digit.json'))[0], { digit: 5 })
  // Without MessageType (older webhooks), the type is read off the media.
  const { MessageType: _, ...untyped } = twilioFixture('inbound-image.json')
  t.match(normalise(untyped)[0], { message_type: 'image' })
  t.match(normalise({ ...twilioFixture('inbound-button-reply.json'), ButtonPayload: 'callback 393331234567' })[0], { reply_id: mid('callback 393331234567') }, 'a payload that may hold a number is keyed')
})

t.test('status callbacks: canonical statuses, error codes, the customer is the recipient', async (t) => {
  const sid = 'SM66666666666666666666666666666666'
  for (const [file, status] of [['status-queued.json', 'queued'], ['status-sent.json', 'sent'], ['status-delivered.json', 'delivered'], ['status-read.json', 'read']] as const) {
    t.same(normalise(twilioFixture(file)), [
      {
        v: 1,
        id: `tw:st:${mid(sid)}:${status}`,
        at: receivedAt,
        received_at: receivedAt,
        source: 'twilio',
        line: TWILIO_LINE,
        customer: cust(TWILIO_LINE, '14155550101'),
        kind: 'message.status',
        message_id: mid(sid),
        status,
        errors: [],
        pricing_category: null,
        conversation_origin: null,
      },
    ], file)
  }
  t.match(normalise(twilioFixture('status-undelivered.json'))[0], { status: 'failed', errors: [{ code: 63016 }], customer: cust(TWILIO_LINE, '14155550103') }, 'undelivered is a failure')
  t.match(normalise(twilioFixture('status-failed.json'))[0], { status: 'failed', errors: [{ code: 63003 }] })
  t.match(normalise({ ...twilioFixture('status-failed.json'), ErrorMessage: 'Unreachable: +14155550103 (14155550103)' })[0], { errors: [{ code: 63003, title: 'Unreachable: +# (#)' }] }, 'numbers in an error message are cut')
})

t.test('bad input: coded errors naming the parameter', async (t) => {
  const text = twilioFixture('inbound-text.json')
  t.throws(() => normalise({ ...text, To: 'whatsapp:+19999999999' }), { code: 'DESKPULSE_ERR_UNKNOWN_NUMBER', statusCode: 422, message: /^To: business number whatsapp:\+1999…999 is not in config adapters\.twilio\.numbers$/ })
  t.throws(() => normalise({ ...text, From: '+14155550101' }), { code: 'DESKPULSE_ERR_NOT_WHATSAPP', message: /^From: not a WhatsApp address/ }, 'SMS')
  const { MessageSid: _m, SmsSid: _s, SmsMessageSid: _x, ...noSid } = text
  t.throws(() => normalise(noSid), { code: 'DESKPULSE_ERR_NOT_WHATSAPP', message: /^MessageSid: missing/ })
  t.throws(() => normalise({ ...text, MessageSid: 'SM1\r\nX-Injected: 1' }), { code: 'DESKPULSE_ERR_INVALID_ID', message: /^MessageSid: holds a control character/ })
  t.throws(() => normalise({ ...text, MessageSid: 'S'.repeat(300) }), { code: 'DESKPULSE_ERR_INVALID_ID' })
  t.throws(() => normaliseTwilio(formMap([...Object.entries(text), ['From', 'whatsapp:+14155550199']]), { keyCustomer, storeText: false, receivedAt, numbers: TWILIO_NUMBERS }), { code: 'DESKPULSE_ERR_NOT_WHATSAPP', message: /^From: sent 2 times/ })
  t.throws(() => normalise({ ...text, From: 'whatsapp:' }), { code: 'DESKPULSE_ERR_NOT_WHATSAPP', message: /^From: no number/ })
})
