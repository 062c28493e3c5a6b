/**
 * `deskpulse ingest --workers 2`: the workers share the public port; the primary serves the
 * private listener, whose /metrics sums every worker's series (a scrape of one worker would see
 * about half the requests) and whose /openapi.json is a worker's document.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { startNats, freePort, eventually } from '../helpers/harness.js'
import { TEST_SECRET, TEST_PII_KEY, TEST_API_TOKEN } from '../helpers/webhooks.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))
const REQUESTS = 20

/** One request on its own connection: node:cluster hands connections to the workers in turn. */
const postOnNewConnection = (port: number) =>
  new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/events', method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end('[]')
  })

t.test('ingest --workers 2: /metrics on the private port sums the workers; none on the public port', async (t) => {
  const nats = await startNats(t)
  const [port, privatePort] = [await freePort(), await freePort()]
  const child = spawn(process.execPath, [bin, 'ingest', '--workers', '2'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), INGEST_PRIVATE_PORT: String(privatePort), NATS_URL: nats.server.url, WHATSAPP_APP_SECRET: TEST_SECRET, DESKPULSE_PII_KEY: TEST_PII_KEY, DESKPULSE_API_TOKEN: TEST_API_TOKEN, LOG_LEVEL: process.env.TEST_LOG ?? 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const metrics = async () => (await fetch(`http://127.0.0.1:${privatePort}/metrics`)).text()
  // Both workers up: each exports its own process start time; the sum has both.
  await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), 60_000, 'public /healthz')
  await eventually(async () => (/deskpulse_ingest_rejected_total/.test(await metrics()) ? true : undefined), 60_000, 'private /metrics')

  const statuses = await Promise.all(Array.from({ length: REQUESTS }, () => postOnNewConnection(port)))
  t.same(new Set(statuses), new Set([401]), 'every unauthenticated /v1/events answered 401')
  const counted = await eventually(async () => {
    const m = /^deskpulse_ingest_requests_total\{route="\/v1\/events",code="401"\} (\d+)/m.exec(await metrics())
    return m && Number(m[1]) === REQUESTS ? Number(m[1]) : undefined
  }, 10_000, `${REQUESTS} requests counted`)
  t.equal(counted, REQUESTS, 'the private /metrics counts the requests of both workers')
  t.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404, 'no /metrics on the public port')
  t.equal((await fetch(`http://127.0.0.1:${port}/openapi.json`)).status, 404, 'no /openapi.json on the public port')
  t.match(await (await fetch(`http://127.0.0.1:${privatePort}/openapi.json`)).json(), { openapi: /^3\./, paths: { '/v1/events': {} } }, 'the OpenAPI from a worker')

  child.kill('SIGTERM')
  t.equal(await exited, 0, 'stops cleanly')
  await t.rejects(fetch(`http://127.0.0.1:${privatePort}/metrics`), 'the private listener is closed')
})
