import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startManagedProcess, type ManagedProcess } from './managed-process.js'

export interface NatsClusterOptions {
  /** Number of servers; 3 tolerates the loss of one (JetStream needs a majority). */
  size?: number
  /** Each server's config file and JetStream store go under `baseDir/<server name>/`. */
  baseDir: string
  host?: string
  /** The cluster's name (`cluster.name`). */
  name?: string
  /** Deadline for every server to be up and JetStream to have a meta leader. */
  startTimeoutMs?: number
}

export interface ClusterServer {
  /** `server_name`, as JetStream reports peers and leaders: n1, n2, … */
  name: string
  url: string
  port: number
  clusterPort: number
  monitorPort: number
  storeDir: string
  readonly pid: number | undefined
  /** SIGKILL: a crash. */
  kill(): Promise<void>
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>
  /** Starts the server again on the same ports and store; resolves once it is current with the cluster. */
  /** Starts it again and waits until every server is current (`timeoutMs`, default the start timeout). */
  restart(timeoutMs?: number): Promise<void>
}

export interface NatsCluster {
  servers: ClusterServer[]
  /** Every client URL, comma-separated: the value for NATS_URL. */
  urls: string
  /** The server_name of the JetStream meta leader, as the live servers report it. */
  metaLeader(): Promise<string | undefined>
  stop(): Promise<void>
}

/** Free TCP ports, all held at once so that one call never returns the same port twice. */
async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, host, () => resolve(s))
    })),
  )
  const ports = servers.map((s) => {
    const a = s.address()
    if (!a || typeof a === 'string') throw new Error('no port bound')
    return a.port
  })
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

interface ServerPlan {
  name: string
  port: number
  clusterPort: number
  monitorPort: number
  storeDir: string
  configFile: string
}

/** One server's config: client, monitoring and route listeners on `host`, routes to every other server. */
function serverConfig(plan: ServerPlan, all: ServerPlan[], host: string, clusterName: string): string {
  const routes = all.filter((p) => p !== plan).map((p) => `    "nats-route://${host}:${p.clusterPort}"`)
  return [
    `server_name: "${plan.name}"`,
    `listen: "${host}:${plan.port}"`,
    `http: "${host}:${plan.monitorPort}"`,
    `jetstream {`,
    `  store_dir: ${JSON.stringify(plan.storeDir)}`,
    `}`,
    `cluster {`,
    `  name: "${clusterName}"`,
    `  listen: "${host}:${plan.clusterPort}"`,
    `  routes: [`,
    ...routes,
    `  ]`,
    `}`,
    '',
  ].join('\n')
}

interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number }
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) })
    return res.ok ? ((await res.json()) as T) : undefined
  } catch {
    return undefined
  }
}

async function healthy(monitor: string): Promise<boolean> {
  try {
    const res = await fetch(`${monitor}/healthz`, { signal: AbortSignal.timeout(1_000) })
    return res.ok
  } catch {
    return false
  }
}

/**
 * `size` of Debian's nats-server (2.9) as one JetStream cluster on loopback, each with its own
 * config file, store and free ports (client, route, monitoring). Ready when every server's
 * JetStream is enabled, all of them name the same meta leader, and each reports itself healthy
 * (`/healthz`: current with the meta leader) — so a stream with `size` replicas can be created.
 */
export async function startNatsCluster(opts: NatsClusterOptions): Promise<NatsCluster> {
  const size = opts.size ?? 3
  const host = opts.host ?? '127.0.0.1'
  const clusterName = opts.name ?? 'deskpulse'
  const timeoutMs = opts.startTimeoutMs ?? 30_000
  if (!Number.isInteger(size) || size < 1) throw new Error(`a NATS cluster needs at least one server, not ${size}`)

  const ports = await freePorts(host, size * 3)
  const plans: ServerPlan[] = Array.from({ length: size }, (_, i) => {
    const name = `n${i + 1}`
    const dir = path.join(opts.baseDir, name)
    return {
      name,
      port: ports[i * 3]!,
      clusterPort: ports[i * 3 + 1]!,
      monitorPort: ports[i * 3 + 2]!,
      storeDir: path.join(dir, 'jetstream'),
      configFile: path.join(dir, 'nats-server.conf'),
    }
  })
  for (const p of plans) {
    await mkdir(p.storeDir, { recursive: true })
    await writeFile(p.configFile, serverConfig(p, plans, host, clusterName))
  }

  const monitorUrl = (p: ServerPlan) => `http://${host}:${p.monitorPort}`
  const launch = (p: ServerPlan) =>
    startManagedProcess({
      command: 'nats-server',
      args: ['-c', p.configFile],
      // JetStream is enabled before the routes form; cluster readiness is checked below.
      readyUrl: `${monitorUrl(p)}/healthz?js-enabled-only=true`,
      startTimeoutMs: timeoutMs,
    })

  const procs: Array<ManagedProcess | undefined> = new Array(size).fill(undefined)
  const down = new Set<number>()
  const stopAll = () => Promise.all(procs.map((p) => p?.stop())).then(() => undefined)

  const metaLeader = async (): Promise<string | undefined> => {
    for (const [i, p] of plans.entries()) {
      if (down.has(i)) continue
      const leader = (await getJson<Jsz>(`${monitorUrl(p)}/jsz`))?.meta_cluster?.leader
      if (leader) return leader
    }
    return undefined
  }

  /** Every live server names the same meta leader and answers /healthz. */
  const clusterReady = async (): Promise<string | undefined> => {
    const live = plans.filter((_, i) => !down.has(i))
    const leaders = await Promise.all(live.map((p) => getJson<Jsz>(`${monitorUrl(p)}/jsz`).then((j) => j?.meta_cluster?.leader)))
    const first = leaders[0]
    if (!first || leaders.some((l) => l !== first)) return `no common meta leader (${leaders.map((l) => l ?? '-').join(', ')})`
    const unhealthy = (await Promise.all(live.map((p) => healthy(monitorUrl(p))))).some((ok) => !ok)
    return unhealthy ? 'a server is not current with the meta leader' : undefined
  }

  const waitReady = async (deadline: number) => {
    for (;;) {
      const problem = await clusterReady()
      if (!problem) return
      if (Date.now() > deadline) throw new Error(`NATS cluster not ready by the deadline: ${problem}`)
      await sleep(100)
    }
  }

  try {
    const started = await Promise.allSettled(plans.map(launch))
    started.forEach((r, i) => {
      if (r.status === 'fulfilled') procs[i] = r.value
    })
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
    await waitReady(Date.now() + timeoutMs)
  } catch (err) {
    await stopAll()
    throw err
  }

  const servers: ClusterServer[] = plans.map((p, i) => ({
    name: p.name,
    url: `nats://${host}:${p.port}`,
    port: p.port,
    clusterPort: p.clusterPort,
    monitorPort: p.monitorPort,
    storeDir: p.storeDir,
    get pid() {
      return procs[i]?.pid
    },
    async kill() {
      down.add(i)
      await procs[i]?.kill()
    },
    async stop() {
      down.add(i)
      await procs[i]?.stop()
    },
    async restart(within = timeoutMs) {
      await procs[i]?.stop()
      procs[i] = await launch(p)
      down.delete(i)
      await waitReady(Date.now() + within)
    },
  }))

  return {
    servers,
    urls: servers.map((s) => s.url).join(','),
    metaLeader,
    stop: stopAll,
  }
}
