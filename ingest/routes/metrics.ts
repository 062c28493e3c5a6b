import type { FastifyPluginAsync } from 'fastify'
import type { Registry } from 'prom-client'

/** `GET /metrics` (Prometheus text). Registered on the private listeners only (ARCHITECTURE.md "Exposure"). */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, opts) => {
  app.get('/metrics', async (_req, reply) => reply.type(opts.registry.contentType).send(await opts.registry.metrics()))
}
