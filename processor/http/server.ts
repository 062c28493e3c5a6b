import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify'
import type { Logger } from 'pino'
import { healthRoutes } from '../../ingest/routes/health.js'
import { metricsRoutes } from '../../ingest/routes/metrics.js'
import type { Registry } from 'prom-client'
import { registerWallboard } from '../wallboard/routes.js'
import type { LiveFeed } from '../wallboard/feed.js'
import { ProcessorHttpError } from './errors.js'
import { bearerMatches } from './bearer.js'

export interface ProcessorHttpOptions {
  /** The public listener (HOST, PROCESSOR_PORT): health and the wallboard. */
  host: string
  port: number
  /** The private listener (PRIVATE_HOST, PROCESSOR_PRIVATE_PORT): /metrics and /v1/summary. */
  privateHost: string
  privatePort: number
  /** DESKPULSE_ADMIN_TOKEN: required as a bearer token by /v1/summary when set. */
  adminToken: string | undefined
  registry: Registry
  readiness: () => Promise<string | null>
  status?: () => Record<string, unknown>
  /** The KPI summary of docs/architecture.md for the live state. */
  summary: () => unknown
  /** The latest background forecast (docs/forecast.md), null before the first; undefined when disabled. */
  forecast?: () => { latest: unknown; lastError: string | null }
  /** The wallboard (`/`, `/live`), its token (DESKPULSE_WALLBOARD_TOKEN) and allowed origins. */
  wallboard?: { feed: LiveFeed; token: string | undefined; origins?: readonly string[] }
}

export interface ProcessorHttp {
  /** Health and the wallboard: what may face a network. */
  public: FastifyInstance
  /** /metrics and /v1/summary: per-agent figures, for Prometheus and operators only. */
  private: FastifyInstance
  /** Listens on both; resolves to the bound addresses. */
  listen(): Promise<{ public: string; private: string }>
  close(): Promise<void>
}

const newApp = (log: Logger) =>
  Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true })

/**
 * The processor's HTTP faces (docs/architecture.md "Exposure"). `/v1/summary` has per-agent FRT and
 * CSAT and `/metrics` every series: they listen apart, on loopback unless configured otherwise,
 * so opening the wallboard's port to a network never opens them.
 */
export function createProcessorHttp(opts: ProcessorHttpOptions, log: Logger): ProcessorHttp {
  const pub = newApp(log)
  pub.register(healthRoutes, { readiness: opts.readiness, ...(opts.status ? { status: opts.status } : {}) })
  if (opts.wallboard) registerWallboard(pub, opts.wallboard.feed, { token: opts.wallboard.token, ...(opts.wallboard.origins ? { origins: opts.wallboard.origins } : {}) })

  const priv = newApp(log)
  priv.setErrorHandler((err: FastifyError | ProcessorHttpError, _req, reply) => {
    if (err instanceof ProcessorHttpError) return reply.code(err.statusCode).send({ error: err.code, message: err.message })
    return reply.code(err.statusCode ?? 500).send({ error: err.code ?? 'DESKPULSE_ERR_INTERNAL', message: err.message })
  })
  priv.register(metricsRoutes, { registry: opts.registry })
  priv.get('/v1/summary', async (req) => {
    if (!bearerMatches(opts.adminToken, req.headers.authorization)) throw new ProcessorHttpError('ADMIN_TOKEN')
    return opts.summary()
  })
  priv.get('/v1/forecast', async (req) => {
    if (!bearerMatches(opts.adminToken, req.headers.authorization)) throw new ProcessorHttpError('ADMIN_TOKEN')
    if (!opts.forecast) throw new ProcessorHttpError('FORECAST_DISABLED')
    const { latest, lastError } = opts.forecast()
    if (!latest) throw new ProcessorHttpError('FORECAST_PENDING', lastError ? `no forecast computed yet: ${lastError}` : undefined)
    return lastError ? { ...(latest as object), last_error: lastError } : latest
  })

  return {
    public: pub,
    private: priv,
    async listen() {
      const privateAddress = await priv.listen({ host: opts.privateHost, port: opts.privatePort })
      const publicAddress = await pub.listen({ host: opts.host, port: opts.port })
      return { public: publicAddress, private: privateAddress }
    },
    async close() {
      await pub.close()
      await priv.close()
    },
  }
}
