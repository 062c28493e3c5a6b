import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { startNats, eventually } from '../helpers/harness.js'
import { startIngest, streamEvents } from '../helpers/ingest.js'
import { postSigned, textWebhook, TEST_PII_KEY } from '../helpers/webhooks.js'
import { createMessageKeyer } from '../../ingest/pii.js'

/** Wamids are stored keyed (docs/ingest.md "Privacy"). */
const keyMessage = createMessageKeyer(TEST_PII_KEY)

t.test('NATS stopped mid-test: 503 while down, recovery after, every 200 stored', async (t) => {
  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc, { ackTimeoutMs: 1_000 })
  const post = (id: string) => postSigned(url, JSON.stringify(textWebhook({ id })))

  t.equal((await post('wamid.BEFORE')).status, 200)

  // Traffic keeps coming through the outage; each answer is recorded.
  const answers = new Map<string, number>()
  let sending = true
  const traffic = (async () => {
    for (let i = 0; sending; i++) {
      const id = `wamid.LIVE-${i}`
      const res = await post(id)
      answers.set(id, res.status)
      await sleep(20)
    }
  })()

  await sleep(300)
  await nats.server.kill()
  const down = await post('wamid.DURING')
  t.equal(down.status, 503, 'bus down: 503, so WhatsApp retries')
  t.match(await down.json(), { error: 'DESKPULSE_ERR_BUS_UNAVAILABLE' })
  t.equal((await fetch(`${url}/readyz`)).status, 503, 'not ready while NATS is down')
  t.equal((await fetch(`${url}/healthz`)).status, 200, 'but alive')

  await sleep(500)
  await nats.restart()
  await eventually(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 15_000, 'readiness after NATS returns')
  t.equal((await post('wamid.DURING')).status, 200, "WhatsApp's retry is accepted")
  await sleep(300)
  sending = false
  await traffic

  const statuses = [...answers.values()]
  t.ok(statuses.every((s) => s === 200 || s === 503), 'only 200 or 503 were answered')
  t.ok(statuses.includes(503), 'some requests met the outage')
  t.ok(statuses.filter((s) => s === 200).length > 5, 'and some were accepted around it')

  const stored = new Set((await streamEvents(nats.nc)).map((e) => e.msgId))
  const acknowledged = ['wamid.BEFORE', 'wamid.DURING', ...[...answers].filter(([, s]) => s === 200).map(([id]) => id)]
  const missing = acknowledged.filter((id) => !stored.has(`wa:in:${keyMessage(id)}`))
  t.same(missing, [], 'every event answered 200 is in the stream')
})
