/**
 * The private listener of `deskpulse ingest --workers N`. The workers share the public port
 * (node:cluster), so a scrape of a worker's /metrics would see one worker's counters, a different
 * one each time. Instead the primary process listens on INGEST_PRIVATE_PORT and answers /metrics
 * with the sum of every worker's registry (prom-client's AggregatorRegistry, over the cluster's
 * IPC channel), and /openapi.json with a worker's document (the same in all of them).
 */
import cluster from 'node:cluster'
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import { AggregatorRegistry, type Registry } from 'prom-client'
import type { Logger } from 'pino'

const OPENAPI_REQ = 'deskpulse:openapi-req'
const OPENAPI_RES = 'deskpulse:openapi-res'

interface OpenapiMessage {
  type: typeof OPENAPI_RES
  id: number
  doc: unknown
}

/** In a worker: its ingest's registry answers the primary's metric requests, its OpenAPI the document requests. */
export function answerPrimary(registry: Registry, openapi: () => unknown): void {
  AggregatorRegistry.setRegistries([registry])
  // Constructing one is what installs prom-client's listener of the primary's requests in a worker.
  new AggregatorRegistry()
  process.on('message', (m: { type?: string; id?: number }) => {
    if (m?.type === OPENAPI_REQ) process.send?.({ type: OPENAPI_RES, id: m.id ?? -1, doc: openapi() } satisfies OpenapiMessage)
  })
}

/** In the primary: the private listener for all workers. */
export async function servePrimaryPrivate(opts: { host: string; port: number }, log: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const aggregator = new AggregatorRegistry()
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true })
  app.get('/metrics', async (_req, reply) => reply.type(aggregator.contentType).send(await aggregator.clusterMetrics()))
  let next = 0
  app.get('/openapi.json', async (_req, reply) => {
    const worker = Object.values(cluster.workers ?? {}).find((w) => w?.isConnected())
    if (!worker) return reply.code(503).send({ error: 'DESKPULSE_ERR_NO_WORKER', message: 'no ingest worker is running' })
    const id = next++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off('message', onMessage)
        reject(new Error('the ingest worker did not answer'))
      }, 5_000)
      function onMessage(m: OpenapiMessage) {
        if (m?.type !== OPENAPI_RES || m.id !== id) return
        clearTimeout(timer)
        worker!.off('message', onMessage)
        resolve(m.doc)
      }
      worker.on('message', onMessage)
      worker.send({ type: OPENAPI_REQ, id })
    })
  })
  const url = await app.listen({ host: opts.host, port: opts.port })
  return { url, close: () => app.close() }
}
