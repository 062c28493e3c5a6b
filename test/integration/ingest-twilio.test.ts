import t from 'tap'
import { createHmac } from 'node:crypto'
import { startNats } from '../helpers/harness.js'
import { startIngest, streamEvents, streamCount, logCapture } from '../helpers/ingest.js'
import { TEST_PII_KEY } from '../helpers/webhooks.js'
import { postTwilio, twilioFixture, twilioFixtureNames, TWILIO_LINE, TWILIO_NUMBERS, TWILIO_TEST_TOKEN } from '../helpers/twilio.js'

const mid = (id: string) => createHmac('sha256', TEST_PII_KEY).update(`\u0000message-id:${id}`).digest('hex')
const cust = (line: string, waId: string) => createHmac('sha256', TEST_PII_KEY).update(`${line}:${waId}`).digest('hex')

/** What a user of the fixtures reads off each one: the kind and, for statuses, the canonical status. */
const EXPECTED: Record<string, { kind: string; status?: string }> = {
  'inbound-button-reply.json': { kind: 'message.in' },
  'inbound-csat-digit.json': { kind: 'message.in' },
  'inbound-image.json': { kind: 'message.in' },
  'inbound-location.json': { kind: 'message.in' },
  'inbound-text.json': { kind: 'message.in' },
  'status-delivered.json': { kind: 'message.status', status: 'delivered' },
  'status-failed.json': { kind: 'message.status', status: 'failed' },
  'status-queued.json': { kind: 'message.status', status: 'queued' },
  'status-read.json': { kind: 'message.status', status: 'read' },
  'status-sent.json': { kind: 'message.status', status: 'sent' },
  'status-undelivered.json': { kind: 'message.status', status: 'failed' },
}

t.test('Twilio webhook route', async (t) => {
  const nats = await startNats(t)
  const logs = logCapture()
  const { url, privateUrl } = await startIngest(t, nats.nc, { twilio: { authTokens: ['retired-twilio-token', TWILIO_TEST_TOKEN], numbers: TWILIO_NUMBERS } }, logs.log)

  await t.test('every fixture, signed, is one event with the id rules of the WhatsApp path', async (t) => {
    t.same(twilioFixtureNames(), Object.keys(EXPECTED).sort(), 'every fixture has an expectation')
    for (const file of twilioFixtureNames()) {
      const params = twilioFixture(file)
      const after = (await streamEvents(nats.nc)).at(-1)?.seq ?? 0
      const res = await postTwilio(url, params)
      t.equal(res.status, 200, file)
      t.match(res.headers.get('content-type'), /^text\/xml/, 'TwiML, as Twilio expects')
      t.equal(await res.text(), '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', 'an empty TwiML: deskpulse never replies')
      const events = await streamEvents(nats.nc, after)
      t.equal(events.length, 1, `${file}: one event`)
      const { event, msgId, subject } = events[0]!
      const { kind, status } = EXPECTED[file]!
      const sid = params.MessageSid!
      const inbound = kind === 'message.in'
      t.equal(msgId, inbound ? `tw:in:${mid(sid)}` : `tw:st:${mid(sid)}:${status}`, `${file}: Nats-Msg-Id`)
      t.match(event, { kind, source: 'twilio', line: TWILIO_LINE, message_id: mid(sid), customer: cust(TWILIO_LINE, (inbound ? params.From : params.To)!.slice('whatsapp:+'.length)) })
      if (status) t.match(event, { status })
      // Nothing that is or holds a number, a SID or text leaves the ingest.
      const stored = `${subject} ${msgId} ${JSON.stringify(event)}`
      for (const secret of [params.From, params.To, params.WaId, params.From?.slice(10), params.To?.slice(10), sid, params.Body, params.AccountSid, params.MediaUrl0].filter((s): s is string => !!s && s.length > 1)) {
        t.notOk(stored.includes(secret), `${file}: ${secret.slice(0, 12)}… is not stored`)
      }
    }
  })

  await t.test('a retried request is one event in the stream', async (t) => {
    const before = await streamCount(nats.nc)
    for (const file of ['inbound-text.json', 'status-read.json']) t.equal((await postTwilio(url, twilioFixture(file))).status, 200, `${file} again`)
    t.equal(await streamCount(nats.nc), before, 'both were already stored')
  })

  await t.test('unsigned, wrongly signed or tampered: 401 and nothing published', async (t) => {
    const params = { ...twilioFixture('inbound-text.json'), MessageSid: 'SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }
    const before = await streamCount(nats.nc)
    const missing = await postTwilio(url, params, { signature: null })
    t.equal(missing.status, 401)
    t.match(await missing.json(), { error: 'DESKPULSE_ERR_SIGNATURE_MISSING', message: /X-Twilio-Signature/ })
    const wrongToken = await postTwilio(url, params, { token: 'not-the-auth-token' })
    t.equal(wrongToken.status, 401)
    t.match(await wrongToken.json(), { error: 'DESKPULSE_ERR_SIGNATURE' })
    const tampered = new URLSearchParams({ ...params, Body: 'changed after signing' }).toString()
    t.equal((await postTwilio(url, params, { body: tampered })).status, 401, 'a value changed after signing')
    const added = `${new URLSearchParams(params).toString()}&Extra=1`
    t.equal((await postTwilio(url, params, { body: added })).status, 401, 'a parameter added after signing')
    t.equal((await postTwilio(url, params, { signedUrl: `${url}/webhooks/twilio?x=1` })).status, 401, 'signed for another URL')
    t.equal((await postTwilio(url, params, { signature: 'c2lnbmF0dXJl' })).status, 401, 'not an HMAC-SHA1')
    const rules = await postTwilio(url, params, { headers: { 'x-twilio-webhooks-signature-settings': 'key=KS0,algorithm=HMAC_SHA256' } })
    t.equal(rules.status, 401, 'Webhooks Rules signatures are refused, by name')
    t.match(await rules.json(), { error: 'DESKPULSE_ERR_SIGNATURE', message: /Webhooks Rules/ })
    t.equal(await streamCount(nats.nc), before, 'nothing published')
    t.equal((await postTwilio(url, params, { token: 'retired-twilio-token' })).status, 200, 'either token of a rotation is accepted')
  })

  await t.test('the query string Twilio called is part of what it signed', async (t) => {
    const params = { ...twilioFixture('inbound-text.json'), MessageSid: 'SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }
    t.equal((await postTwilio(url, params, { path: '/webhooks/twilio?tenant=acme' })).status, 200)
    t.equal((await postTwilio(url, params, { path: '/webhooks/twilio?tenant=acme', signedUrl: `${url}/webhooks/twilio` })).status, 401, 'signed without it')
  })

  await t.test('bad input: a coded 4xx naming the problem, nothing published, nothing sensitive logged', async (t) => {
    const text = twilioFixture('inbound-text.json')
    const before = await streamCount(nats.nc)
    const cases: Array<[string, Record<string, string> | [string, string][], number, string, RegExp]> = [
      ['a business number not configured', { ...text, To: 'whatsapp:+19995550100' }, 422, 'DESKPULSE_ERR_UNKNOWN_NUMBER', /^To: business number whatsapp:\+1999…100 is not in config adapters\.twilio\.numbers$/],
      ['an SMS (no whatsapp: prefix)', { ...text, From: '+14155550101', To: '+14155238886' }, 400, 'DESKPULSE_ERR_NOT_WHATSAPP', /^From: not a WhatsApp address/],
      ['no MessageSid', Object.fromEntries(Object.entries(text).filter(([k]) => !/Sid$/.test(k) || k === 'AccountSid')), 400, 'DESKPULSE_ERR_NOT_WHATSAPP', /^MessageSid: missing/],
      ['a MessageSid with CR/LF', { ...text, MessageSid: 'SM1\r\nX: 1' }, 400, 'DESKPULSE_ERR_INVALID_ID', /^MessageSid: holds a control character/],
      ['From sent twice', [...Object.entries(text), ['From', 'whatsapp:+14155550199']], 400, 'DESKPULSE_ERR_NOT_WHATSAPP', /^From: sent 2 times/],
      ['an empty form', {}, 400, 'DESKPULSE_ERR_NOT_WHATSAPP', /^MessageSid: missing/],
    ]
    for (const [name, params, status, error, message] of cases) {
      const res = await postTwilio(url, params)
      t.equal(res.status, status, name)
      t.match(await res.json(), { error, message }, name)
    }
    const big = { ...text, MessageSid: 'SMcccccccccccccccccccccccccccccccc', Body: 'x'.repeat(300 * 1024) }
    const tooLarge = await postTwilio(url, big)
    t.equal(tooLarge.status, 413, 'over 256 KiB')
    t.match(await tooLarge.json(), { error: 'DESKPULSE_ERR_BODY_TOO_LARGE' })
    t.equal(await streamCount(nats.nc), before, 'nothing of any of them was published')
    const logged = logs.text()
    for (const s of ['14155550101', '14155238886', '19995550100', 'SM1111', 'AC0000', 'arrived']) t.notOk(logged.includes(s), `the log holds no ${s}`)
  })

  await t.test('metrics count the route and the rejections by reason', async (t) => {
    const text = await (await fetch(`${privateUrl}/metrics`)).text()
    t.match(text, /deskpulse_ingest_requests_total\{route="\/webhooks\/twilio",code="200"\} [1-9]/)
    t.match(text, /deskpulse_ingest_requests_total\{route="\/webhooks\/twilio",code="422"\} 1\b/)
    t.match(text, /deskpulse_ingest_rejected_total\{reason="unknown_number"\} 1\b/)
    t.match(text, /deskpulse_ingest_rejected_total\{reason="signature_missing"\} [1-9]/)
  })

  await t.test('the bus down: 503, so Twilio may retry', async (t) => {
    await nats.server.kill()
    const res = await postTwilio(url, { ...twilioFixture('inbound-text.json'), MessageSid: 'SMdddddddddddddddddddddddddddddddd' })
    t.equal(res.status, 503)
    t.match(await res.json(), { error: 'DESKPULSE_ERR_BUS_UNAVAILABLE' })
  })
})

t.test('behind a proxy: the signature is checked against adapters.twilio.public_url', async (t) => {
  const nats = await startNats(t)
  const publicUrl = 'https://hooks.example.com/deskpulse/webhooks/twilio'
  const { url } = await startIngest(t, nats.nc, { twilio: { authTokens: [TWILIO_TEST_TOKEN], numbers: TWILIO_NUMBERS, publicUrl } })
  const params = twilioFixture('inbound-text.json')
  t.equal((await postTwilio(url, params, { signedUrl: publicUrl })).status, 200, 'signed for the URL Twilio called')
  t.equal((await postTwilio(url, params, { signedUrl: 'https://hooks.example.com:443/deskpulse/webhooks/twilio' })).status, 200, 'with the default port spelt out')
  t.equal((await postTwilio(url, params, { path: '/webhooks/twilio?a=1&b=2', signedUrl: `${publicUrl}?a=1&b=2` })).status, 200, "the request's query string is appended")
  const inner = await postTwilio(url, params)
  t.equal(inner.status, 401, 'signed for the URL the ingest itself sees: not what Twilio signs')
  t.match(await inner.json(), { message: /hooks\.example\.com.*public_url/ })
})

t.test('without TWILIO_AUTH_TOKEN every POST is refused as not configured', async (t) => {
  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc, { twilio: { authTokens: [], numbers: TWILIO_NUMBERS } })
  const res = await postTwilio(url, twilioFixture('inbound-text.json'))
  t.equal(res.status, 401)
  t.match(await res.json(), { error: 'DESKPULSE_ERR_NOT_CONFIGURED', message: /TWILIO_AUTH_TOKEN/ })
  t.equal(await streamCount(nats.nc), 0)
})
