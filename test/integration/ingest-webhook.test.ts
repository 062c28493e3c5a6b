import t from 'tap'
import { startNats } from '../helpers/harness.js'
import { startIngest, streamEvents, streamCount, logCapture } from '../helpers/ingest.js'
import { postSigned, textWebhook, TEST_SECRET, TEST_VERIFY_TOKEN, TEST_PII_KEY, TEST_API_TOKEN } from '../helpers/webhooks.js'
import { signBody } from '../../ingest/whatsapp/signature.js'
import { createHmac } from 'node:crypto'

/** Stored wamids (docs/ingest.md "Privacy"): HMAC-SHA256 of `\0message-id:<wamid>` under the PII key. */
const mid = (id: string) => createHmac('sha256', TEST_PII_KEY).update(`\u0000message-id:${id}`).digest('hex')

t.test('webhook route', async (t) => {
  const nats = await startNats(t)
  const logs = logCapture()
  const { url, privateUrl } = await startIngest(t, nats.nc, { appSecrets: ['retired-secret-1', TEST_SECRET] }, logs.log)

  await t.test('verification handshake', async (t) => {
    const q = (p: Record<string, string>) => fetch(`${url}/webhooks/whatsapp?${new URLSearchParams(p)}`)
    const ok = await q({ 'hub.mode': 'subscribe', 'hub.verify_token': TEST_VERIFY_TOKEN, 'hub.challenge': '1158201444' })
    t.equal(ok.status, 200)
    t.match(ok.headers.get('content-type'), /^text\/plain/)
    t.equal(await ok.text(), '1158201444', 'the raw challenge')
    t.equal(ok.headers.get('x-content-type-options'), 'nosniff', 'the echo is never sniffed into HTML')
    t.equal(ok.headers.get('content-type'), 'text/plain; charset=utf-8')
    for (const token of [TEST_VERIFY_TOKEN.slice(0, -1), `${TEST_VERIFY_TOKEN}x`, '', TEST_VERIFY_TOKEN.toUpperCase()]) {
      t.equal((await q({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1' })).status, 403, `token ${JSON.stringify(token)} (length ${token.length})`)
    }
    t.equal((await q({ 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1' })).status, 403)
    t.equal((await q({ 'hub.mode': 'unsubscribe', 'hub.verify_token': TEST_VERIFY_TOKEN, 'hub.challenge': '1' })).status, 403)
    t.equal((await q({})).status, 403)
  })

  await t.test('unsigned or wrongly signed bodies are 401 and publish nothing', async (t) => {
    const body = JSON.stringify(textWebhook({ id: 'wamid.UNSIGNED' }))
    const before = await streamCount(nats.nc)
    const missing = await fetch(`${url}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    t.equal(missing.status, 401)
    t.match(await missing.json(), { error: 'DESKPULSE_ERR_SIGNATURE_MISSING' })
    t.equal((await postSigned(url, body, 'not-the-secret')).status, 401, 'wrong secret')
    t.equal((await postSigned(url, body, TEST_SECRET, { 'x-hub-signature-256': 'sha256=00' })).status, 401, 'short digest')
    // Buffer.from(hex) stops at the first non-hex character: these carried the right digest.
    for (const junk of ['junk', '00', 'g', '=', ',sha256=00']) {
      const res = await postSigned(url, body, TEST_SECRET, { 'x-hub-signature-256': signBody(body, TEST_SECRET) + junk })
      t.equal(res.status, 401, `the right digest followed by ${JSON.stringify(junk)}`)
    }
    t.equal((await postSigned(url, body, TEST_SECRET, { 'x-hub-signature-256': signBody(body, TEST_SECRET).replace('sha256=', 'sha1=') })).status, 401, 'wrong scheme')
    const tampered = body.replace('wamid.UNSIGNED', 'wamid.UNSIGNEE')
    t.equal((await postSigned(url, tampered, TEST_SECRET, { 'x-hub-signature-256': signBody(body, TEST_SECRET) })).status, 401, 'body changed after signing')
    t.equal(await streamCount(nats.nc), before)
    t.equal((await postSigned(url, body, TEST_SECRET, { 'x-hub-signature-256': signBody(body, TEST_SECRET).toUpperCase().replace('SHA256=', 'sha256=') })).status, 200, 'upper-case hex is still hex')
  })

  await t.test('any of the configured secrets is accepted during a rotation', async (t) => {
    const res = await postSigned(url, JSON.stringify(textWebhook({ id: 'wamid.ROTATED' })), 'retired-secret-1')
    t.equal(res.status, 200)
  })

  await t.test('the signature covers the raw bytes, escapes included', async (t) => {
    // Meta writes non-ASCII as \uXXXX and "/" as "\/"; JSON.stringify of the parsed body would
    // differ from these bytes, so only a check over the raw bytes accepts it.
    const raw = JSON.stringify(textWebhook({ id: 'wamid.ESCAPED', body: 'PLACEHOLDER' })).replace('PLACEHOLDER', 'caff\\u00e8 \\/ ordine')
    t.not(JSON.stringify(JSON.parse(raw)), raw, 'a re-serialisation would not match')
    const before = await streamCount(nats.nc)
    t.equal((await postSigned(url, raw)).status, 200)
    t.equal(await streamCount(nats.nc), before + 1)
  })

  await t.test('a batch: every entry, change and item becomes an event', async (t) => {
    const value = (line: string, n: number) => ({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '1555', phone_number_id: line },
      contacts: [{ wa_id: '391110000' }],
      messages: Array.from({ length: n }, (_, i) => ({ from: '391110000', id: `wamid.B-${line}-${i}`, timestamp: '1764000000', type: 'text', text: { body: 'x' } })),
      statuses: [{ id: `wamid.OUT-${line}`, status: 'delivered', timestamp: '1764000001', recipient_id: '391110000' }, { id: `wamid.OUT-${line}`, status: 'read', timestamp: '1764000002', recipient_id: '391110000' }],
    })
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        { id: 'W1', changes: [{ field: 'messages', value: value('L1', 3) }, { field: 'messages', value: value('L2', 1) }] },
        { id: 'W2', changes: [{ field: 'messages', value: value('L3', 2) }] },
      ],
    }
    const after = (await streamEvents(nats.nc)).at(-1)?.seq ?? 0
    const res = await postSigned(url, JSON.stringify(payload))
    t.equal(res.status, 200)
    t.same(await res.json(), { accepted: 12, duplicates: 0 }, '3+1+2 messages and 3×2 statuses')
    const ids = (await streamEvents(nats.nc, after)).map((e) => e.msgId).sort()
    t.same(ids, [
      `wa:in:${mid('wamid.B-L1-0')}`, `wa:in:${mid('wamid.B-L1-1')}`, `wa:in:${mid('wamid.B-L1-2')}`, `wa:in:${mid('wamid.B-L2-0')}`, `wa:in:${mid('wamid.B-L3-0')}`, `wa:in:${mid('wamid.B-L3-1')}`,
      `wa:st:${mid('wamid.OUT-L1')}:delivered`, `wa:st:${mid('wamid.OUT-L1')}:read`, `wa:st:${mid('wamid.OUT-L2')}:delivered`, `wa:st:${mid('wamid.OUT-L2')}:read`, `wa:st:${mid('wamid.OUT-L3')}:delivered`, `wa:st:${mid('wamid.OUT-L3')}:read`,
    ].sort())
  })

  await t.test('the same POST twice is one event in the stream', async (t) => {
    const raw = JSON.stringify(textWebhook({ id: 'wamid.TWICE' }))
    const before = await streamCount(nats.nc)
    t.same(await (await postSigned(url, raw)).json(), { accepted: 1, duplicates: 0 })
    t.same(await (await postSigned(url, raw)).json(), { accepted: 1, duplicates: 1 })
    t.equal(await streamCount(nats.nc), before + 1)
  })

  await t.test('bodies: over 3 MB is 413, just under is accepted, not JSON is 400, not WhatsApp is 400', async (t) => {
    const before = await streamCount(nats.nc)
    const big = JSON.stringify(textWebhook({ id: 'wamid.BIG', body: 'x'.repeat(3 * 1024 * 1024) }))
    t.equal((await postSigned(url, big)).status, 413)
    const template = JSON.stringify(textWebhook({ id: 'wamid.NEARLIMIT', body: 'PAD' }))
    const nearLimit = template.replace('PAD', 'y'.repeat(3 * 1024 * 1024 - template.length + 3))
    t.equal(Buffer.byteLength(nearLimit), 3 * 1024 * 1024)
    t.equal((await postSigned(url, nearLimit)).status, 200, 'exactly 3 MiB is accepted')
    const notJson = await postSigned(url, '{"object": "whatsapp_business_account", ')
    t.equal(notJson.status, 400)
    t.match(await notJson.json(), { error: 'DESKPULSE_ERR_NOT_JSON' })
    const other = await postSigned(url, JSON.stringify({ object: 'instagram', entry: [] }))
    t.equal(other.status, 400)
    t.match(await other.json(), { error: 'DESKPULSE_ERR_NOT_WHATSAPP', message: /object must be "whatsapp_business_account"/ })
    t.equal(await streamCount(nats.nc), before + 1, 'only the accepted body was published')
  })

  await t.test('metrics count requests by route and code, rejections by reason, events by kind', async (t) => {
    const text = await (await fetch(`${privateUrl}/metrics`)).text()
    t.match(text, /deskpulse_ingest_requests_total\{route="\/webhooks\/whatsapp",code="401"\} [1-9]/)
    t.match(text, /deskpulse_ingest_requests_total\{route="\/webhooks\/whatsapp",code="413"\} 1\b/)
    t.match(text, /deskpulse_ingest_rejected_total\{reason="signature_missing"\} 1\b/)
    t.match(text, /deskpulse_ingest_rejected_total\{reason="not_whatsapp"\} 1\b/)
    t.match(text, /deskpulse_ingest_events_published_total\{kind="message.status"\} 6\b/)
    // New message.in events: upper-case digest, rotated secret, escaped, 6 in the batch, the
    // twice-posted one once, the near-limit body: 11; the second post of TWICE is a duplicate.
    t.match(text, /deskpulse_ingest_events_published_total\{kind="message.in"\} 11\b/)
    t.match(text, /deskpulse_ingest_events_duplicate_total\{kind="message.in"\} 1\b/)
    t.match(text, /deskpulse_ingest_publish_seconds_count [1-9]/)
  })

  await t.test('health and readiness', async (t) => {
    t.equal((await fetch(`${url}/healthz`)).status, 200)
    t.same(await (await fetch(`${url}/readyz`)).json(), { status: 'ready' })
  })

  await t.test('logs hold no secrets, signatures, phone numbers or message text', async (t) => {
    const text = logs.text()
    for (const secret of [TEST_SECRET, TEST_VERIFY_TOKEN, TEST_PII_KEY, TEST_API_TOKEN, '393331234567', '391110000', 'il mio ordine', 'sha256=']) {
      t.notOk(text.includes(secret), `not in logs: ${secret.slice(0, 6)}…`)
    }
  })
})

t.test('the logger redacts sensitive fields wherever they are logged', async (t) => {
  const logs = logCapture()
  logs.log.info({ req: { headers: { authorization: 'Bearer s3cr3t', 'x-hub-signature-256': 'sha256=abc' } }, msg: { text: 'ciao', wa_id: '39333', from: '39333' } }, 'x')
  const line = logs.text()
  t.notMatch(line, /s3cr3t|sha256=abc|ciao|39333/)
  t.match(line, /\[redacted\]/)
})
