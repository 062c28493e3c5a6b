import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { healthRoutes } from '../../ingest/routes/health.js'
import type { Registry } from 'prom-client'
import { registerWallboard } from '../wallboard/routes.js'
import type { LiveFeed } from '../wallboard/feed.js'

export interface ProcessorHttpOptions {
  host: string
  port: number
  registry: Registry
  readiness: () => Promise<string | null>
  status?: () => Record<string, unknown>
  /** The KPI summary of ARCHITECTURE.md for the live state. */
  summary: () => unknown
  /** The wallboard (`/`, `/live`) and its token (DESKPULSE_WALLBOARD_TOKEN). */
  wallboard?: { feed: LiveFeed; token: string | undefined }
}

/** The processor's HTTP face: /metrics, /healthz, /readyz, /v1/summary, the wallboard (`/`, `/live`). */
export function createProcessorHttp(opts: ProcessorHttpOptions, log: Logger): FastifyInstance {
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true })
  app.register(healthRoutes, { registry: opts.registry, readiness: opts.readiness, ...(opts.status ? { status: opts.status } : {}) })
  app.get('/v1/summary', async () => opts.summary())
  if (opts.wallboard) registerWallboard(app, opts.wallboard.feed, opts.wallboard.token)
  return app
}
