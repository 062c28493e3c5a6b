/**
 * Exposure (docs/architecture.md "Exposure", issue 14): the public ports serve the webhook, the events,
 * health and the wallboard only; /metrics, /v1/summary and /openapi.json answer on the private
 * listeners, bound to 127.0.0.1 unless configured; /v1/summary needs DESKPULSE_ADMIN_TOKEN when
 * set; the wallboard's /live refuses other sites' pages (Origin) at the handshake.
 */
import t from 'tap'
import WebSocket from 'ws'
import { networkInterfaces } from 'node:os'
import { startNats, startClickHouse, freePort } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const ADMIN_TOKEN = 'exposure-admin-token-0123'
const WALLBOARD_TOKEN = 'exposure-wallboard'
const ALLOWED_ORIGIN = 'https://wall.example.com'
const status = async (url: string, init?: RequestInit) => (await fetch(url, init)).status

/** An IPv4 address of this machine that is not loopback, if it has one. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address

/** The handshake's HTTP status: 101 when the socket opened. */
function handshake(url: string, origin?: string): Promise<number> {
  const ws = new WebSocket(url, origin ? { origin } : {})
  return new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('open', () => resolve(101))
    ws.on('error', () => resolve(0))
  }).finally(() => ws.terminate())
}

t.test('ingest: the public port serves the webhook, events and health; /metrics and /openapi.json only the private one', async (t) => {
  const nats = await startNats(t)
  const { url, privateUrl } = await startIngest(t, nats.nc)
  for (const path of ['/metrics', '/openapi.json', '/v1/summary']) t.equal(await status(`${url}${path}`), 404, `public ${path}: 404`)
  t.equal(await status(`${url}/healthz`), 200, 'public /healthz')
  t.equal(await status(`${url}/readyz`), 200, 'public /readyz')
  t.equal(await status(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' }), 401, 'public /v1/events answers (its token)')
  t.equal(await status(`${url}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 401, 'public webhook answers (its signature)')
  t.equal(new URL(privateUrl).hostname, '127.0.0.1', 'the private listener is on loopback by default')
  t.match(await (await fetch(`${privateUrl}/metrics`)).text(), /deskpulse_ingest_requests_total/, 'private /metrics')
  t.match(await (await fetch(`${privateUrl}/openapi.json`)).json(), { openapi: /^3\./, paths: { '/v1/events': {} } }, 'private /openapi.json')
  t.equal(await status(`${privateUrl}/webhooks/whatsapp`, { method: 'POST', body: '{}' }), 404, 'no webhook on the private port')
})

t.test('processor: public = health + wallboard, private (127.0.0.1 by default) = /metrics + /v1/summary with its token; /live checks Origin', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const port = await freePort()
  // Public on every interface, as HOST defaults to 0.0.0.0; the private host left to its default.
  const processor = createProcessor(
    { host: '0.0.0.0', port, config: parseConfig({}), adminToken: ADMIN_TOKEN, wallboardToken: WALLBOARD_TOKEN, wallboardOrigins: [ALLOWED_ORIGIN] },
    { nc: nats.nc, clickhouse: ch.client, log },
  )
  await processor.start()
  t.teardown(() => processor.close())
  const base = `http://127.0.0.1:${port}`
  const priv = processor.privateUrl!

  await t.test('ports', async (t) => {
    for (const path of ['/metrics', '/v1/summary', '/openapi.json']) t.equal(await status(`${base}${path}`), 404, `public ${path}: 404`)
    t.equal(await status(`${base}/healthz`), 200, 'public /healthz')
    t.equal(await status(`${base}/readyz`), 200, 'public /readyz')
    t.equal(await status(`${base}/?token=${WALLBOARD_TOKEN}`), 200, 'public wallboard page')
    t.equal(await status(`${base}/wallboard/app.js`), 200, 'public wallboard assets')
    t.equal(new URL(priv).hostname, '127.0.0.1', 'the private listener is bound to 127.0.0.1 by default')
    t.match(await (await fetch(`${priv}/metrics`)).text(), /deskpulse_processor_partitions_owned/, 'private /metrics')
    t.equal(await status(`${priv}/`), 404, 'no wallboard on the private port')
    if (outsideAddress) {
      t.equal(await status(`http://${outsideAddress}:${port}/healthz`), 200, `the public port answers on ${outsideAddress}`)
      await t.rejects(fetch(`http://${outsideAddress}:${new URL(priv).port}/metrics`), `the private port does not answer on ${outsideAddress}`)
    } else t.comment('no non-loopback IPv4 address on this machine: the outside check is skipped')
  })

  await t.test('the summary token', async (t) => {
    const none = await fetch(`${priv}/v1/summary`)
    t.equal(none.status, 401, 'no token: 401')
    t.same(await none.json(), { error: 'DESKPULSE_ERR_ADMIN_TOKEN', message: 'a valid Authorization: Bearer <DESKPULSE_ADMIN_TOKEN> is required' }, 'a coded error')
    t.equal(await status(`${priv}/v1/summary`, { headers: { authorization: 'Bearer exposure-admin-token-9999' } }), 401, 'wrong token: 401')
    t.equal(await status(`${priv}/v1/summary`, { headers: { authorization: ADMIN_TOKEN } }), 401, 'not a bearer: 401')
    const ok = await fetch(`${priv}/v1/summary`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    t.equal(ok.status, 200, 'the token: 200')
    t.match(await ok.json(), { conversations: { opened: 0 } })
    t.equal(await status(`${priv}/metrics`), 200, '/metrics needs no token (Prometheus on the private network)')
  })

  await t.test('the wallboard feed’s Origin', async (t) => {
    const live = `ws://127.0.0.1:${port}/live?token=${WALLBOARD_TOKEN}`
    t.equal(await handshake(live, 'https://evil.example'), 403, 'another site’s page: 403, even with the token')
    t.equal(await handshake(live, 'null'), 403, 'an opaque origin (sandboxed page, file:): 403')
    t.equal(await handshake(live, `http://127.0.0.1:${port}`), 101, 'its own origin (Origin host = Host): accepted')
    t.equal(await handshake(live, ALLOWED_ORIGIN), 101, 'an origin of DESKPULSE_WALLBOARD_ORIGINS: accepted')
    t.equal(await handshake(`ws://127.0.0.1:${port}/live`, `http://127.0.0.1:${port}`), 401, 'its own origin without the token: 401')
    t.equal(await handshake(live), 101, 'no Origin (not a browser) with the token: accepted')
    t.equal(await handshake(`ws://127.0.0.1:${port}/live`), 401, 'no Origin without the token: 401')
  })
})

t.test('processor without a wallboard token: /live still refuses other sites’ pages', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const port = await freePort()
  const processor = createProcessor({ host: '127.0.0.1', port, config: parseConfig({}) }, { nc: nats.nc, clickhouse: ch.client, log })
  await processor.start()
  t.teardown(() => processor.close())
  t.equal(await handshake(`ws://127.0.0.1:${port}/live`, 'https://evil.example'), 403, 'another site: 403')
  t.equal(await handshake(`ws://localhost:${port}/live`, `http://localhost:${port}`), 101, 'its own origin: accepted')
  t.equal(await handshake(`ws://127.0.0.1:${port}/live`), 101, 'no Origin, no token configured: accepted')
  t.equal(await status(`${processor.privateUrl}/v1/summary`), 200, 'no DESKPULSE_ADMIN_TOKEN: the summary is open on the private listener')
})
