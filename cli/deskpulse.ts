import { Command } from 'commander'
import { availableParallelism } from 'node:os'
import cluster from 'node:cluster'
import { loadEnv, EnvError } from '../schemas/env.js'
import { loadConfig, ConfigError } from '../schemas/config.js'
import { registerReplay } from './replay-command.js'
import { registerReport, UsageError } from './report-command.js'
import { registerSimulate } from './simulate/command.js'
import { registerErase, ErasureError } from './erase-command.js'
import { registerNotify } from './notify-command.js'
import { registerArtefacts } from './artefacts-command.js'
import { registerStaffing } from './staffing-command.js'
import { registerForecast } from './forecast-command.js'
import { registerAdvice } from './advice-command.js'
import { registerDemo } from './demo/command.js'
import { describeHelp } from './help.js'
import { ReplayError } from '../processor/replay.js'
import { createCliLogger, logSettings } from './logger.js'
import { runEngine, StartupError, type EngineParts } from './engine.js'
import { withLocalSecrets } from './secrets.js'
import { openClickHouse } from '../store/clickhouse.js'
import { migrate } from '../store/migrate.js'
import { applyRetention } from '../store/retention.js'
import path from 'node:path'
import { runClustered } from './cluster.js'
import { servePrimaryPrivate } from './cluster-private.js'
import { onStopSignal } from './stop-signal.js'

function fail(err: unknown): never {
  const message = err instanceof EnvError || err instanceof StartupError || err instanceof ConfigError || err instanceof ReplayError || err instanceof ErasureError || err instanceof UsageError ? err.message : (err as Error).stack ?? String(err)
  process.stderr.write(`deskpulse: ${message}\n`)
  process.exit(1)
}

async function serve(parts: EngineParts) {
  let env = loadEnv()
  const config = loadConfig(process.env.DESKPULSE_CONFIG)
  const log = createCliLogger({ level: env.logLevel, format: env.logFormat })
  if (parts.localNats) {
    const s = await withLocalSecrets(env)
    env = s.env
    if (s.generated.length) log.info({ file: s.file, generated: s.generated }, 'generated local secrets')
  }
  // The whole engine in one process: the ingest gets a thread (a core) of its own.
  const threaded = parts.ingest && parts.processor ? { ...parts, ingestThread: logSettings({ level: env.logLevel, format: env.logFormat }) } : parts
  const engine = await runEngine(env, config, threaded, log)
  const lines = Object.entries(engine.urls).map(([k, v]) => `  ${k.padEnd(15)} ${v}`)
  // Under a cluster, one banner is enough.
  if (!cluster.isWorker || cluster.worker?.id === 1) process.stdout.write(`\ndeskpulse is running\n${lines.join('\n')}\n  Ctrl-C to stop\n\n`)
  onStopSignal(log, () => engine.close())
}

const program = new Command('deskpulse').description('Real-time monitoring for WhatsApp helpdesks')

program
  .command('start')
  .description('run the whole engine on this machine: nats-server (unless NATS_URL), ClickHouse, ingest, processor')
  .action(() => serve({ ingest: true, processor: true, localNats: true }).catch(fail))

program
  .command('ingest')
  .description('run the ingest alone (needs NATS_URL)')
  .option('-w, --workers <n>', 'worker processes sharing the port; "auto" = one per core (default: INGEST_WORKERS, else 1)')
  .action((opts: { workers?: string }) => {
    try {
      const env = loadEnv()
      const workers = opts.workers === undefined ? env.ingestWorkers : opts.workers === 'auto' ? 0 : Number(opts.workers)
      if (!Number.isInteger(workers) || workers < 0) throw new EnvError('--workers must be a whole number or "auto"')
      const n = workers === 0 ? availableParallelism() : workers
      const log = createCliLogger({ level: env.logLevel, format: env.logFormat })
      runClustered(
        n,
        () => serve({ ingest: true, processor: false, localNats: false, ingestPrivate: n <= 1 }).catch(fail),
        log,
        async () => {
          const served = await servePrimaryPrivate({ host: env.privateHost, port: env.ingestPrivatePort }, log)
          log.info({ address: served.url }, 'ingest private listener (/metrics of every worker, /openapi.json)')
          return served
        },
      )
    } catch (err) {
      fail(err)
    }
  })

program
  .command('processor')
  .description('run the processor alone (needs NATS_URL; CLICKHOUSE_URL or embedded ClickHouse)')
  .action(() => serve({ ingest: false, processor: true, localNats: false }).catch(fail))

program
  .command('migrate')
  .description('apply the ClickHouse migrations under schemas/clickhouse, then the retention TTLs of the config')
  .action(async () => {
    try {
      const env = loadEnv()
      const config = loadConfig(process.env.DESKPULSE_CONFIG)
      const ch = await openClickHouse({ url: env.clickhouseUrl, embeddedPath: path.resolve(env.dataDir, 'clickhouse') })
      const applied = await migrate(ch.client)
      const ttls = await applyRetention(ch.client, config)
      await ch.close()
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n')
      const changed = ttls.filter((r) => r.changed)
      if (changed.length) process.stdout.write(`retention: ${changed.map((r) => `${r.table} ${r.ttl ? `TTL ${r.ttl}` : 'kept for ever'}`).join(', ')}\n`)
    } catch (err) {
      fail(err)
    }
  })

registerReplay(program)
registerReport(program)
registerSimulate(program)
registerErase(program)
registerNotify(program)
registerArtefacts(program, fail)
registerStaffing(program)
registerForecast(program)
registerAdvice(program)
registerDemo(program, fail)
describeHelp(program)

await program.parseAsync().catch(fail)
