/**
 * Issue 14: answers that tell senders the truth. Permanent problems are 400/413/422 with a coded
 * error and publish nothing; event times are guarded; readiness follows the NATS link.
 */
import t, { type Test } from 'tap'
import { startNats, eventually } from '../helpers/harness.js'
import { startIngest, streamCount, streamEvents, bearer } from '../helpers/ingest.js'
import { postSigned, textWebhook } from '../helpers/webhooks.js'

const LINE = '106540352242922'
const csat = (id: string, at: string, extra: Record<string, unknown> = {}) => ({ id, type: 'csat.response', at, line: LINE, customer: '393331234567', score: 5, ...extra })
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString()
const deep = (n: number, inner = '1') => '['.repeat(n) + inner + ']'.repeat(n)

t.test('limits and event time', async (t) => {
  const nats = await startNats(t)
  const { url, privateUrl } = await startIngest(t, nats.nc)
  const post = (body: string) => fetch(`${url}/v1/events`, { method: 'POST', headers: bearer(), body })
  const postJson = (body: unknown) => post(JSON.stringify(body))

  /** Sends, checks status and error code, and that the stream did not move. */
  async function refused(t: Test, res: Promise<Response>, status: number, error: string, message?: RegExp) {
    const before = await streamCount(nats.nc)
    const r = await res
    const body = (await r.json()) as { error: string; message: string }
    t.equal(r.status, status, `${status} ${error}: ${body.message.slice(0, 120)}`)
    t.equal(body.error, error)
    if (message) t.match(body.message, message)
    t.equal(await streamCount(nats.nc), before, 'nothing published')
  }

  await t.test('helpdesk events dated beyond the 300 s skew: 422 naming the field, the whole request refused', async (t) => {
    const ok = [0, 1, 2].map((i) => csat(`fut-ok-${i}`, minutesFromNow(-1)))
    await refused(t, postJson([...ok, csat('fut-bad', minutesFromNow(10))]), 422, 'DESKPULSE_ERR_EVENT_TIME', /^events\[3\]\.at: .* more than 300 s in the future/)
    const before = await streamCount(nats.nc)
    const res = await postJson([...ok, csat('fut-near', minutesFromNow(4))])
    t.equal(res.status, 200, '4 minutes ahead is within the skew')
    t.equal(await streamCount(nats.nc), before + 4)
  })

  await t.test('dates that do not exist are 400, not rolled over', async (t) => {
    for (const at of ['2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', '2026-01-10T25:00:00Z', '2026-01-10T10:60:00Z', '2025-02-29T00:00:00Z']) {
      await refused(t, postJson([csat('d-1', '2026-01-10T10:00:00Z'), csat('d-2', at)]), 400, 'DESKPULSE_ERR_INVALID_EVENT', /^events\[1\]\.at: /)
    }
    const res = await postJson(csat('leap', '2024-02-29T23:59:59Z'))
    t.equal(res.status, 200, '29 February of a leap year exists')
    const last = (await streamEvents(nats.nc)).at(-1)!
    t.equal(last.event.at, '2024-02-29T23:59:59.000Z')
  })

  await t.test('an event larger than the bus takes: 413, nothing published', async (t) => {
    const big = csat('big-1', minutesFromNow(-1), { note: 'x'.repeat(1_100_000) })
    await refused(t, postJson([csat('small', minutesFromNow(-1)), big]), 413, 'DESKPULSE_ERR_EVENT_TOO_LARGE', /^events\[1\]: the csat\.response event is \d+ bytes/)
  })

  await t.test('ids: control characters and excessive length are 400', async (t) => {
    await refused(t, postJson(csat('a\r\nNats-Msg-Id: x', minutesFromNow(-1))), 400, 'DESKPULSE_ERR_INVALID_EVENT', /^events\[0\]\.id: /)
    await refused(t, postJson(csat('tab\there', minutesFromNow(-1))), 400, 'DESKPULSE_ERR_INVALID_EVENT', /^events\[0\]\.id: /)
    await refused(t, postJson(csat('i'.repeat(257), minutesFromNow(-1))), 400, 'DESKPULSE_ERR_INVALID_EVENT', /^events\[0\]\.id: /)
    const sent = { id: 'm-1', type: 'message.sent', at: minutesFromNow(-1), line: LINE, customer: '39333', sender: { kind: 'bot' } }
    await refused(t, postJson({ ...sent, message_id: `wamid.${'A'.repeat(600 * 1024)}` }), 400, 'DESKPULSE_ERR_INVALID_EVENT', /^events\[0\]\.message_id: /)
    await refused(t, postJson({ ...sent, message_id: 'wamid.A\nB' }), 400, 'DESKPULSE_ERR_INVALID_EVENT', /^events\[0\]\.message_id: /)
    t.equal((await postJson({ ...sent, id: 'i'.repeat(256) })).status, 200, '256 characters is accepted')
  })

  await t.test('lines: at most 32 printable characters', async (t) => {
    await refused(t, postJson(csat('l-1', minutesFromNow(-1), { line: '1'.repeat(100_000) })), 400, 'DESKPULSE_ERR_INVALID_EVENT', /^events\[0\]\.line: /)
    await refused(t, postJson(csat('l-2', minutesFromNow(-1), { line: '123 456' })), 400, 'DESKPULSE_ERR_INVALID_EVENT', /^events\[0\]\.line: /)
    await refused(t, postSigned(url, JSON.stringify(textWebhook({ line: '1'.repeat(100_000) }))), 400, 'DESKPULSE_ERR_INVALID_LINE', /phone_number_id/)
    t.equal((await postSigned(url, JSON.stringify(textWebhook({ line: '1'.repeat(32), id: 'wamid.LINE32' })))).status, 200, '32 digits is accepted')
  })

  await t.test('webhook wamids: control characters and 600 KB are 400 naming the item', async (t) => {
    await refused(t, postSigned(url, JSON.stringify(textWebhook({ id: 'wamid.A\r\nB' }))), 400, 'DESKPULSE_ERR_INVALID_ID', /^entry\[0\]\.changes\[0\]\.value\.messages\[0\]\.id: /)
    await refused(t, postSigned(url, JSON.stringify(textWebhook({ id: `wamid.${'B'.repeat(600 * 1024)}` }))), 400, 'DESKPULSE_ERR_INVALID_ID', /longer than 256/)
  })

  await t.test('deep JSON: 400 DESKPULSE_ERR_TOO_DEEP on both routes, at 5,000 and 100,000 levels', async (t) => {
    for (const n of [65, 5_000, 100_000]) {
      await refused(t, post(deep(n)), 400, 'DESKPULSE_ERR_TOO_DEEP')
      await refused(t, post(JSON.stringify(csat(`deep-${n}`, minutesFromNow(-1))).replace('"score"', `"x":${deep(n)},"score"`)), 400, 'DESKPULSE_ERR_TOO_DEEP')
      const webhook = JSON.stringify(textWebhook({ id: `wamid.DEEP${n}` })).replace('"type":"text"', `"type":"text","x":${deep(n)}`)
      await refused(t, postSigned(url, webhook), 400, 'DESKPULSE_ERR_TOO_DEEP')
    }
    // Brackets inside strings do not count.
    t.equal((await postJson(csat('brackets', minutesFromNow(-1), { note: '['.repeat(1000) }))).status, 200)
    t.equal((await postSigned(url, JSON.stringify(textWebhook({ id: 'wamid.BR', body: '{'.repeat(1000) + '\\"' })))).status, 200)
    t.equal((await postJson(csat('depth-64', minutesFromNow(-1), { x: JSON.parse(deep(63)) }))).status, 200, '64 levels (the body and 63 arrays) are accepted')
  })

  await t.test('webhook item times: far future and invalid are clamped to the receive time and counted', async (t) => {
    const after = (await streamEvents(nats.nc)).at(-1)?.seq ?? 0
    const sent = Date.now()
    t.equal((await postSigned(url, JSON.stringify(textWebhook({ id: 'wamid.Y5138', ts: 99_999_999_999 })))).status, 200, 'accepted')
    t.equal((await postSigned(url, JSON.stringify(textWebhook({ id: 'wamid.SKEW', ts: Math.floor(sent / 1000) + 3_600 })))).status, 200, 'accepted')
    const answered = Date.now()
    const events = await streamEvents(nats.nc, after)
    t.equal(events.length, 2)
    for (const e of events) {
      const at = Date.parse(e.event.at)
      t.ok(at >= sent - 1000 && at <= answered + 1000, `at ${e.event.at} is the receive time`)
      t.equal(e.event.at, e.event.received_at)
    }
    const metrics = await (await fetch(`${privateUrl}/metrics`)).text()
    t.match(metrics, /deskpulse_ingest_timestamps_clamped_total\{reason="future"\} 2\b/)
    t.match(metrics, /deskpulse_ingest_timestamps_clamped_total\{reason="invalid"\} 0\b/)
    t.match(metrics, /deskpulse_ingest_rejected_total\{reason="too_deep"\} 9\b/)
  })

  await t.test('a tighter skew from the config', async (t) => {
    const { url: tight } = await startIngest(t, nats.nc, { maxFutureSkewSeconds: 60 })
    const res = await fetch(`${tight}/v1/events`, { method: 'POST', headers: bearer(), body: JSON.stringify(csat('tight', minutesFromNow(2))) })
    t.equal(res.status, 422)
    t.match(await res.json(), { error: 'DESKPULSE_ERR_EVENT_TIME', message: /more than 60 s/ })
  })

  await t.test('readiness: not ready while NATS is reconnecting, ready again once back', async (t) => {
    t.equal((await fetch(`${url}/readyz`)).status, 200)
    await nats.server.stop()
    const down = await eventually(async () => {
      const r = await fetch(`${url}/readyz`)
      return r.status === 503 ? ((await r.json()) as { reason: string }) : undefined
    }, 15_000, '/readyz 503')
    t.match(down.reason, /reconnecting/, `reason: ${down.reason}`)
    const event = await fetch(`${url}/v1/events`, { method: 'POST', headers: bearer(), body: JSON.stringify(csat('while-down', minutesFromNow(-1))) })
    t.equal(event.status, 503, 'only real bus unavailability is a 503')
    t.match(await event.json(), { error: 'DESKPULSE_ERR_BUS_UNAVAILABLE' })
    await nats.restart()
    await eventually(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 15_000, '/readyz 200')
    t.pass('ready again after the reconnect')
  })
})
