import t from 'tap'
import { createHmac } from 'node:crypto'
import { startNats } from '../helpers/harness.js'
import { startIngest, streamEvents, streamCount, logCapture } from '../helpers/ingest.js'
import { postSigned, TEST_PII_KEY, TEST_SECRET } from '../helpers/webhooks.js'
import { signBody } from '../../ingest/whatsapp/signature.js'
import { dialog360Fixture, dialog360FixtureNames, postDialog360, DIALOG360_TEST_TOKEN } from '../helpers/dialog360.js'
import { expectedKinds } from '../helpers/fixtures.js'

const mid = (id: string) => createHmac('sha256', TEST_PII_KEY).update(`\u0000message-id:${id}`).digest('hex')
const cust = (line: string, waId: string) => createHmac('sha256', TEST_PII_KEY).update(`${line}:${waId}`).digest('hex')
const LINE = '100000000000002'

t.test('360dialog webhook route', async (t) => {
  const nats = await startNats(t)
  const logs = logCapture()
  const { url } = await startIngest(t, nats.nc, { dialog360Tokens: ['retired-dialog360-token-0000', DIALOG360_TEST_TOKEN] }, logs.log)

  await t.test('every Cloud API fixture gives the events the Meta path gives, marked 360dialog', async (t) => {
    const cloud = dialog360FixtureNames().filter((f) => f.startsWith('cloud-'))
    t.same(cloud, ['cloud-interactive-reply.json', 'cloud-status-failed.json', 'cloud-statuses.json', 'cloud-text.json'])
    for (const file of cloud) {
      const raw = dialog360Fixture(file)
      const after = (await streamEvents(nats.nc)).at(-1)?.seq ?? 0
      const res = await postDialog360(url, raw)
      t.equal(res.status, 200, file)
      const events = (await streamEvents(nats.nc, after)).map((e) => e.event)
      t.same(events.map((e) => e.kind), expectedKinds(JSON.parse(raw)), `${file}: one event per item`)
      for (const e of events) t.match(e, { source: '360dialog', line: LINE })
      const stored = JSON.stringify(events)
      for (const s of ['4915100000001', '4915100000002', '4930901820', 'wamid.', 'Bestellung']) t.notOk(stored.includes(s), `${file}: no ${s}`)
    }
  })

  await t.test('ids and keys are the WhatsApp path\'s, so a number moved between providers keeps its history', async (t) => {
    const text = JSON.parse(dialog360Fixture('cloud-text.json'))
    const wamid = text.entry[0].changes[0].value.messages[0].id as string
    const before = await streamCount(nats.nc)
    // The same message arriving through Meta's own webhook is the event already stored.
    const res = await postSigned(url, dialog360Fixture('cloud-text.json'))
    t.equal(res.status, 200)
    t.same(await res.json(), { accepted: 1, duplicates: 1 })
    t.equal(await streamCount(nats.nc), before)
    const [stored] = (await streamEvents(nats.nc)).filter((e) => e.msgId === `wa:in:${mid(wamid)}`)
    t.match(stored?.event, { customer: cust(LINE, '4915100000001'), message_id: mid(wamid) })
  })

  await t.test('a retried webhook is stored once', async (t) => {
    const before = await streamCount(nats.nc)
    const res = await postDialog360(url, dialog360Fixture('cloud-statuses.json'))
    t.same(await res.json(), { accepted: 3, duplicates: 3 })
    t.equal(await streamCount(nats.nc), before)
  })

  await t.test('the bearer token 360dialog sends: missing, wrong or not configured is a 401, nothing published', async (t) => {
    const raw = dialog360Fixture('cloud-text.json').replace('NjQ3AA==', 'NjQ4AA==')
    t.not(raw, dialog360Fixture('cloud-text.json'), 'a message not seen yet')
    const before = await streamCount(nats.nc)
    const missing = await postDialog360(url, raw, null)
    t.equal(missing.status, 401)
    t.match(await missing.json(), { error: 'DESKPULSE_ERR_TOKEN', message: /missing bearer token/ })
    const wrong = await postDialog360(url, raw, `${DIALOG360_TEST_TOKEN}x`)
    t.equal(wrong.status, 401)
    t.match(await wrong.json(), { error: 'DESKPULSE_ERR_TOKEN', message: /invalid bearer token/ })
    t.equal((await postDialog360(url, raw, null, { authorization: `Basic ${Buffer.from(`u:${DIALOG360_TEST_TOKEN}`).toString('base64')}` })).status, 401, 'not a bearer token')
    // Meta's signature is no substitute: 360dialog does not send one made with your app secret.
    t.equal((await postDialog360(url, raw, null, { 'x-hub-signature-256': signBody(raw, TEST_SECRET) })).status, 401, 'a Meta signature instead of the token')
    t.equal(await streamCount(nats.nc), before, 'nothing published')
    t.equal((await postDialog360(url, raw, 'retired-dialog360-token-0000')).status, 200, 'either token of a rotation')
  })

  await t.test('bad input: coded 400s naming the problem, nothing published', async (t) => {
    const before = await streamCount(nats.nc)
    const onPremise = await postDialog360(url, dialog360Fixture('onpremise-text.json'))
    t.equal(onPremise.status, 400)
    t.match(await onPremise.json(), { error: 'DESKPULSE_ERR_NOT_WHATSAPP', message: /On-Premise API payload.*only Cloud API numbers/ })
    const notJson = await postDialog360(url, '{"object": "whatsapp_business_account", ')
    t.equal(notJson.status, 400)
    t.match(await notJson.json(), { error: 'DESKPULSE_ERR_NOT_JSON' })
    const deep = await postDialog360(url, '['.repeat(100_000))
    t.equal(deep.status, 400)
    t.match(await deep.json(), { error: 'DESKPULSE_ERR_TOO_DEEP' })
    const noLine = JSON.parse(dialog360Fixture('cloud-text.json'))
    noLine.entry[0].changes[0].value.metadata.phone_number_id = 'x'.repeat(40)
    const badLine = await postDialog360(url, JSON.stringify(noLine))
    t.equal(badLine.status, 400)
    t.match(await badLine.json(), { error: 'DESKPULSE_ERR_INVALID_LINE', message: /^entry\[0\]\.changes\[0\]\.value\.metadata\.phone_number_id/ })
    t.equal(await streamCount(nats.nc), before, 'nothing published')
    const logged = logs.text()
    for (const s of ['4915100000001', 'Bestellung', DIALOG360_TEST_TOKEN]) t.notOk(logged.includes(s), `the log holds no ${s.slice(0, 8)}…`)
  })
})

t.test('without DIALOG360_WEBHOOK_TOKEN every POST is refused as not configured', async (t) => {
  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc, { dialog360Tokens: [] })
  const res = await postDialog360(url, dialog360Fixture('cloud-text.json'))
  t.equal(res.status, 401)
  t.match(await res.json(), { error: 'DESKPULSE_ERR_NOT_CONFIGURED', message: /DIALOG360_WEBHOOK_TOKEN/ })
  t.equal(await streamCount(nats.nc), 0)
})
