import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify'
import type { NatsConnection } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import { STREAM } from '../bus/stream.js'
import { IngestError, ERRORS } from './errors.js'
import { countAccountUpdate } from './account-updates.js'
import { createIngestMetrics, type IngestMetrics } from './metrics.js'
import { createPublisher } from './publish.js'
import { createCustomerKeyer } from './pii.js'
import { whatsappRoutes } from './routes/whatsapp.js'
import { DEFAULT_MAX_FUTURE_SKEW_SECONDS, type TextAnalyser } from './whatsapp/normalise.js'
import { watchLink } from '../bus/connect.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { eventsRoutes } from './routes/events.js'
import { chatwootRoutes } from './routes/chatwoot.js'
import { twilioRoutes } from './routes/twilio.js'
import { dialog360Routes } from './routes/dialog360.js'
import swagger from '@fastify/swagger'

export interface IngestOptions {
  /** The public listener (HOST, PORT): the webhook, /v1/events, /healthz, /readyz. */
  host: string
  port: number
  /** The private listener of /metrics and /openapi.json (PRIVATE_HOST, default 127.0.0.1). */
  privateHost?: string
  /**
   * INGEST_PRIVATE_PORT (default here 0: any free port, see `privateUrl`). false: none, for
   * `deskpulse ingest --workers`, whose primary process serves it for all workers (cli/cluster.ts).
   */
  privatePort?: number | false
  appSecrets: string[]
  verifyToken: string | undefined
  /** CHATWOOT_WEBHOOK_SECRET (comma-separated for rotation) and config `adapters.chatwoot`. */
  chatwoot?: {
    secrets: string[]
    allowUnsigned: boolean
    toleranceSeconds: number
    inboxes: Readonly<Record<string, string>>
  }
  apiToken: string | undefined
  piiKey: string
  storeText: boolean
  partitions: number
  ackTimeoutMs?: number
  /**
   * How far in the future an event time may be (config `ingest.max_future_skew_seconds`, default
   * 300): helpdesk events beyond it are refused (422), webhook item times are clamped.
   */
  maxFutureSkewSeconds?: number
  /** Sentiment and keyword category of customer texts (schemas/config.ts categories). */
  analyseText?: TextAnalyser
  /**
   * `POST /webhooks/twilio`: TWILIO_AUTH_TOKEN and config adapters.twilio (docs/connect-twilio.md).
   * Unset: the route answers 401 not configured.
   */
  twilio?: { authTokens: readonly string[]; publicUrl?: string | undefined; numbers: Readonly<Record<string, string>> }
  /** `POST /webhooks/360dialog`: DIALOG360_WEBHOOK_TOKEN (docs/connect-360dialog.md). Empty: 401 not configured. */
  dialog360Tokens?: readonly string[]
}

export interface IngestDeps {
  nc: NatsConnection
  log: Logger
}

export interface Ingest {
  /** The public listener's app. */
  app: FastifyInstance
  /** The private listener's app (/metrics, /openapi.json); undefined with `privatePort: false`. */
  privateApp: FastifyInstance | undefined
  /** Its base URL once started. */
  readonly privateUrl: string | undefined
  /** The OpenAPI document of the public routes. */
  openapi(): unknown
  metrics: IngestMetrics
  /** Listens; resolves to the bound address. */
  start(): Promise<string>
  /** Stops accepting, finishes in-flight requests, closes. */
  close(): Promise<void>
}

export function createIngest(opts: IngestOptions, deps: IngestDeps): Ingest {
  const log = deps.log.child({ component: 'ingest' })
  const metrics = createIngestMetrics()
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Never log query strings: the verify handshake carries hub.verify_token in it.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  })
  const publisher = createPublisher(deps.nc, { partitions: opts.partitions, ackTimeoutMs: opts.ackTimeoutMs ?? 5_000 }, (e, s, _attempts, duplicate) => {
    ;(duplicate ? metrics.duplicates : metrics.published).inc({ kind: e.kind })
    if (e.kind === 'whatsapp.update' && !duplicate) countAccountUpdate(metrics.accountUpdates, e.field, e.event)
    metrics.publishSeconds.observe(s)
  })
  const maxFutureSkewSeconds = opts.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS
  const link = watchLink(deps.nc)
  const keyCustomer = createCustomerKeyer(opts.piiKey)

  app.setErrorHandler((err: FastifyError | IngestError, req, reply) => {
    let status: number
    let code: string
    let reason: string
    if (err instanceof IngestError) {
      ;({ statusCode: status, code, reason } = err)
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      ;({ status, code, reason } = ERRORS.TOO_LARGE)
    } else if (err.statusCode && err.statusCode < 500) {
      status = err.statusCode
      code = err.code ?? 'DESKPULSE_ERR_BAD_REQUEST'
      reason = err.validation ? 'invalid_event' : 'bad_request'
    } else {
      status = 500
      code = 'DESKPULSE_ERR_INTERNAL'
      reason = 'internal'
      req.log.error({ err: { message: err.message, code: err.code } }, 'unexpected ingest error')
    }
    metrics.rejected.inc({ reason })
    if (status >= 500) req.log.warn({ code, route: req.routeOptions.url }, 'request failed')
    return reply.code(status).send({ error: code, message: err.message })
  })

  app.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({ route: req.routeOptions.url ?? 'unmatched', code: String(reply.statusCode) })
  })

  app.register(healthRoutes, {
    readiness: async () => {
      if (deps.nc.isClosed()) return 'NATS connection closed'
      // Between a disconnect and the reconnect, isClosed() is false and requests are only
      // buffered: the status events say whether the connection is attached to a server.
      if (!link.up) return 'NATS connection lost, reconnecting'
      try {
        const jsm = await jetstreamManager(deps.nc, { timeout: 2_000 })
        await jsm.streams.info(STREAM)
        return null
      } catch (err) {
        return `JetStream stream ${STREAM} unavailable: ${(err as Error).message}`
      }
    },
  })
  app.register(swagger, {
    openapi: {
      info: { title: 'deskpulse ingest', version: '1' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  })
  app.register(eventsRoutes, { apiToken: opts.apiToken, storeText: opts.storeText, keyCustomer, publisher, maxFutureSkewSeconds })
  app.register(whatsappRoutes, {
    maxFutureSkewSeconds,
    onTimestampClamped: (reason) => metrics.timestampsClamped.inc({ reason }),
    appSecrets: opts.appSecrets,
    verifyToken: opts.verifyToken,
    storeText: opts.storeText,
    keyCustomer,
    publisher,
    ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
  })

  app.register(chatwootRoutes, {
    secrets: opts.chatwoot?.secrets ?? [],
    allowUnsigned: opts.chatwoot?.allowUnsigned ?? false,
    toleranceSeconds: opts.chatwoot?.toleranceSeconds ?? 300,
    inboxes: opts.chatwoot?.inboxes ?? {},
    maxFutureSkewSeconds,
    onTimestampClamped: (reason) => metrics.timestampsClamped.inc({ reason }),
    onIgnored: (reason) => metrics.chatwootIgnored.inc({ reason }),
    storeText: opts.storeText,
    keyCustomer,
    publisher,
    ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
  })
  app.register(twilioRoutes, {
    authTokens: opts.twilio?.authTokens ?? [],
    publicUrl: opts.twilio?.publicUrl,
    numbers: opts.twilio?.numbers ?? {},
    storeText: opts.storeText,
    keyCustomer,
    publisher,
    ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
  })
  app.register(dialog360Routes, {
    tokens: opts.dialog360Tokens ?? [],
    maxFutureSkewSeconds,
    onTimestampClamped: (reason) => metrics.timestampsClamped.inc({ reason }),
    storeText: opts.storeText,
    keyCustomer,
    publisher,
    ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
  })

  // Private (ARCHITECTURE.md "Exposure"): only the webhook, the events and health face the internet.
  const privateApp =
    opts.privatePort === false
      ? undefined
      : Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true })
  if (privateApp) {
    privateApp.register(metricsRoutes, { registry: metrics.registry })
    privateApp.get('/openapi.json', async () => app.swagger())
  }
  let privateUrl: string | undefined

  return {
    app,
    privateApp,
    get privateUrl() {
      return privateUrl
    },
    openapi: () => app.swagger(),
    metrics,
    async start() {
      if (privateApp) privateUrl = await privateApp.listen({ host: opts.privateHost ?? '127.0.0.1', port: opts.privatePort || 0 })
      const address = await app.listen({ host: opts.host, port: opts.port })
      log.info({ address, private: privateUrl }, 'ingest listening')
      return address
    },
    async close() {
      // Connections busy at close become idle once answered; Fastify would then wait out its
      // 72 s keep-alive timeout, so they are closed as soon as they go idle.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50)
      try {
        await app.close()
      } finally {
        clearInterval(sweep)
      }
      await privateApp?.close()
    },
  }
}
