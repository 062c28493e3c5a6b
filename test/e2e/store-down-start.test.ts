/**
 * Issue 14's proof from a user's seat: `deskpulse start` with CLICKHOUSE_URL pointing at a port
 * where nothing listens still serves /metrics and the wallboard, and pages a breach to a real
 * Alertmanager within 5 s of its moment. The store is prepared in the background meanwhile.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort, tempDir, eventually, startAlertmanagerFixture } from '../helpers/harness.js'
import { textWebhook, postSigned, TEST_SECRET } from '../helpers/webhooks.js'
import { startReceiver, alertmanagerConfig } from '../helpers/alert-receiver.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))

t.test('with ClickHouse unreachable, deskpulse start serves metrics and the wallboard and pages a breach within 5 s', async (t) => {
  const receiver = await startReceiver(t)
  const am = await startAlertmanagerFixture(t, alertmanagerConfig(receiver.url))
  const dataDir = await tempDir(t)
  const [port, processorPort, privatePort, natsPort, natsMonitorPort, nowhere] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()]
  const child = spawn(process.execPath, [bin, 'start'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PROCESSOR_PORT: String(processorPort),
      PROCESSOR_PRIVATE_PORT: String(privatePort),
      INGEST_PRIVATE_PORT: String(await freePort()),
      NATS_PORT: String(natsPort),
      NATS_MONITOR_PORT: String(natsMonitorPort),
      DESKPULSE_DATA_DIR: dataDir,
      WHATSAPP_APP_SECRET: TEST_SECRET,
      NATS_URL: '',
      // Nothing listens here: every connection is refused.
      CLICKHOUSE_URL: `http://127.0.0.1:${nowhere}`,
      ALERTMANAGER_URL: am.url,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (b) => (output += b))
  child.stderr.on('data', (b) => (output += b))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const processor = `http://127.0.0.1:${processorPort}`
  await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok ? true : undefined), 60_000, 'ingest /readyz')
  await eventually(async () => ((await fetch(`${processor}/healthz`).catch(() => null))?.ok ? true : undefined), 60_000, 'processor /healthz')

  const ready = await fetch(`${processor}/readyz`)
  const body = (await ready.json()) as { status: string; store: string }
  t.equal(ready.status, 200, '/readyz is 200: the live path works')
  t.match(body.store, /ClickHouse unavailable/, '/readyz reports the store unavailable')
  const metrics = await (await fetch(`http://127.0.0.1:${privatePort}/metrics`)).text()
  t.match(metrics, /^deskpulse_processor_clickhouse_up 0$/m, '/metrics is served and says the store is down')
  const page = await fetch(`${processor}/`)
  t.equal(page.status, 200, 'the wallboard page is served')
  t.match(await page.text(), /<html/i)

  // A chat whose first message WhatsApp stamped 296 s ago: it breaches 4 s from now.
  const ts = Math.floor(Date.now() / 1000) - 296
  t.equal((await postSigned(`http://127.0.0.1:${port}`, JSON.stringify(textWebhook({ ts, id: 'wamid.STOREDOWN1' })))).status, 200, 'the webhook is accepted')
  const breach = await eventually(
    async () => receiver.delivered.find((d) => d.labels.alertname === 'HelpdeskChatEscalation' && d.labels.level === 'breach' && d.status === 'firing'),
    30_000,
    'the breach at the receiver',
  )
  const delay = breach.receivedAt - (ts + 300) * 1000
  t.comment(`breach moment → Alertmanager webhook with ClickHouse unreachable: ${delay} ms`)
  t.ok(delay >= 0 && delay <= 5_000, `paged ${delay} ms after the breach moment (at most 5 s)`)
  t.match(output, /ClickHouse not ready; live processing goes on/, 'the log says the store is retried')

  child.kill('SIGINT')
  t.equal(await exited, 0, 'stops cleanly on Ctrl-C with the store still down')
})
