import type { NatsConnection } from '@nats-io/transport-node'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Logger } from 'pino'
import { createProcessorMetrics, type ProcessorMetrics } from './metrics.js'
import { createConsumer, defaultConsumerOptions, type ConsumerOptions, type Delivery } from './shell/consumer.js'
import { insertEvents } from './sinks/clickhouse-events.js'
import { createProcessorHttp } from './http/server.js'
import { createKpiFeed } from './shell/kpi-feed.js'
import type { Config } from '../schemas/config.js'

export interface ProcessorOptions {
  host: string
  port: number
  config: Config
  consumer?: Partial<ConsumerOptions>
}

export interface ProcessorDeps {
  nc: NatsConnection
  clickhouse: ClickHouseClient
  log: Logger
}

export interface Processor {
  metrics: ProcessorMetrics
  start(): Promise<string>
  close(): Promise<void>
}

export function createProcessor(opts: ProcessorOptions, deps: ProcessorDeps): Processor {
  const log = deps.log.child({ component: 'processor' })
  const metrics = createProcessorMetrics()
  let lastWriteError: string | null = null

  async function handle(batch: Delivery[]) {
    if (batch.length === 0) {
      metrics.lag.set(0)
      return
    }
    const oldest = Math.min(...batch.map((d) => Date.parse(d.event.received_at)))
    metrics.lag.set(Math.max(0, (Date.now() - oldest) / 1000))
    try {
      await insertEvents(deps.clickhouse, batch)
      lastWriteError = null
    } catch (err) {
      metrics.writeErrors.inc()
      lastWriteError = (err as Error).message
      throw err
    }
    for (const { event } of batch) {
      metrics.eventsProcessed.inc({ kind: event.kind })
      if (event.kind === 'message.in') metrics.messages.inc({ line: event.line ?? '', direction: 'in', sender_kind: 'customer' })
      if (event.kind === 'message.out') metrics.messages.inc({ line: event.line ?? '', direction: 'out', sender_kind: event.sender_kind })
    }
  }

  const consumer = createConsumer(deps.nc, { ...defaultConsumerOptions, ...opts.consumer }, handle, log)
  const kpi = createKpiFeed(deps.nc, opts.config, log)
  const http = createProcessorHttp(
    {
      host: opts.host,
      port: opts.port,
      registry: metrics.registry,
      summary: () => {
        const now = Math.max(kpi.pipeline.engine.clock, kpi.caughtUp ? Date.now() - opts.config.processing.lateness_seconds * 1000 : -Infinity)
        return kpi.pipeline.summary(Number.isFinite(now) ? now : Date.now())
      },
      readiness: async () => {
        if (deps.nc.isClosed()) return 'NATS connection closed'
        if (lastWriteError) return `ClickHouse writes failing: ${lastWriteError}`
        return null
      },
    },
    log,
  )

  return {
    metrics,
    async start() {
      await consumer.start()
      kpi.start()
      const address = await http.listen({ host: opts.host, port: opts.port })
      log.info({ address }, 'processor listening')
      return address
    },
    async close() {
      await http.close()
      await kpi.close()
      await consumer.close()
    },
  }
}
