import type { NatsConnection } from '@nats-io/transport-node'
import type { ClickHouseClient } from '@clickhouse/client'
import { jetstreamManager } from '@nats-io/jetstream'
import { Counter, Gauge } from 'prom-client'
import type { Logger } from 'pino'
import { createProcessorMetrics, type ProcessorMetrics } from './metrics/registry.js'
import { KpiSeries, type KpiSeriesState } from './metrics/kpi-series.js'
import { liveState, type LiveState } from './metrics/live-state.js'
import { project } from './core/projection.js'
import { buildTimeline, parseConversationId } from './core/timeline.js'
import { readConversationEvents } from '../bus/conversation-events.js'
import type { AdviceSources } from './http/advice-routes.js'
import { chatRunbookUrl, createAlertmanagerSink, type AlertmanagerSink, type AlertmanagerSinkOptions } from './sinks/alertmanager.js'
import { createLiveFeed, type LiveFeed, type LiveFeedOptions } from './wallboard/feed.js'
import { wallboardState } from './wallboard/state.js'
import { createProcessorHttp } from './http/server.js'
import { createRunner, defaultRunnerOptions, type Runner, type RunnerOptions } from './shell/runner.js'
import { openCheckpoints, type Checkpoints } from './shell/checkpoints.js'
import { createLeases, type Leases } from './shell/leases.js'
import { openErasures, type Erasures } from './shell/erasures.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { createEngine } from './core/engine.js'
import { summariseMany } from './core/summary.js'
import { chatSla, projectAgents, reassignmentHint } from './core/projection.js'
import { STREAM, SUBJECT_ROOT } from '../bus/stream.js'
import { trackConnection } from '../bus/connection-state.js'
import { partitionFilter } from '../bus/subjects.js'
import { lineNames, type Config } from '../schemas/config.js'
import { computeForecast } from '../forecast/compute.js'
import { createForecastRefresher, type ForecastRefresher } from '../forecast/refresher.js'
import { registerForecastGauges } from '../forecast/gauges.js'

export interface ProcessorOptions {
  /** The public listener (HOST, PROCESSOR_PORT): /healthz, /readyz, the wallboard. */
  host: string
  port: number
  /** The private listener of /metrics and /v1/summary (PRIVATE_HOST, default 127.0.0.1). */
  privateHost?: string
  /** PROCESSOR_PRIVATE_PORT (default here 0: any free port, see `privateUrl`). */
  privatePort?: number
  /** DESKPULSE_ADMIN_TOKEN: the bearer token /v1/summary requires when set. */
  adminToken?: string
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
  /** ALERTMANAGER_URL: per-chat escalations are posted there; none without it. */
  alertmanagerUrl?: string
  /** Re-post and hold times of the escalations (tests shorten them). */
  alertmanager?: Pick<AlertmanagerSinkOptions, 'repostMs' | 'holdMs'>
  /** How often the point-in-time gauges are recomputed (default 1 s). */
  liveIntervalMs?: number
  /** DESKPULSE_WALLBOARD_TOKEN: required by the wallboard page and feed when set. */
  wallboardToken?: string
  /** DESKPULSE_WALLBOARD_ORIGINS: origins allowed to open /live besides the page's own. */
  wallboardOrigins?: string[]
  /** Wallboard feed timings (tests shorten them). */
  wallboard?: Partial<LiveFeedOptions>
  /**
   * Makes the store usable (migrations, retention), retried in the background until it works:
   * the live path starts without waiting for it, the store writers once it has succeeded.
   */
  prepareStore?: () => Promise<void>
  /** Forecast refresh period (default forecast.refresh_seconds; tests shorten it). */
  forecastRefreshMs?: number
  /** Largest allowed gap between an event's time and its receipt (the ingest's skew); default 300 s. */
  maxFutureSkewSeconds?: number
}

export interface ProcessorDeps {
  nc: NatsConnection
  clickhouse: ClickHouseClient
  log: Logger
}

export interface Processor {
  metrics: ProcessorMetrics
  /** The latest point-in-time figures (gauges, wallboard). */
  readonly live: LiveState | null
  readonly alerts: AlertmanagerSink | undefined
  readonly feed: LiveFeed
  /** The background forecast (docs/forecast.md), unless forecast.enabled is false. */
  readonly forecast: ForecastRefresher | undefined
  /** The partitions this instance owns with their runner started. */
  readonly partitions: number[]
  /** The store writers' state: null while they write, else why they do not. */
  readonly storeProblem: string | null
  /** The private listener's base URL (`http://127.0.0.1:9465`) once started. */
  readonly privateUrl: string | undefined
  /** Listens; resolves to the public address. */
  start(): Promise<string>
  close(): Promise<void>
}

/** Scrapes recompute the live gauges at most once per this many times their last cost. */
const LIVE_COST_FACTOR = 5

/**
 * The processor: one runner (processor/shell/runner.ts) per stream partition this instance owns
 * (processor/shell/leases.ts), each with its own core, consumer and checkpoint; GET /v1/summary
 * merges the owned partitions' cores (summariseMany).
 */
export function createProcessor(opts: ProcessorOptions, deps: ProcessorDeps): Processor {
  const log = deps.log.child({ component: 'processor' })
  const processing = opts.config.processing
  const { thresholds } = opts.config
  // Counters and histograms continue across restarts and takeovers: each partition's values
  // travel in its checkpoint. Kept per partition for the life of the process, and summed at
  // scrape time (processor/metrics/kpi-series.ts).
  const series = new Map<number, KpiSeries>()
  const seriesOf = (p: number) => {
    let s = series.get(p)
    if (!s) series.set(p, (s = new KpiSeries()))
    return s
  }
  let live: LiveState | null = null
  /**
   * The point-in-time gauges (and the SLA outcome counts, read from the cores) are recomputed when
   * scraped if events were applied since the last computation, as well as every second: a scrape
   * right after events sees them, as /v1/summary does. The computation walks every open
   * conversation (36 ms at 100,000 on one core, `npm run bench:processor`): scrapes in a row
   * recompute at most once per LIVE_COST_FACTOR × its last cost, so however often /metrics is
   * read the walk takes at most a sixth of a core, as the wallboard's feed does.
   */
  let liveDirty = false
  let liveCostMs = 0
  let liveAt = 0
  const currentLive = () => {
    if (liveDirty && performance.now() - liveAt >= LIVE_COST_FACTOR * liveCostMs) refreshLive()
    return live
  }
  const metrics = createProcessorMetrics({ series: () => series.values(), live: currentLive, frtTargetSeconds: thresholds.frt_target, sloObjective: opts.config.slo.objective, linesRepliesFrom: Object.fromEntries(Object.entries(opts.config.lines).map(([id, lc]) => [id, lc.replies_from ?? 'helpdesk'])) })
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
  /** Per partition, the ClickHouse writer (processor/shell/runner.ts, store role). */
  const storeRunners = new Map<number, Runner>()
  let storeReady = false
  let storeError: string | null = opts.prepareStore ? 'ClickHouse not prepared yet' : null
  let erasures: Erasures | undefined
  let closing = false
  const stopRetrying = new AbortController()
  /** Partitions whose runner has started, in order: the summary's engines. */
  const running = new Set<number>()
  const lags = new Map<number, number>()
  const standby = createEngine(opts.config)
  let leases: Leases | undefined
  let checkpoints: Checkpoints | undefined

  /**
   * A partition continues from its checkpoint's values: all of them after a restart, what the
   * previous owner counted after a takeover. When this process had counted past the checkpoint
   * (the partition lost and taken back), its sum goes down: a counter reset for Prometheus,
   * never a double count.
   */
  const countersOf = (p: number) => ({
    save: () => seriesOf(p).toState(),
    restore(saved: unknown) {
      const state = saved as KpiSeriesState | undefined
      series.set(p, KpiSeries.fromState(state?.v === 1 ? state : undefined))
    },
  })
  const alerts = opts.alertmanagerUrl
    ? createAlertmanagerSink(
        {
          url: opts.alertmanagerUrl,
          pageMaxAgeMs: thresholds.page_max_age * 1000,
          runbookUrl: chatRunbookUrl(opts.config),
          lineNames: lineNames(opts.config),
          lines: opts.config.lines,
          // docs/sla.md "Routing": the read model decides the hint and the chat's policy; the sink formats.
          hint: (team, agent) => reassignmentHint(projectAgents(enginesInOrder()), team, agent),
          about: (p, conversation) => {
            const runner = runners.get(p)
            return runner ? chatSla(runner.pipeline.engine, conversation) : null
          },
          ...opts.alertmanager,
        },
        { log: log.child({ sink: 'alertmanager' }), metrics },
      )
    : undefined

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
      const bytes = checkpoints!.encode(cp)
      if (!(await leases!.confirm(p))) throw new Error(`partition ${p}: lease not confirmed; checkpoint not saved`)
      return checkpoints!.put(name, bytes)
    },
    async put(name, bytes) {
      if (!(await leases!.confirm(p))) throw new Error(`partition ${p}: lease not confirmed; checkpoint not saved`)
      return checkpoints!.put(name, bytes)
    },
  })

  const runnerDeps = (p: number) => ({ nc: deps.nc, checkpoints: fenced(p), log: log.child({ partition: p }), metrics: metricsOf(p), ...(erasures ? { erasures } : {}) })
  const storeName = (p: number) => `${nameOf(p)}-store`
  const partitionOptions = (p: number): RunnerOptions => ({
    ...runnerOptions,
    durable: nameOf(p),
    storeCheckpoint: storeName(p),
    filterSubject: filterOf(p),
    partition: p,
    maxFutureMs: (opts.maxFutureSkewSeconds ?? 300) * 1000,
  })

  async function startPartition(p: number) {
    const runner = createRunner(runnerDeps(p), opts.config, partitionOptions(p), {
      counters: countersOf(p),
      onEvents: (batch) => seriesOf(p).countEvents(batch),
      onEffects(effects) {
        seriesOf(p).apply(effects)
        alerts?.apply(p, effects)
        liveDirty = true
        feed.markDirty()
      },
      onConsumerLost: () => void leases?.release(p),
    })
    runners.set(p, runner)
    try {
      await runner.start()
    } catch (err) {
      runners.delete(p)
      throw err
    }
    running.add(p)
    owned.set(running.size)
    alerts?.adopt(p, runner.pipeline.engine)
    if (storeReady) await startStore(p)
    log.info({ partition: p, consumer: nameOf(p), checkpointSeq: runner.checkpointSeq }, 'partition started')
  }

  /** The partition's ClickHouse writer: its own consumer and checkpoint, so it stalls nothing else. */
  async function startStore(p: number) {
    if (closing || storeRunners.has(p) || !running.has(p)) return
    const runner = createRunner(
      { ...runnerDeps(p), clickhouse: deps.clickhouse, log: log.child({ partition: p, role: 'store' }) },
      opts.config,
      { ...partitionOptions(p), role: 'store', durable: storeName(p) },
      { onConsumerLost: () => void leases?.release(p) },
    )
    storeRunners.set(p, runner)
    try {
      await runner.start()
    } catch (err) {
      storeRunners.delete(p)
      await runner.close().catch(() => {})
      log.warn({ partition: p, err: { message: (err as Error).message } }, 'store writer failed to start; retried within a second')
      return
    }
    // Stopped or closed while it started: it must not run on.
    if (closing || storeRunners.get(p) !== runner || !running.has(p)) {
      if (storeRunners.get(p) === runner) storeRunners.delete(p)
      await runner.close()
    }
  }

  /** Once a second: a partition whose writer is missing (a failed start) gets one again. */
  const starting = new Set<number>()
  function ensureStores() {
    if (!storeReady || closing) return
    for (const p of running) {
      if (storeRunners.has(p) || starting.has(p)) continue
      starting.add(p)
      void startStore(p).finally(() => starting.delete(p))
    }
  }

  /** Migrations retried in the background; then every owned partition gets its writer. */
  async function prepareStoreInBackground() {
    for (let attempt = 0; !closing; attempt++) {
      try {
        await opts.prepareStore?.()
        storeReady = true
        storeError = null
        log.info('ClickHouse ready: store writers start')
        for (const p of [...running]) await startStore(p)
        return
      } catch (err) {
        storeError = `ClickHouse unavailable: ${(err as Error).message}`
        metrics.clickhouseUp.set(0)
        log.warn({ attempt, err: { message: (err as Error).message } }, 'ClickHouse not ready; live processing goes on, retrying')
        await sleep(Math.min(500 * 2 ** attempt, 10_000), undefined, { signal: stopRetrying.signal }).catch(() => {})
      }
    }
  }

  async function stopPartition(p: number, why: string) {
    const runner = runners.get(p)
    if (!runner) return
    running.delete(p)
    owned.set(running.size)
    lags.delete(p)
    alerts?.release(p)
    const store = storeRunners.get(p)
    storeRunners.delete(p)
    await Promise.all([runner.close(), store?.close()])
    runners.delete(p)
    log.info({ partition: p, why, checkpointSeq: runner.checkpointSeq }, 'partition stopped')
  }

  /** The clock of the live figures: the engines', or wall time less the lateness once caught up. */
  function nowOf(engines: ReturnType<typeof enginesInOrder>) {
    const clock = Math.max(...engines.map((e) => e.clock))
    const caughtUp = runnerOptions.clock === 'wall' && [...running].every((p) => runners.get(p)!.caughtUp)
    const now = Math.max(clock, caughtUp ? Date.now() - processing.lateness_seconds * 1000 : -Infinity)
    return Number.isFinite(now) ? now : Date.now()
  }
  let liveTimer: NodeJS.Timeout | undefined
  let storeLagTimer: NodeJS.Timeout | undefined
  let storePreparing: Promise<void> | undefined
  function refreshLive() {
    liveDirty = false
    const started = performance.now()
    const engines = enginesInOrder()
    live = liveState(engines, engines.length ? nowOf(engines) : Date.now())
    liveAt = performance.now()
    liveCostMs = liveAt - started
  }

  const enginesInOrder = () => [...running].sort((a, b) => a - b).map((p) => runners.get(p)!.pipeline.engine)

  const feed = createLiveFeed(() => {
    const engines = enginesInOrder()
    return engines.length ? wallboardState(engines, nowOf(engines)) : wallboardState([standby], Date.now())
  }, log.child({ component: 'wallboard' }), { loadBand: thresholds.load_band, escalation: { after: thresholds.escalate_after, afterNegative: thresholds.escalate_after_negative }, lineNames: lineNames(opts.config), ...opts.wallboard })

  new Gauge({
    name: 'deskpulse_wallboard_clients',
    help: 'Wallboard screens connected to /live',
    registers: [metrics.registry],
    collect() {
      this.set(feed.stats.clients)
    },
  })
  let droppedSeen = 0
  new Counter({
    name: 'deskpulse_wallboard_dropped_total',
    help: 'Wallboard screens dropped for not keeping up (they reconnect by themselves)',
    registers: [metrics.registry],
    collect() {
      this.inc(feed.stats.dropped - droppedSeen)
      droppedSeen = feed.stats.dropped
    },
  })

  // The forecast reads ClickHouse in the background, off the event path (forecast/refresher.ts).
  const fc = opts.config.forecast
  const forecast = fc.enabled
    ? createForecastRefresher({
        compute: () => computeForecast(deps.clickhouse, opts.config, { interval: fc.interval, horizonDays: fc.horizon_days, historyDays: fc.history_days, now: Date.now() }),
        everyMs: opts.forecastRefreshMs ?? fc.refresh_seconds * 1000,
        log: log.child({ component: 'forecast' }),
      })
    : undefined
  if (forecast) registerForecastGauges(metrics.registry, () => forecast.latest)

  /** GET /v1/advice/rebalance and the live timeline (docs/advice.md): the core decides, the routes format. */
  function adviceSources(): AdviceSources {
    const now = () => {
      const engines = enginesInOrder()
      return engines.length ? { engines, at: nowOf(engines) } : { engines: [standby], at: Date.now() }
    }
    return {
      spareBelow: opts.config.advice.spare_below,
      projection: () => {
        const { engines, at } = now()
        return project(engines, at)
      },
      async timeline(id, until) {
        const { line, customer, openedAt } = parseConversationId(id)
        const read = await readConversationEvents(deps.nc, { line, customer, from: openedAt, partitions, earlyMs: (opts.config.ingest.max_future_skew_seconds + 60) * 1000, maxScan: 1_000_000 })
        const tl = buildTimeline(opts.config, id, read.events, until ?? now().at, { text: opts.config.advice.timeline_text, agents: opts.config.advice.per_agent_views })
        return { ...tl, source: { from: 'stream', scanned: read.scanned, complete: read.complete } }
      },
    }
  }

  const connection = trackConnection(deps.nc)
  const http = createProcessorHttp(
    {
      host: opts.host,
      port: opts.port,
      privateHost: opts.privateHost ?? '127.0.0.1',
      privatePort: opts.privatePort ?? 0,
      adminToken: opts.adminToken,
      registry: metrics.registry,
      summary: () => {
        const engines = enginesInOrder()
        return engines.length === 0 ? summariseMany([standby], Date.now()) : summariseMany(engines, nowOf(engines))
      },
      ...(forecast ? { forecast: () => ({ latest: forecast.latest, lastError: forecast.lastError }) } : {}),
      advice: adviceSources(),
      wallboard: { feed, token: opts.wallboardToken, ...(opts.wallboardOrigins ? { origins: opts.wallboardOrigins } : {}) },
      // A standby (no partition owned) is ready: it takes partitions over when an owner dies.
      // A store problem is reported, not fatal: the live path (alerts, metrics, wallboard) works.
      readiness: async () => {
        if (deps.nc.isClosed()) return 'NATS connection closed'
        if (!connection.connected) return 'NATS reconnecting'
        return null
      },
      status: () => ({ store: storeProblem() ?? 'ok' }),
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
  let privateUrl: string | undefined

  function storeProblem(): string | null {
    if (storeError) return storeError
    for (const runner of storeRunners.values()) if (runner.lastWriteError) return `ClickHouse writes failing: ${runner.lastWriteError}`
    return null
  }

  /** Seconds the writers are behind the live cores (0 when level). */
  /**
   * How far the writers are behind (s): the age of the oldest event a writer holds and has not
   * written, or, for a partition whose writer is not running, how long it has been missing.
   */
  const storeMissingSince = new Map<number, number>()
  function storeLagSeconds(): number {
    let lag = 0
    const now = Date.now()
    for (const p of running) {
      const store = storeRunners.get(p)
      const since = store ? store.unwrittenSince : (storeMissingSince.get(p) ?? storeMissingSince.set(p, now).get(p)!)
      if (store) storeMissingSince.delete(p)
      if (since !== null && Number.isFinite(since)) lag = Math.max(lag, (now - since) / 1000)
    }
    return lag
  }

  return {
    metrics,
    alerts,
    feed,
    forecast,
    get live() {
      return currentLive()
    },
    get partitions() {
      return runningPartitions()
    },
    get storeProblem() {
      return storeProblem()
    },
    get privateUrl() {
      return privateUrl
    },
    async start() {
      await checkPartitions()
      checkpoints = await openCheckpoints(deps.nc, opts.replicas ?? 1)
      erasures = await openErasures(deps.nc, opts.replicas ?? 1, log)
      if (!opts.prepareStore) storeReady = true
      metrics.storeLag.set(0)
      storeLagTimer = setInterval(() => {
        ensureStores()
        metrics.storeLag.set(storeLagSeconds())
      }, 1_000)
      leases = createLeases(
        deps.nc,
        { group, partitions, leaseMs: processing.lease_seconds * 1000, replicas: opts.replicas ?? 1, ...(opts.instanceId ? { instanceId: opts.instanceId } : {}) },
        { start: startPartition, stop: stopPartition },
        log,
      )
      await leases.start()
      if (opts.prepareStore) storePreparing = prepareStoreInBackground()
      refreshLive()
      liveTimer = setInterval(refreshLive, opts.liveIntervalMs ?? 1_000)
      alerts?.start()
      forecast?.start()
      feed.start()
      const addresses = await http.listen()
      privateUrl = addresses.private
      const address = addresses.public
      log.info({ address, private: addresses.private, instance: leases.id, partitions, owned: runningPartitions() }, 'processor listening')
      return address
    },
    async close() {
      closing = true
      stopRetrying.abort()
      clearInterval(liveTimer)
      clearInterval(storeLagTimer)
      await http.close()
      await forecast?.close()
      await leases?.close()
      // A migration in flight against an unresponsive server is not waited for (Ctrl-C must work).
      await Promise.race([storePreparing, new Promise((resolve) => setTimeout(resolve, 2_000).unref())])
      await alerts?.close()
      await erasures?.close()
      connection.close()
    },
  }
}
