/**
 * Erasure that sticks (docs/security.md "Erasure"): `deskpulse erase` writes a tombstone per
 * customer hash into a JetStream KV bucket; every runner applies it to its live state at once,
 * again after loading any checkpoint, and refuses the customer's events received before it, so
 * no restart, replay of the stream or late event brings the customer back.
 *
 * Keys: `t.<customer hash>` = { at } (when erased, ms); `r.<customer hash>.<runner>` = what that
 * runner removed from its live state ({ conversations, at }), read back by `deskpulse erase`.
 * Tombstones never expire: a hash is not personal data, and a tombstone that expired would let a
 * checkpoint or a stream copy older than it bring the customer back.
 */
import { Kvm, KvWatchInclude, type KV } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import { setTimeout as sleep } from 'node:timers/promises'

export const ERASURES_BUCKET = 'deskpulse_erasures'

/** `at`: when erased (ms); `revision`: the KV revision, which orders tombstones. */
export interface Tombstone {
  at: number
  revision: number
}

export interface ErasureReport {
  conversations: number
  at: string
}

const tombstoneKey = (customer: string) => `t.${customer}`
const reportKey = (customer: string, runner: string) => `r.${customer}.${runner}`
const decoder = new TextDecoder()

export const openErasureBucket = (nc: NatsConnection, replicas = 1): Promise<KV> => new Kvm(nc).create(ERASURES_BUCKET, { history: 1, replicas })

/** The processor's view: every tombstone, kept current by a watch; listeners hear new ones. */
export async function openErasures(nc: NatsConnection, replicas: number, log: Logger) {
  const kv = await openErasureBucket(nc, replicas)
  const tombstones = new Map<string, Tombstone>()
  const listeners = new Set<(customer: string, t: Tombstone) => void>()

  /** The newest tombstone revision this process has heard of. */
  let newest = 0
  function add(key: string, value: Uint8Array, revision: number) {
    newest = Math.max(newest, revision)
    const customer = key.slice(2)
    let at: number
    try {
      at = Number((JSON.parse(decoder.decode(value)) as { at: unknown }).at)
    } catch {
      at = NaN
    }
    // A tombstone whose time cannot be read erases everything the customer sent, whenever.
    if (!Number.isFinite(at)) at = Infinity
    // Erased again (the customer wrote after the first erasure): the later time wins.
    if ((tombstones.get(customer)?.at ?? -Infinity) >= at) return
    const t = { at, revision }
    tombstones.set(customer, t)
    for (const l of listeners) l(customer, t)
  }

  async function list() {
    for await (const key of await kv.keys('t.>')) {
      const e = await kv.get(key)
      if (e && e.operation === 'PUT') add(key, e.value, e.revision)
    }
  }
  // Watch first, then list: a tombstone written in between is seen by one or the other. A watch
  // that ends (a lost connection the client gave up on) is made again, and the list read again.
  const stop = new AbortController()
  let watch: Awaited<ReturnType<KV['watch']>> | undefined
  let watchReady!: () => void
  const firstWatch = new Promise<void>((resolve) => (watchReady = resolve))
  const watching = (async () => {
    for (let attempt = 0; !stop.signal.aborted; attempt++) {
      try {
        watch = await kv.watch({ key: 't.>', include: KvWatchInclude.UpdatesOnly })
        watchReady()
        if (attempt > 0) await list()
        for await (const e of watch) if (e.operation === 'PUT') add(e.key, e.value, e.revision)
      } catch (err) {
        watchReady()
        log.warn({ err: { message: (err as Error).message } }, 'erasure watch failed; watching again')
      }
      await sleep(Math.min(500 * 2 ** attempt, 10_000), undefined, { signal: stop.signal }).catch(() => {})
    }
  })()
  await firstWatch
  await list()

  return {
    /** The customer is erased and this event of theirs, received at `receivedAt`, predates it. */
    erased(customer: string | null | undefined, receivedAtMs: number): boolean {
      if (!customer) return false
      const t = tombstones.get(customer)
      return t !== undefined && !(receivedAtMs > t.at)
    },
    /** Customers whose tombstone was written after `revision` (a checkpoint's high-water mark). */
    since(revision: number): { customers: Set<string>; revision: number } {
      const customers = new Set<string>()
      let max = revision
      for (const [c, t] of tombstones) {
        if (t.revision <= revision) continue
        customers.add(c)
        max = Math.max(max, t.revision)
      }
      return { customers, revision: max }
    },
    onTombstone(listener: (customer: string, t: Tombstone) => void): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async report(customer: string, runner: string, conversations: number): Promise<void> {
      const r: ErasureReport = { conversations, at: new Date().toISOString() }
      await kv.put(reportKey(customer, runner), JSON.stringify(r))
    },
    /** The newest tombstone revision heard. */
    get revision() {
      return newest
    },
    /** Reads every tombstone again (a checkpoint knows of a newer one than this process). */
    refresh: list,
    async close() {
      stop.abort()
      watch?.stop()
      await watching
    },
  }
}
export type Erasures = Awaited<ReturnType<typeof openErasures>>

/** `deskpulse erase`'s side: the tombstone, then what the running processors removed. */
export async function writeTombstones(kv: KV, customers: readonly string[], runners: readonly string[], atMs = Date.now()): Promise<void> {
  // Reports of an earlier erasure of the same customer must not pass for this one's.
  for (const c of customers) for (const r of runners) await kv.purge(reportKey(c, r)).catch(() => {})
  for (const c of customers) await kv.put(tombstoneKey(c), JSON.stringify({ at: atMs }))
}

/**
 * Waits until each of `runners` has reported each customer (or the timeout), and returns the
 * reports seen: runner → conversations removed (summed over the customer's keys).
 */
export async function collectReports(kv: KV, customers: readonly string[], runners: readonly string[], timeoutMs: number): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const seen = new Map<string, number>()
    let complete = true
    for (const runner of runners) {
      for (const c of customers) {
        const e = await kv.get(reportKey(c, runner))
        if (!e || e.operation !== 'PUT') {
          complete = false
          continue
        }
        const r = JSON.parse(decoder.decode(e.value)) as ErasureReport
        seen.set(runner, (seen.get(runner) ?? 0) + r.conversations)
      }
    }
    if (complete || Date.now() >= deadline) return seen
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
