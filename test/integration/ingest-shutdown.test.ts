import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { startNats } from '../helpers/harness.js'
import { startIngest, streamEvents } from '../helpers/ingest.js'
import { postSigned, textWebhook, TEST_PII_KEY } from '../helpers/webhooks.js'
import { createMessageKeyer } from '../../ingest/pii.js'

/** Wamids are stored keyed (docs/ingest.md "Privacy"). */
const keyMessage = createMessageKeyer(TEST_PII_KEY)

t.test('graceful shutdown: stops accepting, finishes in-flight requests, then closes', async (t) => {
  const nats = await startNats(t)
  const { ingest, url } = await startIngest(t, nats.nc, { ackTimeoutMs: 10_000 })
  // A paused nats-server holds every publish un-acknowledged: the requests stay in flight.
  process.kill(nats.server.pid!, 'SIGSTOP')
  t.teardown(() => {
    process.kill(nats.server.pid!, 'SIGCONT')
  })
  const ids = Array.from({ length: 20 }, (_, i) => `wamid.SHUTDOWN-${i}`)
  const inFlight = ids.map((id) => postSigned(url, JSON.stringify(textWebhook({ id }))).then((res) => res.status))
  await sleep(300)

  let closed = false
  const closing = ingest.close().then(() => (closed = true))
  await sleep(200)
  t.notOk(closed, 'close waits for the requests in flight')
  const late = await postSigned(url, JSON.stringify(textWebhook({ id: 'wamid.LATE' })))
    .then((r) => r.status)
    .catch(() => 'refused')
  t.ok(late === 503 || late === 'refused', `a new request is not accepted while closing (${late})`)

  process.kill(nats.server.pid!, 'SIGCONT')
  t.same(await Promise.all(inFlight), ids.map(() => 200), 'every in-flight request completed with 200')
  await closing
  const stored = new Set((await streamEvents(nats.nc)).map((e) => e.msgId))
  t.same(ids.filter((id) => !stored.has(`wa:in:${keyMessage(id)}`)), [], 'and its event is in the stream')
  t.notOk(stored.has(`wa:in:${keyMessage('wamid.LATE')}`))
  await t.rejects(fetch(`${url}/healthz`), 'no longer listening')
})
