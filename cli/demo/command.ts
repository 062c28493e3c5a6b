/**
 * `deskpulse demo`: the product doing its job in one command. The engine as `deskpulse start`
 * runs it (its own nats-server and embedded ClickHouse, in a data directory of the demo's own),
 * the demo config naming the simulator's lines and teams, a simulated evening played live after
 * a backfill, and — when Prometheus and Alertmanager are installed — both, with the project's
 * rules and routing and the notifications printed in this terminal. Ctrl-C stops all of it.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile, access } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadEnv, type Env } from '../../schemas/env.js'
import { loadConfig } from '../../schemas/config.js'
import { createCliLogger, logSettings, type Logger } from '../logger.js'
import { runEngine, StartupError } from '../engine.js'
import { withLocalSecrets } from '../secrets.js'
import { onStopSignal } from '../stop-signal.js'
import { stopOrphan } from '../../runtime/nats-server.js'
import { simulate } from '../simulate/index.js'
import { liveSchedule } from '../simulate/live.js'
import { sendLines } from '../simulate/send.js'
import { DEFAULT_START } from '../simulate/model.js'
import { ALERTING_COMMANDS, onPath, startDemoAlerting, type DemoAlerting } from './alerting.js'

/** The demo's config file; run from dist/, the checkout's own cli/demo copy (the one a user edits) when it is there. */
export const DEMO_CONFIG = demoConfigPath()

function demoConfigPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const root = path.resolve(here, '../..')
  const source = path.join(root, '..', 'cli', 'demo', 'demo-config.yaml')
  return path.basename(root) === 'dist' && existsSync(source) ? source : path.join(here, 'demo-config.yaml')
}
/** Written into the demo's data directory: only such a directory is emptied at the next start. */
const MARKER = '.deskpulse-demo'

interface DemoFlags {
  dataDir: string
  config: string
  seed: number
  conversations: number
  liveFrom: string
  backfill: number
  rate: number
  alerting: boolean
  prometheusPort: number
  alertmanagerPort: number
  notifyPort: number
}

function whole(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}.`)
    return n
  }
}
const port = (flag: string) => whole(flag, 1, 65535)

function hhmm(value: string): string {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) throw new InvalidArgumentError('--live-from must be a time HH:MM.')
  return value
}

const exists = (p: string) => access(p).then(() => true, () => false)

/**
 * Each demo starts from nothing (a second run would otherwise find the first one's chats still
 * waiting, long breached): the directory is emptied, but only when it is the demo's own (the
 * marker) or empty, never a directory of real data given by mistake. A nats-server a crashed demo
 * left running on it is stopped first (its pid file is in the store about to be removed).
 */
async function freshDataDir(dir: string, log: Logger): Promise<void> {
  if (await exists(dir)) {
    const entries = await readdir(dir)
    if (entries.length && !entries.includes(MARKER)) {
      throw new StartupError(`${dir} is not empty and is not a demo's data directory (no ${MARKER} file): give --data-dir a new or empty directory`)
    }
    const orphan = await stopOrphan(path.join(dir, 'nats'))
    if (orphan !== undefined) log.warn({ pid: orphan }, 'stopped a nats-server an earlier demo left running')
    await rm(dir, { recursive: true, force: true })
  }
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, MARKER), 'deskpulse demo data: emptied at each `deskpulse demo`\n')
}

export async function runDemo(flags: DemoFlags): Promise<void> {
  const dataDir = path.resolve(flags.dataDir)
  // Always local: a demo's simulated traffic must never reach a real bus, store or pager.
  const base: Env = { ...loadEnv(), dataDir, natsUrl: undefined, clickhouseUrl: undefined, alertmanagerUrl: undefined }
  const log = createCliLogger({ level: base.logLevel, format: base.logFormat })
  const config = loadConfig(flags.config)
  await freshDataDir(dataDir, log)
  // The day is generated before the engine starts: a few seconds of CPU that, in the engine's
  // event loop, would stall its lease renewals. `now` is the schedule's start, so lines due
  // while the engine starts are sent as soon as it is up.
  const sim = simulate({ seed: flags.seed, conversations: flags.conversations, start: DEFAULT_START })
  const scheduledAt = Date.now()
  const schedule = liveSchedule(sim.lines, { day: DEFAULT_START, from: flags.liveFrom, now: scheduledAt, run: `.demo${scheduledAt.toString(36)}`, backfillMinutes: flags.backfill })
  const backfilled = schedule.filter((l) => l.due <= scheduledAt).length
  const { env: withSecrets } = await withLocalSecrets(base)
  const env: Env = { ...withSecrets, wallboardToken: base.wallboardToken ?? randomBytes(12).toString('hex') }
  const out = (text: string) => process.stdout.write(text)

  const missing = ALERTING_COMMANDS.filter((c) => !onPath(c))
  let alerting: DemoAlerting | undefined
  if (flags.alerting && missing.length === 0) {
    alerting = await startDemoAlerting(
      { dir: dataDir, config, alertmanagerPort: flags.alertmanagerPort, prometheusPort: flags.prometheusPort, notifyPort: flags.notifyPort },
      (line) => out(`page  ${line}\n`),
    )
    env.alertmanagerUrl = alerting.alertmanager.url
  }
  const stopAlerting = async () => {
    await alerting?.stopPrometheus()
    await alerting?.stopRest()
  }

  let engine: Awaited<ReturnType<typeof runEngine>>
  try {
    engine = await runEngine(env, config, { ingest: true, processor: true, localNats: true, ingestThread: logSettings({ level: base.logLevel, format: base.logFormat }) }, log)
  } catch (err) {
    await stopAlerting()
    throw err
  }
  const privateHost = env.privateHost === '0.0.0.0' || env.privateHost === '::' ? '127.0.0.1' : env.privateHost
  try {
    await alerting?.startPrometheus({ processor: `http://${privateHost}:${env.processorPrivatePort}`, ingest: `http://${privateHost}:${env.ingestPrivatePort}` })
  } catch (err) {
    await engine.close()
    await stopAlerting()
    throw err
  }

  const aborted = new AbortController()
  let sending: Promise<unknown> = Promise.resolve()
  onStopSignal(log, async () => {
    const step = async (part: string, close: () => Promise<unknown>) => {
      const started = Date.now()
      await close()
      log.debug({ part, ms: Date.now() - started }, 'closed')
    }
    aborted.abort()
    await step('simulated traffic', () => sending)
    await step('prometheus', async () => alerting?.stopPrometheus())
    await engine.close()
    await step('alertmanager and notify', async () => alerting?.stopRest())
  })

  const ingest = `http://127.0.0.1:${env.port}`
  const wallboard = `http://127.0.0.1:${env.processorPort}/?token=${env.wallboardToken}`
  const rows: Array<[string, string]> = [
    ['wallboard', wallboard],
    ['metrics', `http://${privateHost}:${env.processorPrivatePort}/metrics`],
  ]
  if (alerting) {
    rows.push(['prometheus', `${alerting.prometheus!.url}/alerts`], ['alertmanager', alerting.alertmanager.url])
  }
  rows.push(['ingest', ingest], ['data', dataDir])
  const table = rows.map(([k, v]) => `  ${k.padEnd(13)} ${v}`).join('\n')
  const alertingNote = alerting
    ? `Pages (Alertmanager → deskpulse notify) are printed below as "page …" lines.`
    : flags.alerting
      ? `No local alerting: ${missing.join(' and ')} not found (the bootstrap installs them: sh scripts/bootstrap.sh).`
      : 'No local alerting (--no-alerting).'
  out(
    `\ndeskpulse demo: a simulated evening from ${flags.liveFrom}, ${flags.backfill} min of backfill, then live\n${table}\n` +
      `  ${alertingNote}\n  Ctrl-C to stop everything.\n\n`,
  )

  const send = { target: ingest, appSecret: env.appSecrets[0]!, apiToken: env.apiToken!, signal: aborted.signal }
  // The backfill at `--rate`, then the rest in real time; both through the signed public routes.
  sending = (async () => {
    const first = await sendLines(schedule.slice(0, backfilled).map((l) => l.text), { ...send, rate: flags.rate })
    if (aborted.signal.aborted) return
    out(`backfill: ${first.accepted} of ${first.lines} lines sent in ${first.seconds.toFixed(1)} s; now live (${schedule.length - backfilled} lines over the evening)\n`)
    const rest = schedule.slice(backfilled)
    const live = await sendLines(rest.map((l) => l.text), { ...send, rate: flags.rate, due: rest.map((l) => l.due) })
    if (!aborted.signal.aborted) out(`the simulated evening is over: ${live.accepted} lines sent live\n`)
  })().catch((err: unknown) => log.error({ err: { message: (err as Error).message } }, 'the simulated traffic stopped'))
}

export function registerDemo(program: Command, fail: (err: unknown) => never): void {
  program
    .command('demo')
    .description(
      'run the engine with a simulated evening played live, plus Prometheus and Alertmanager when installed (pages printed here); ' +
        'prints the URLs to open; Ctrl-C stops everything. Ports as for start (PORT, PROCESSOR_PORT, …); always local (NATS_URL, CLICKHOUSE_URL, ALERTMANAGER_URL are ignored)',
    )
    .option('--data-dir <dir>', "the demo's own data directory, emptied at each start", './data/demo')
    .option('--config <file>', 'configuration file: lines, teams, thresholds', path.relative(process.cwd(), DEMO_CONFIG) || DEMO_CONFIG)
    .option('--seed <n>', 'random seed of the simulated day', whole('--seed', 0, 2 ** 31 - 1), 1)
    .option('--conversations <n>', 'conversations on the simulated day', whole('--conversations', 1, 1_000_000), 4000)
    .option('--live-from <HH:MM>', 'the hour of the simulated day that starts now', hhmm, '18:00')
    .option('--backfill <minutes>', 'minutes before --live-from sent at once first, stamped in the past (the screens start with history)', whole('--backfill', 0, 24 * 60), 30)
    .option('--rate <n>', 'requests per second of the backfill', whole('--rate', 1, 100_000), 400)
    .option('--no-alerting', 'do not start Prometheus, Alertmanager and the notification printer')
    .option('--prometheus-port <port>', "the local Prometheus's port", port('--prometheus-port'), 9090)
    .option('--alertmanager-port <port>', "the local Alertmanager's port", port('--alertmanager-port'), 9093)
    .option('--notify-port <port>', 'port of the notification printer (deskpulse notify) Alertmanager posts to', port('--notify-port'), 9095)
    .action((flags: DemoFlags) => runDemo(flags).catch(fail))
}
