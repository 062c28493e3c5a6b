import t from 'tap'
import { spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, tempDir, eventually } from '../helpers/harness.js'
import { textWebhook, postSigned, TEST_SECRET } from '../helpers/webhooks.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))

t.test('deskpulse start runs the engine, answers on both /healthz, and stops cleanly on Ctrl-C', async (t) => {
  const dataDir = await tempDir(t)
  const [port, processorPort, natsPort, natsMonitorPort, ingestPrivatePort, processorPrivatePort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()]
  const child = spawn(process.execPath, [bin, 'start'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PROCESSOR_PORT: String(processorPort),
      INGEST_PRIVATE_PORT: String(ingestPrivatePort),
      PROCESSOR_PRIVATE_PORT: String(processorPrivatePort),
      NATS_PORT: String(natsPort),
      NATS_MONITOR_PORT: String(natsMonitorPort),
      DESKPULSE_DATA_DIR: dataDir,
      WHATSAPP_APP_SECRET: TEST_SECRET,
      NATS_URL: '',
      CLICKHOUSE_URL: '',
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

  const ok = (url: string) => async () => ((await fetch(url)).ok ? true : undefined)
  await eventually(ok(`http://127.0.0.1:${port}/healthz`), 60_000, 'ingest /healthz')
  await eventually(ok(`http://127.0.0.1:${processorPort}/healthz`), 60_000, 'processor /healthz')
  await eventually(ok(`http://127.0.0.1:${port}/readyz`), 10_000, 'ingest /readyz')
  t.match(output, `http://127.0.0.1:${port}`, 'prints the ingest URL')
  t.match(output, `http://127.0.0.1:${processorPort}`, 'prints the processor URL')
  t.match(output, `http://127.0.0.1:${processorPrivatePort}/metrics`, 'prints the private metrics URL')
  t.equal((await fetch(`http://127.0.0.1:${processorPort}/metrics`)).status, 404, 'no /metrics on the public processor port')
  t.equal((await fetch(`http://127.0.0.1:${ingestPrivatePort}/openapi.json`)).status, 200, 'the OpenAPI on the ingest private port')

  const secrets = await stat(path.join(dataDir, 'secrets.env'))
  t.equal(secrets.mode & 0o777, 0o600, 'generated secrets are private to the user')

  const res = await postSigned(`http://127.0.0.1:${port}`, JSON.stringify(textWebhook({ id: 'wamid.E2E1' })))
  t.equal(res.status, 200)
  await eventually(async () => {
    const text = await (await fetch(`http://127.0.0.1:${processorPrivatePort}/metrics`)).text()
    return /deskpulse_events_processed_total\{kind="message.in"\} 1\b/.test(text) ? true : undefined
  }, 15_000, 'the processor to count the event')

  child.kill('SIGINT')
  t.equal(await exited, 0, 'exits 0 on SIGINT')
  await t.rejects(fetch(`http://127.0.0.1:${natsMonitorPort}/healthz`), 'the child nats-server is gone')
  t.notMatch(output, /393331234567/, 'no phone number in the logs')
})
