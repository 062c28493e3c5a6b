/**
 * Wires the engine's components for `deskpulse start|ingest|processor`, and shuts them down in
 * reverse order. Each component is `{ start(), close() }`; nothing here holds module state.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import type { Env } from '../schemas/env.js'
import type { Config } from '../schemas/config.js'
import { startNatsServer, NatsServerError } from '../runtime/nats-server.js'
import { connectBus } from '../bus/connect.js'
import { ensureStream } from '../bus/stream.js'
import { redactNatsUrls } from '../bus/credentials.js'
import { openClickHouse, type ClickHouseHandle } from '../store/clickhouse.js'
import { migrate } from '../store/migrate.js'
import { applyRetention } from '../store/retention.js'
import { createIngest } from '../ingest/server.js'
import { ingestOptions } from './ingest-options.js'
import { StartupError } from './startup-error.js'
import type { LogSettings } from './logger.js'
import { startIngestThread } from './ingest-thread-host.js'
import { answerPrimary } from './cluster-private.js'
import { createProcessor } from '../processor/processor.js'

export interface Closable {
  name: string
  close(): Promise<void>
}

export interface EngineParts {
  ingest: boolean
  processor: boolean
  /** Start a local nats-server when NATS_URL is unset (single-machine mode). */
  localNats: boolean
  /**
   * The ingest's own private listener (/metrics, /openapi.json). False in the workers of
   * `deskpulse ingest --workers N`: the primary serves it for all of them (cli/cluster.ts).
   */
  ingestPrivate?: boolean
  /**
   * With the processor: run the ingest in a worker thread of this process (cli/ingest-thread.ts),
   * logging with these settings. `deskpulse start` and `deskpulse demo` do.
   */
  ingestThread?: LogSettings
}

export interface RunningEngine {
  urls: Record<string, string>
  close(): Promise<void>
}

export { StartupError }

/** The host to print in a URL for a listener bound to `host` (a wildcard is reached on loopback). */
const localHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)

/** `given`: parts the caller opened itself (a test that also queries the embedded store). */
export async function runEngine(env: Env, config: Config, parts: EngineParts, log: Logger, given: { clickhouse?: ClickHouseHandle } = {}): Promise<RunningEngine> {
  const closers: Closable[] = []
  const urls: Record<string, string> = {}
  const closeAll = async () => {
    for (const c of closers.reverse()) {
      try {
        const started = Date.now()
        await c.close()
        log.debug({ part: c.name, ms: Date.now() - started }, 'closed')
      } catch (err) {
        log.warn({ part: c.name, err: { message: (err as Error).message } }, 'close failed')
      }
    }
  }
  try {
    await mkdir(env.dataDir, { recursive: true })
    let natsUrl = env.natsUrl
    if (!natsUrl) {
      if (!parts.localNats) throw new StartupError('missing environment variable NATS_URL')
      const server = await startNatsServer({ storeDir: path.resolve(env.dataDir, 'nats'), port: env.natsPort, monitorPort: env.natsMonitorPort }).catch((err: unknown) => {
        throw err instanceof NatsServerError ? new StartupError(err.message) : err
      })
      if (server.replacedOrphan !== undefined) log.warn({ pid: server.replacedOrphan }, 'stopped a nats-server left running on this data dir by an earlier run')
      log.info({ pid: server.pid, url: server.url }, 'nats-server started')
      closers.push({ name: 'nats-server', close: () => server.stop() })
      natsUrl = server.url
    }
    urls.nats = redactNatsUrls(natsUrl)
    const nc: NatsConnection = await connectBus(natsUrl, parts.ingest ? 'deskpulse-ingest' : 'deskpulse-processor')
    closers.push({ name: 'nats', close: () => nc.drain() })
    await ensureStream(nc, { replicas: env.streamReplicas })

    if (parts.processor) {
      const ch = given.clickhouse ?? (await openClickHouse({ url: env.clickhouseUrl, embeddedPath: path.resolve(env.dataDir, 'clickhouse') }))
      if (!given.clickhouse) closers.push({ name: 'clickhouse', close: () => ch.close() })
      // The store is prepared in the background (retried while ClickHouse is down): the live
      // path must page a breach even when the history store is unreachable at start-up.
      const prepareStore = async () => {
        const applied = await migrate(ch.client)
        log.info({ applied, embedded: ch.embedded }, 'ClickHouse migrations applied')
        const ttls = await applyRetention(ch.client, config)
        if (ttls.some((r) => r.changed)) log.info({ retention: Object.fromEntries(ttls.map((r) => [r.table, r.ttl])) }, 'ClickHouse retention TTLs set')
      }
      const processor = createProcessor(
        {
          host: env.host,
          port: env.processorPort,
          privateHost: env.privateHost,
          privatePort: env.processorPrivatePort,
          adminToken: env.adminToken,
          config,
          replicas: env.streamReplicas,
          partitions: env.partitions,
          alertmanagerUrl: env.alertmanagerUrl,
          wallboardToken: env.wallboardToken,
          wallboardOrigins: env.wallboardOrigins,
          prepareStore,
          maxFutureSkewSeconds: config.ingest.max_future_skew_seconds,
        },
        { nc, clickhouse: ch.client, log },
      )
      closers.push({ name: 'processor', close: () => processor.close() })
      await processor.start()
      urls.processor = `http://127.0.0.1:${env.processorPort}`
      urls.wallboard = `${urls.processor}/${env.wallboardToken ? '?token=…' : ''}`
      const processorPrivate = `http://${localHost(env.privateHost)}:${env.processorPrivatePort}`
      urls.metrics = `${processorPrivate}/metrics`
      urls.summary = `${processorPrivate}/v1/summary${env.adminToken ? ' (Authorization: Bearer DESKPULSE_ADMIN_TOKEN)' : ''}`
    }
    if (parts.ingest && parts.ingestThread) {
      // Its own thread, so the webhook path and the processor each have a core (docs/pipeline.md "Latency and speed").
      const thread = await startIngestThread({ env, config, natsUrl, log: parts.ingestThread }, log)
      closers.push({ name: 'ingest', close: () => thread.close() })
      Object.assign(urls, ingestUrls(env, config))
    } else if (parts.ingest) {
      const ingest = createIngest(ingestOptions(env, config, parts.ingestPrivate !== false), { nc, log })
      closers.push({ name: 'ingest', close: () => ingest.close() })
      if (parts.ingestPrivate === false) answerPrimary(ingest.metrics.registry, ingest.openapi)
      await ingest.start()
      Object.assign(urls, ingestUrls(env, config))
    }
    if (parts.ingest && env.appSecrets.length === 0) log.warn('WHATSAPP_APP_SECRET is not set: every webhook POST is refused')
  } catch (err) {
    await closeAll()
    throw err
  }
  return { urls, close: closeAll }
}

/** What the ingest serves, for the start-up banner. */
function ingestUrls(env: Env, config: Config): Record<string, string> {
  const urls: Record<string, string> = {}
  urls.ingest = `http://127.0.0.1:${env.port}`
  urls.webhook = `${urls.ingest}/webhooks/whatsapp`
  // The other providers' routes, printed when configured (docs/connect-*.md).
  if (env.chatwootSecrets.length > 0 || config.adapters.chatwoot.allow_unsigned) urls.chatwoot = `${urls.ingest}/webhooks/chatwoot`
  if (env.twilioAuthTokens.length > 0) urls.twilio = `${urls.ingest}/webhooks/twilio`
  if (env.dialog360Tokens.length > 0) urls['360dialog'] = `${urls.ingest}/webhooks/360dialog`
  const ingestPrivate = `http://${localHost(env.privateHost)}:${env.ingestPrivatePort}`
  urls['ingest metrics'] = `${ingestPrivate}/metrics`
  urls.openapi = `${ingestPrivate}/openapi.json`
  return urls
}
