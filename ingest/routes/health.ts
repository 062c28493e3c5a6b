import type { FastifyPluginAsync } from 'fastify'

export interface HealthRouteOptions {
  /** Resolves to null when ready, or the reason it is not. */
  readiness: () => Promise<string | null>
  /** Parts reported beside readiness (a degraded store), without failing it. */
  status?: () => Record<string, unknown>
}

/** `/healthz` and `/readyz`, on the public listeners (`/metrics` is private: routes/metrics.ts). */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, opts) => {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const reason = await opts.readiness()
    const parts = opts.status?.() ?? {}
    if (reason !== null) return reply.code(503).send({ status: 'not ready', reason, ...parts })
    return { status: 'ready', ...parts }
  })
}
