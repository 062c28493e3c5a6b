/**
 * `deskpulse erase --customer <wa_id> --line <id> [--yes] [--dry-run] [--json]`: the right to
 * erasure (GDPR art. 17). The customer is keyed exactly as the ingest keys it (ingest/pii.ts,
 * the same DESKPULSE_PII_KEY), then the customer's rows go from every ClickHouse table
 * (store/erase.ts) and the customer's messages from the DESKPULSE stream (bus/erase.ts).
 * Neither the wa_id nor its hash is logged or printed: only the line and the counts.
 */
import type { Command } from 'commander'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline/promises'
import type { NatsConnection } from '@nats-io/transport-node'
import { loadEnv, type Env } from '../schemas/env.js'
import { createCustomerKeyer } from '../ingest/pii.js'
import { openClickHouse, type ClickHouseHandle } from '../store/clickhouse.js'
import { CUSTOMER_TABLES, countCustomerRows, customerStreamSeqs, eraseCustomer, ErasureError, type CustomerCounts } from '../store/erase.js'
import { eraseFromStream, type StreamErasure } from '../bus/erase.js'
import { connectBus } from '../bus/connect.js'
import { startNatsServer } from '../runtime/nats-server.js'
import { readLocalSecrets } from './secrets.js'
import { collectReports, openErasureBucket, writeTombstones } from '../processor/shell/erasures.js'
import { Kvm } from '@nats-io/kv'
import { OWNERS_BUCKET } from '../processor/shell/leases.js'

export { ErasureError }

/**
 * The keys a customer id typed by an operator may be stored under: the id as given, and, when
 * it looks like a phone number ("+39 333 123-4567"), its digits alone, which is how WhatsApp
 * writes a wa_id. A business-scoped user id is used as given.
 */
export function customerKeys(piiKey: string, line: string, id: string): string[] {
  const keyer = createCustomerKeyer(piiKey)
  const ids = new Set([id.trim()])
  if (/^\+?[\d\s().-]+$/.test(id.trim())) ids.add(id.replace(/\D/g, ''))
  return [...ids].filter(Boolean).map((i) => keyer(line, i))
}

/** The PII key the ingest used: the environment, or single-machine mode's DATA_DIR/secrets.env. */
export async function resolvePiiKey(env: Env): Promise<string> {
  const key = env.piiKey ?? (await readLocalSecrets(env.dataDir)).DESKPULSE_PII_KEY
  if (!key) {
    throw new ErasureError(
      `missing DESKPULSE_PII_KEY: set it to the key the ingest uses (no ${path.join(env.dataDir, 'secrets.env')} holds one either), or no customer can be found`,
    )
  }
  return key
}

const countsText = (c: CustomerCounts) => CUSTOMER_TABLES.map((t) => `${t} ${c[t]}`).join(', ')
const sum = (c: CustomerCounts) => CUSTOMER_TABLES.reduce((n, t) => n + c[t], 0)

async function openStore(env: Env): Promise<ClickHouseHandle> {
  const dir = path.resolve(env.dataDir, 'clickhouse')
  if (!env.clickhouseUrl && !existsSync(dir)) throw new ErasureError(`no embedded ClickHouse under ${dir} (DESKPULSE_DATA_DIR), and CLICKHOUSE_URL is unset: nothing to erase from`)
  let ch: ClickHouseHandle
  try {
    ch = await openClickHouse({ url: env.clickhouseUrl, embeddedPath: dir })
  } catch (err) {
    // chdb reports a data directory locked by another process (a running `deskpulse start`)
    // only on stderr; the error says no more than that the connection failed.
    if (!env.clickhouseUrl) throw new ErasureError(`cannot open the embedded ClickHouse under ${dir} (is a deskpulse using this data dir running? stop it, then erase): ${(err as Error).message}`)
    throw err
  }
  const res = await ch.client.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name IN {tables:Array(String)}',
    query_params: { tables: [...CUSTOMER_TABLES] },
    format: 'JSONEachRow',
  })
  if (Number((await res.json<{ n: string }>())[0]?.n) !== CUSTOMER_TABLES.length) {
    await ch.close()
    throw new ErasureError('the deskpulse tables are missing from ClickHouse: run `deskpulse migrate` first')
  }
  return ch
}

interface Bus {
  nc: NatsConnection
  close(): Promise<void>
}

/**
 * NATS_URL; in single-machine mode a running engine's nats-server, or, when none runs, one
 * started on the data directory's JetStream store for the time of the erasure. Null when there
 * is no stream to erase from (no NATS_URL, no local store).
 */
async function openBus(env: Env): Promise<Bus | null> {
  if (env.natsUrl) {
    const nc = await connectBus(env.natsUrl, 'deskpulse-erase')
    return { nc, close: () => nc.close() }
  }
  const storeDir = path.resolve(env.dataDir, 'nats')
  if (!existsSync(storeDir)) return null
  try {
    const nc = await connectBus(`nats://127.0.0.1:${env.natsPort}`, 'deskpulse-erase')
    return { nc, close: () => nc.close() }
  } catch {
    // no engine running: start the store's server ourselves
  }
  const server = await startNatsServer({ storeDir, port: env.natsPort, monitorPort: env.natsMonitorPort })
  try {
    const nc = await connectBus(server.url, 'deskpulse-erase')
    return {
      nc,
      close: async () => {
        await nc.close()
        await server.stop()
      },
    }
  } catch (err) {
    await server.stop()
    throw err
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

/**
 * The runners of the partitions a processor holds now (the lease bucket): each reports what it
 * removed from its live state. Names as processor/processor.ts gives them.
 */
export async function liveRunners(nc: NatsConnection, partitions: number): Promise<string[]> {
  let kv
  try {
    kv = await new Kvm(nc).open(OWNERS_BUCKET)
    await kv.status()
  } catch {
    return []
  }
  const names: string[] = []
  for await (const key of await kv.keys()) {
    const m = /^(.+)\.p(\d+)$/.exec(key)
    if (!m) continue
    const live = partitions === 1 ? m[1]! : `${m[1]}-p${m[2]}`
    names.push(live, `${live}-store`)
  }
  return names
}

export interface LiveErasure {
  /** Runners that confirmed, and the conversations they removed from their state. */
  runners: number
  conversations: number
  /** Runners holding a lease that did not confirm within the wait. */
  unconfirmed: number
}

export interface EraseOptions {
  customer: string
  line: string
  yes?: boolean
  dryRun?: boolean
  json?: boolean
  /** How long to wait for the running processors' confirmations (default 10 s). */
  waitMs?: number
}

function liveText(live: LiveErasure | null): string {
  if (!live) return ''
  if (live.runners === 0 && live.unconfirmed === 0) return '; live state: no processor running (each forgets the customer when it starts)'
  const late = live.unconfirmed ? `, ${live.unconfirmed} did not answer in time and forget the customer when they do` : ''
  return `; live state: ${live.conversations} conversations removed (${live.runners} runners confirmed${late})`
}

export async function runErase(opts: EraseOptions, env: Env = loadEnv()): Promise<void> {
  const customer = opts.customer.trim()
  // An empty line is a customer whose events came without WhatsApp metadata (a helpdesk event
  // with no line): the ingest keyed them with an empty line.
  const line = opts.line.trim()
  if (!customer) throw new ErasureError('--customer: the customer wa_id (or user id) is empty')
  if (line && !/^[\w.-]{1,64}$/.test(line)) throw new ErasureError('--line: a phone_number_id (digits), or "" for a customer sent without a line')
  const lineText = line ? `on line ${line}` : 'without a line'
  const keys = customerKeys(await resolvePiiKey(env), line, customer)
  const ch = await openStore(env)
  let bus: Bus | null = null
  try {
    const before = await countCustomerRows(ch.client, keys)
    const total = sum(before)
    if (opts.dryRun) {
      process.stdout.write(
        opts.json ? `${JSON.stringify({ dry_run: true, line, total, tables: before })}\n` : `would erase ${total} rows for the customer ${lineText}: ${countsText(before)}\n`,
      )
      return
    }
    if (!opts.yes) {
      if (!process.stdin.isTTY) throw new ErasureError('refusing to erase without confirmation: pass --yes (or --dry-run to count only)')
      if (!(await confirm(`erase ${total} rows for the customer ${lineText} (${countsText(before)})? [y/N] `))) {
        process.stderr.write('nothing erased\n')
        return
      }
    }
    // The stream first: its sequences are read from the events about to be deleted, and a
    // failure here leaves ClickHouse intact for a second run.
    try {
      bus = await openBus(env)
    } catch (err) {
      throw new ErasureError(`cannot reach NATS for the stream's copies (nothing erased): ${(err as Error).message}`)
    }
    // The tombstone first: from now on no processor writes the customer again, each removes them
    // from its live state and reports it, and a restart from any checkpoint forgets them again.
    let live: LiveErasure | null = null
    let stream: StreamErasure | null = null
    if (bus) {
      const kv = await openErasureBucket(bus.nc, env.streamReplicas)
      const runners = await liveRunners(bus.nc, env.partitions)
      await writeTombstones(kv, keys, runners)
      const reports = await collectReports(kv, keys, runners, opts.waitMs ?? 10_000)
      const conversations = [...reports.entries()].filter(([r]) => !r.endsWith('-store')).reduce((n, [, c]) => n + c, 0)
      live = { runners: reports.size, conversations, unconfirmed: runners.length - reports.size }
      stream = await eraseFromStream(bus.nc, await customerStreamSeqs(ch.client, keys), keys)
    }
    const erased = await eraseCustomer(ch.client, keys)
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ line, total: erased.total, tables: erased.counts, stream, live })}\n`)
    } else {
      const streamText = stream
        ? `; stream: ${stream.deleted} messages deleted, ${stream.absent} already gone`
        : '; stream: none reachable (no NATS_URL, no local store)'
      process.stdout.write(`erased ${erased.total} rows for the customer ${lineText}: ${countsText(erased.counts)}${streamText}${liveText(live)}\n`)
    }
  } finally {
    await bus?.close().catch(() => {})
    await ch.close()
  }
}

export function registerErase(program: Command): void {
  program
    .command('erase')
    .description("erase a customer's rows from ClickHouse and messages from the stream (GDPR right to erasure); prints the counts")
    .requiredOption('--customer <wa_id>', "the customer's WhatsApp id (wa_id, or the user id the helpdesk sends)")
    .requiredOption('--line <id>', 'the line (phone_number_id) the customer wrote to; "" for a customer sent without a line')
    .option('--yes', 'erase without asking')
    .option('--dry-run', 'count the rows, erase nothing')
    .option('--json', 'print the counts as JSON')
    .action((opts: EraseOptions) => runErase(opts))
}
