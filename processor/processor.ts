import type { NatsConnection } from '@nats-io/transport-node'
import type { ClickHouseClient } from '@clickhouse/client'
import { jetstreamManager } from '@nats-io/jetstream'
import { Gauge } from 'prom-client'
import type { Logger } from 'pino'
import { createProcessorMetrics, type ProcessorMetrics } from './metrics.js'
import { createProcessorHttp } from './http/server.js'
import { createRunner, defaultRunnerOptions, type Runner, type RunnerOptions } from './shell/runner.js'
import { openCheckpoints, type Checkpoints } from './shell/checkpoints.js'
import { createLeases, type Leases } from './shell/leases.js'
import { createEngine } from './core/engine.js'
import { summariseMany } from './core/summary.js'
import { STREAM, SUBJECT_ROOT } from '../bus/stream.js'
import { partitionFilter } from '../bus/subjects.js'
import type { Config } from '../schemas/config.js'

export interface ProcessorOptions {
  host: string
  port: number
  config: Config
  runner?: Partial<RunnerOptions>
  /** Replicas of the checkpoint and lease buckets (as the stream's on a NATS cluster). */
  replicas?: number
  /**
   * DESKPULSE_PARTITIONS, as the ingest publishes. Default 1: one runner reads the whole stream
   * with the consumer and checkpoint named `processing.consumer_name` (the names before
   * partitions). With P > 1 partition N has its own consumer and checkpoint
   * `<consumer_name>-p<N>` (filter `deskpulse.ev.<N>.>`). Either way partitions are leased.
   */
  partitions?: number
  /** This instance's id in the lease bucket (default: host, pid, random). */
  instanceId?: string
}

export interface ProcessorDeps {
  nc: NatsConnection
  clickhouse: ClickHouseClient
  log: Logger
}

export interface Processor {
  metrics: ProcessorMetrics
  /** The partitions this instance owns with their runner started. */
  readonly partitions: number[]
  start(): Promise<string>
  close(): Promise<void>
}

type Labels = Record<string, string>
type CounterValues = Array<{ labels: Labels; value: number }>

/**
 * The processor: one runner (processor/shell/runner.ts) per stream partition this instance owns
 * (processor/shell/leases.ts), each with its own core, consumer and checkpoint; GET /v1/summary
 * merges the owned partitions' cores (summariseMany).
 */
export function createProcessor(opts: ProcessorOptions, deps: ProcessorDeps): Processor {
  const log = deps.log.child({ component: 'processor' })
  const metrics = createProcessorMetrics()
  const processing = opts.config.processing
  const partitions = opts.partitions ?? 1
  const runnerOptions: RunnerOptions = {
    ...defaultRunnerOptions,
    durable: processing.consumer_name,
    clock: processing.clock,
    checkpointIntervalMs: processing.checkpoint_seconds * 1000,
    ...opts.runner,
  }
  const group = runnerOptions.durable
  const nameOf = (p: number) => (partitions === 1 ? group : `${group}-p${p}`)
  const filterOf = (p: number) => (partitions === 1 ? `${SUBJECT_ROOT}.>` : partitionFilter(p))

  const owned = new Gauge({
    name: 'deskpulse_processor_partitions_owned',
    help: 'Stream partitions this processor instance holds the lease of and processes (0: a standby)',
    registers: [metrics.registry],
  })
  owned.set(0)
  const runners = new Map<number, Runner>()
  /** Partitions whose runner has started, in order: the summary's engines. */
  const running = new Set<number>()
  const lags = new Map<number, number>()
  const standby = createEngine(opts.config)
  let leases: Leases | undefined
  let checkpoints: Checkpoints | undefined

  // Counters continue across restarts and takeovers: each partition's values travel in its
  // checkpoint. Kept per partition for the life of the process, so a partition that comes back
  // adds only what it counted meanwhile elsewhere.
  const events = trackCounter(metrics.eventsProcessed)
  const messages = trackCounter(metrics.messages)
  const countersOf = (p: number) => ({
    save: () => ({ events: events.values(p), messages: messages.values(p) }),
    restore(saved: unknown) {
      const s = saved as { events?: CounterValues; messages?: CounterValues } | undefined
      events.restore(p, s?.events ?? [])
      messages.restore(p, s?.messages ?? [])
    },
  })

  /** The runner's view of the metrics: the lag gauge is the largest of the partitions'. */
  const metricsOf = (p: number): ProcessorMetrics => ({
    ...metrics,
    lag: {
      set(value: number) {
        lags.set(p, value)
        metrics.lag.set(Math.max(0, ...lags.values()))
      },
    } as unknown as ProcessorMetrics['lag'],
  })

  /** A checkpoint is saved only while this instance still holds the partition's lease. */
  const fenced = (p: number): Checkpoints => ({
    ...checkpoints!,
    async save(name, cp) {
      if (!(await leases!.confirm(p))) throw new Error(`partition ${p}: lease not confirmed; checkpoint not saved`)
      return checkpoints!.save(name, cp)
    },
  })

  async function startPartition(p: number) {
    const runner = createRunner(
      { nc: deps.nc, clickhouse: deps.clickhouse, checkpoints: fenced(p), log: log.child({ partition: p }), metrics: metricsOf(p) },
      opts.config,
      { ...runnerOptions, durable: nameOf(p), filterSubject: filterOf(p), partition: p },
      {
        counters: countersOf(p),
        onEvents(batch) {
          for (const event of batch) {
            events.inc(p, { kind: event.kind })
            if (event.kind === 'message.in') messages.inc(p, { line: event.line ?? '', direction: 'in', sender_kind: 'customer' })
            if (event.kind === 'message.out') messages.inc(p, { line: event.line ?? '', direction: 'out', sender_kind: event.sender_kind })
          }
        },
        onConsumerLost: () => void leases?.release(p),
      },
    )
    runners.set(p, runner)
    try {
      await runner.start()
    } catch (err) {
      runners.delete(p)
      throw err
    }
    running.add(p)
    owned.set(running.size)
    log.info({ partition: p, consumer: nameOf(p), checkpointSeq: runner.checkpointSeq }, 'partition started')
  }

  async function stopPartition(p: number, why: string) {
    const runner = runners.get(p)
    if (!runner) return
    running.delete(p)
    owned.set(running.size)
    lags.delete(p)
    await runner.close()
    runners.delete(p)
    log.info({ partition: p, why, checkpointSeq: runner.checkpointSeq }, 'partition stopped')
  }

  const enginesInOrder = () => [...running].sort((a, b) => a - b).map((p) => runners.get(p)!.pipeline.engine)

  const http = createProcessorHttp(
    {
      host: opts.host,
      port: opts.port,
      registry: metrics.registry,
      summary: () => {
        const engines = enginesInOrder()
        if (engines.length === 0) return summariseMany([standby], Date.now())
        const clock = Math.max(...engines.map((e) => e.clock))
        const live = runnerOptions.clock === 'wall' && [...running].every((p) => runners.get(p)!.caughtUp)
        const now = Math.max(clock, live ? Date.now() - processing.lateness_seconds * 1000 : -Infinity)
        return summariseMany(engines, Number.isFinite(now) ? now : Date.now())
      },
      // A standby (no partition owned) is ready: it takes partitions over when an owner dies.
      readiness: async () => {
        if (deps.nc.isClosed()) return 'NATS connection closed'
        for (const runner of runners.values()) if (runner.lastWriteError) return `ClickHouse writes failing: ${runner.lastWriteError}`
        return null
      },
    },
    log,
  )

  /** Subjects of partitions beyond this processor's count would never be read: refuse to start. */
  async function checkPartitions() {
    if (partitions === 1) return
    const jsm = await jetstreamManager(deps.nc)
    const info = await jsm.streams.info(STREAM, { subjects_filter: `${SUBJECT_ROOT}.>` })
    const beyond = Object.keys(info.state.subjects ?? {}).filter((s) => Number(s.split('.')[2]) >= partitions)
    if (beyond.length) throw new Error(`DESKPULSE_PARTITIONS is ${partitions} but the stream has events on ${beyond.slice(0, 3).join(', ')}: the ingest and the processors must use the same partition count`)
  }

  const runningPartitions = () => [...running].sort((a, b) => a - b)

  return {
    metrics,
    get partitions() {
      return runningPartitions()
    },
    async start() {
      await checkPartitions()
      checkpoints = await openCheckpoints(deps.nc, opts.replicas ?? 1)
      leases = createLeases(
        deps.nc,
        { group, partitions, leaseMs: processing.lease_seconds * 1000, replicas: opts.replicas ?? 1, ...(opts.instanceId ? { instanceId: opts.instanceId } : {}) },
        { start: startPartition, stop: stopPartition },
        log,
      )
      await leases.start()
      const address = await http.listen({ host: opts.host, port: opts.port })
      log.info({ address, instance: leases.id, partitions, owned: runningPartitions() }, 'processor listening')
      return address
    },
    async close() {
      await http.close()
      await leases?.close()
    },
  }
}

/**
 * A counter whose values are also kept here per partition, readable synchronously for that
 * partition's checkpoint.
 */
function trackCounter(counter: { inc(labels: Labels, value?: number): void; reset(): void }) {
  const byPartition = new Map<number, Map<string, { labels: Labels; value: number }>>()
  const of = (p: number) => {
    let values = byPartition.get(p)
    if (!values) byPartition.set(p, (values = new Map()))
    return values
  }
  return {
    inc(p: number, labels: Labels, by = 1) {
      const values = of(p)
      const key = JSON.stringify(labels)
      const v = values.get(key)
      if (v) v.value += by
      else values.set(key, { labels, value: by })
      counter.inc(labels, by)
    },
    /**
     * Partition `p` continues from a checkpoint: its values become the checkpoint's (all of it
     * after a restart; what the previous owner counted after a takeover). When this process had
     * counted past the checkpoint (the partition lost and taken back), the events after it are
     * counted again, so the counter is rebuilt from the kept values: a counter reset for
     * Prometheus, never a double count.
     */
    restore(p: number, saved: CounterValues) {
      const values = of(p)
      const next = new Map(saved.map(({ labels, value }) => [JSON.stringify(labels), { labels, value }]))
      let rebuild = false
      for (const [key, v] of values) if ((next.get(key)?.value ?? 0) < v.value) rebuild = true
      byPartition.set(p, next)
      if (rebuild) {
        counter.reset()
        for (const partition of byPartition.values()) for (const { labels, value } of partition.values()) counter.inc(labels, value)
        return
      }
      for (const [key, { labels, value }] of next) {
        const had = values.get(key)?.value ?? 0
        if (value > had) counter.inc(labels, value - had)
      }
    },
    values: (p: number): CounterValues => [...of(p).values()].map((v) => ({ ...v })),
  }
}
