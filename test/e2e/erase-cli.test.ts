import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { jetstreamManager } from '@nats-io/jetstream'
import { freePort, tempDir } from '../helpers/harness.js'
import { seedCustomer, physicalRows } from '../helpers/customer-rows.js'
import { openClickHouse } from '../../store/clickhouse.js'
import { startNatsServer } from '../../runtime/nats-server.js'
import { connectBus } from '../../bus/connect.js'
import { ensureStream, STREAM } from '../../bus/stream.js'
import { createCustomerKeyer } from '../../ingest/pii.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))
const PII = 'erase-cli-pii-key-0123456789'
const LINE = '106540352242922'
const WA_A = '393331234567'
const WA_B = '393339999999'
const WA_C = '393337777777'
const NO_PROCESSOR = '; live state: no processor running (each forgets the customer when it starts)'

interface Run {
  status: number | null
  stdout: string
  stderr: string
}
/** The CLI as an operator runs it: stdin is not a terminal. */
const deskpulse = (args: string[], env: Record<string, string>) =>
  new Promise<Run>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    child.stdin.end()
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b) => (stdout += b))
    child.stderr.on('data', (b) => (stderr += b))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })

/** Embedded ClickHouse of the data dir, opened in this process only between CLI runs. */
async function withStore<T>(dataDir: string, fn: (client: Awaited<ReturnType<typeof openClickHouse>>['client']) => Promise<T>): Promise<T> {
  const ch = await openClickHouse({ embeddedPath: path.join(dataDir, 'clickhouse') })
  try {
    return await fn(ch.client)
  } finally {
    await ch.close()
    const { drainPending } = await import('chdb')
    await drainPending()
  }
}

t.test('deskpulse erase on a single-machine data dir: embedded ClickHouse, local stream, generated PII key', async (t) => {
  const dataDir = await tempDir(t)
  // As `deskpulse start` leaves it: the PII key generated into secrets.env, a JetStream store.
  await writeFile(path.join(dataDir, 'secrets.env'), `DESKPULSE_PII_KEY=${PII}\n`, { mode: 0o600 })
  const [natsPort, natsMonitorPort] = [await freePort(), await freePort()]
  const env = { DESKPULSE_DATA_DIR: dataDir, NATS_URL: '', CLICKHOUSE_URL: '', DESKPULSE_PII_KEY: '', NATS_PORT: String(natsPort), NATS_MONITOR_PORT: String(natsMonitorPort), LOG_LEVEL: 'warn' }

  const migrated = await deskpulse(['migrate'], env)
  t.equal(migrated.status, 0, migrated.stderr)
  t.match(migrated.stdout, /retention: events TTL toDateTime\(at\) \+ toIntervalDay\(30\)/, 'migrate applies the retention')

  const keyer = createCustomerKeyer(PII)
  const [a, b] = [keyer(LINE, WA_A), keyer(LINE, WA_B)]
  // A customer whose events came without WhatsApp metadata is keyed with an empty line.
  const c = keyer('', WA_C)
  const storeDir = path.join(dataDir, 'nats')
  let server = await startNatsServer({ storeDir, port: natsPort, monitorPort: natsMonitorPort })
  let nc = await connectBus(server.url, 'erase-cli-test')
  await ensureStream(nc)
  const [seededA, seededB] = await withStore(dataDir, async (client) => [
    await seedCustomer(client, { customer: a, line: LINE, tag: 'a', nc }),
    await seedCustomer(client, { customer: b, line: LINE, tag: 'b', nc }),
    await seedCustomer(client, { customer: c, line: '', tag: 'c', nc }),
  ])
  await nc.close()
  await server.stop()
  const beforeB = await withStore(dataDir, (client) => physicalRows(client, b))

  const noLine = await deskpulse(['erase', '--customer', WA_A], env)
  t.equal(noLine.status, 1)
  t.match(noLine.stderr, /--line/, 'a missing --line is named')
  const noCustomer = await deskpulse(['erase', '--line', LINE], env)
  t.equal(noCustomer.status, 1)
  t.match(noCustomer.stderr, /--customer/, 'a missing --customer is named')

  const noKey = await deskpulse(['erase', '--customer', WA_A, '--line', LINE, '--yes'], { ...env, DESKPULSE_DATA_DIR: await tempDir(t) })
  t.equal(noKey.status, 1)
  t.match(noKey.stderr, /missing DESKPULSE_PII_KEY/)

  const unconfirmed = await deskpulse(['erase', '--customer', WA_A, '--line', LINE], env)
  t.equal(unconfirmed.status, 1)
  t.match(unconfirmed.stderr, /refusing to erase without confirmation: pass --yes/)

  const dry = await deskpulse(['erase', '--customer', WA_A, '--line', LINE, '--dry-run'], env)
  t.equal(dry.status, 0, dry.stderr)
  t.equal(dry.stdout, `would erase 9 rows for the customer on line ${LINE}: events 3, conversations 2, fcr_verdicts 1, escalations 2, sla_outcomes 1\n`)

  const erased = await deskpulse(['erase', '--customer', `+${WA_A}`, '--line', LINE, '--yes'], env)
  t.equal(erased.status, 0, erased.stderr)
  t.equal(erased.stdout, `erased 9 rows for the customer on line ${LINE}: events 3, conversations 2, fcr_verdicts 1, escalations 2, sla_outcomes 1; stream: 3 messages deleted, 0 already gone${NO_PROCESSOR}\n`)
  for (const r of [dry, erased]) {
    t.notMatch(r.stdout + r.stderr, WA_A, 'the wa_id is not printed')
    t.notMatch(r.stdout + r.stderr, a, 'nor its hash')
  }

  const again = await deskpulse(['erase', '--customer', WA_A, '--line', LINE, '--yes', '--json'], env)
  t.equal(again.status, 0, again.stderr)
  t.same(JSON.parse(again.stdout), { line: LINE, total: 0, tables: { events: 0, conversations: 0, fcr_verdicts: 0, escalations: 0, sla_outcomes: 0 }, stream: { deleted: 0, absent: 0, skipped: 0 }, live: { runners: 0, conversations: 0, unconfirmed: 0 } })

  const lineless = await deskpulse(['erase', '--customer', WA_C, '--line', '', '--yes'], env)
  t.equal(lineless.status, 0, lineless.stderr)
  t.equal(lineless.stdout, `erased 9 rows for the customer without a line: events 3, conversations 2, fcr_verdicts 1, escalations 2, sla_outcomes 1; stream: 3 messages deleted, 0 already gone${NO_PROCESSOR}\n`, 'a customer sent without a line is erased with --line ""')
  t.same(await withStore(dataDir, (client) => physicalRows(client, c)), { events: 0, conversations: 0, fcr_verdicts: 0, escalations: 0, sla_outcomes: 0 }, 'no row of the line-less customer is left')

  t.same(await withStore(dataDir, (client) => physicalRows(client, a)), { events: 0, conversations: 0, fcr_verdicts: 0, escalations: 0, sla_outcomes: 0 }, 'no row of the customer is left')
  t.same(await withStore(dataDir, (client) => physicalRows(client, b)), beforeB, 'the other customer keeps every row')

  server = await startNatsServer({ storeDir, port: natsPort, monitorPort: natsMonitorPort })
  t.teardown(() => server.stop())
  nc = await connectBus(server.url, 'erase-cli-test')
  t.teardown(() => nc.close())
  const jsm = await jetstreamManager(nc)
  for (const seq of seededA.seqs) t.equal(await jsm.streams.getMessage(STREAM, { seq }), null, `the customer's stream message ${seq} is gone`)
  for (const seq of seededB.seqs) t.ok(await jsm.streams.getMessage(STREAM, { seq }), `the other customer's message ${seq} stays`)
})
