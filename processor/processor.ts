import type { NatsConnection } from '@nats-io/transport-node'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Logger } from 'pino'
import { createProcessorMetrics, type ProcessorMetrics } from './metrics.js'
import { createProcessorHttp } from './http/server.js'
import { createRunner, defaultRunnerOptions, type RunnerOptions } from './shell/runner.js'
import { openCheckpoints } from './shell/checkpoints.js'
import type { Config } from '../schemas/config.js'

export interface ProcessorOptions {
  host: string
  port: number
  config: Config
  runner?: Partial<RunnerOptions>
  /** Replicas of the checkpoint bucket (as the stream's on a NATS cluster). */
  replicas?: number
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
  const processing = opts.config.processing
  const runnerOptions: RunnerOptions = {
    ...defaultRunnerOptions,
    durable: processing.consumer_name,
    clock: processing.clock,
    checkpointIntervalMs: processing.checkpoint_seconds * 1000,
    ...opts.runner,
  }
  let runner: ReturnType<typeof createRunner> | undefined

  // Counters continue across restarts: their values travel in the checkpoint.
  const events = trackCounter(metrics.eventsProcessed)
  const messages = trackCounter(metrics.messages)
  const counters = {
    save: () => ({ events: events.values(), messages: messages.values() }),
    restore(saved: unknown) {
      const s = saved as { events?: CounterValues; messages?: CounterValues } | undefined
      for (const { labels, value } of s?.events ?? []) events.inc(labels, value)
      for (const { labels, value } of s?.messages ?? []) messages.inc(labels, value)
    },
  }

  const http = createProcessorHttp(
    {
      host: opts.host,
      port: opts.port,
      registry: metrics.registry,
      summary: () => {
        const p = runner!.pipeline
        const live = runnerOptions.clock === 'wall' && runner!.caughtUp
        const now = Math.max(p.engine.clock, live ? Date.now() - opts.config.processing.lateness_seconds * 1000 : -Infinity)
        return p.summary(Number.isFinite(now) ? now : Date.now())
      },
      readiness: async () => {
        if (deps.nc.isClosed()) return 'NATS connection closed'
        if (runner?.lastWriteError) return `ClickHouse writes failing: ${runner.lastWriteError}`
        return null
      },
    },
    log,
  )

  return {
    metrics,
    async start() {
      const checkpoints = await openCheckpoints(deps.nc, opts.replicas ?? 1)
      runner = createRunner({ nc: deps.nc, clickhouse: deps.clickhouse, checkpoints, log, metrics }, opts.config, runnerOptions, {
        counters,
        onEvents(batch) {
          for (const event of batch) {
            events.inc({ kind: event.kind })
            if (event.kind === 'message.in') messages.inc({ line: event.line ?? '', direction: 'in', sender_kind: 'customer' })
            if (event.kind === 'message.out') messages.inc({ line: event.line ?? '', direction: 'out', sender_kind: event.sender_kind })
          }
        },
      })
      await runner.start()
      const address = await http.listen({ host: opts.host, port: opts.port })
      log.info({ address }, 'processor listening')
      return address
    },
    async close() {
      await http.close()
      await runner?.close()
    },
  }
}

type Labels = Record<string, string>
type CounterValues = Array<{ labels: Labels; value: number }>

/** A counter whose values are also kept here, readable synchronously for a checkpoint. */
function trackCounter(counter: { inc(labels: Labels, value?: number): void }) {
  const values = new Map<string, { labels: Labels; value: number }>()
  return {
    inc(labels: Labels, by = 1) {
      const key = JSON.stringify(labels)
      const v = values.get(key)
      if (v) v.value += by
      else values.set(key, { labels, value: by })
      counter.inc(labels, by)
    },
    values: (): CounterValues => [...values.values()].map((v) => ({ ...v })),
  }
}
