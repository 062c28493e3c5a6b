import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { healthRoutes } from '../../ingest/routes/health.js'
import type { Registry } from 'prom-client'

export interface ProcessorHttpOptions {
  host: string
  port: number
  registry: Registry
  readiness: () => Promise<string | null>
}

/** The processor's HTTP face: /metrics, /healthz, /readyz (summary and wallboard come later). */
export function createProcessorHttp(opts: ProcessorHttpOptions, log: Logger): FastifyInstance {
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true })
  app.register(healthRoutes, { registry: opts.registry, readiness: opts.readiness })
  return app
}
