/**
 * Partition ownership (docs/architecture.md "Scale-out"): several processor instances with one
 * `processing.consumer_name` share the stream's partitions, each partition owned by one instance
 * at a time, through leases in a JetStream KV bucket (no lock service of our own).
 *
 * - Bucket `deskpulse_owners`, whose max_age is the lease time: an entry not renewed within it
 *   expires, and the key is free again. Keys (per consumer name `<group>`):
 *   `<group>.p<N>` = the lease of partition N (value: the owner's id), and `<group>.i.<id>` =
 *   an instance's heartbeat, put every lease/3 (the live instances are the heartbeats present).
 * - Claim: `kv.create` (fails when the key exists). Renew: every lease/3, `kv.update` with the
 *   revision last written (compare-and-set): refused means someone else holds it now — the
 *   partition's runner stops at once. Release (clean shutdown, rebalancing): the runner stops
 *   (its last checkpoint written), then `kv.delete` with the same revision check.
 * - Balance: an instance holds at most ceil(P / live instances) partitions. A newcomer's
 *   heartbeat lowers everyone's share: those above it release their highest partitions, which the
 *   newcomer claims. When an instance dies its leases and heartbeat expire after at most the
 *   lease time, the share of the others grows, and they claim the free partitions (checked every
 *   lease/6).
 * - Listing (every round): the bucket stream's subjects (`streams.info` with a subject filter),
 *   never `kv.keys()`, which creates an ordered consumer per call that the server keeps for its
 *   5-minute inactivity threshold (about 300 consumers per instance, issue 14). A release
 *   therefore removes its key outright (delete marker written compare-and-set, then purged up to
 *   it): a marker left in place would still be listed as held.
 * - Fencing: a checkpoint is saved only after a successful renewal (`confirm`), so an instance
 *   that lost its lease without noticing (paused longer than the lease) cannot overwrite the new
 *   owner's checkpoint or acknowledge its events; and a runner stops reading when it finds its
 *   consumer made again by the new owner (processor/shell/runner.ts).
 * docs/deployment.md "Processors at scale" has the operator's view and the measured takeover.
 */
import { Kvm, type KV } from '@nats-io/kv'
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, jetstream, type JetStreamManager } from '@nats-io/jetstream'
import { headers, Empty, type NatsConnection } from '@nats-io/transport-node'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Logger } from 'pino'

export const OWNERS_BUCKET = 'deskpulse_owners'
export const DEFAULT_LEASE_MS = 6_000

export interface LeaseOptions {
  /** The consumer name: instances with the same one share the partitions. */
  group: string
  partitions: number
  /** Lease time: the bucket's max_age when this instance creates it (an existing bucket's wins). */
  leaseMs: number
  /** Unique per instance (default: host, pid and random bytes). */
  instanceId?: string
  /** Replicas of the bucket (as the stream's on a NATS cluster). */
  replicas?: number
}

export interface LeaseHandlers {
  /** The lease of `partition` was gained: start processing it. A failure gives the lease back. */
  start(partition: number): Promise<void>
  /** Stop processing `partition`: its lease was lost, or is about to be given back. */
  stop(partition: number, why: 'lost' | 'released'): Promise<void>
}

interface Lease {
  revision: number
  renewedAt: number
  releasing: boolean
  /** KV operations on this key, one at a time (a renewal must not race a release). */
  ops: Promise<unknown>
}

export const newInstanceId = () => `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`

/** The server refused a compare-and-set: the key's last revision is not ours. */
const isCasRefused = (err: unknown) =>
  err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)

export function createLeases(nc: NatsConnection, opts: LeaseOptions, handlers: LeaseHandlers, parentLog: Logger) {
  const id = opts.instanceId ?? newInstanceId()
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`instance id ${id}: letters, digits, - and _ only`)
  const log = parentLog.child({ instance: id })
  const partitionKey = (p: number) => `${opts.group}.p${p}`
  const beatKey = `${opts.group}.i.${id}`
  const value = () => JSON.stringify({ instance: id, at: new Date().toISOString() })
  const owned = new Map<number, Lease>()
  /** Per partition, the start/stop handlers in order. */
  const transitions = new Map<number, Promise<void>>()
  let kv: KV
  let jsm: JetStreamManager
  const kvStream = `KV_${OWNERS_BUCKET}`
  const subjectPrefix = `$KV.${OWNERS_BUCKET}.`
  let leaseMs = opts.leaseMs
  let beatAt = -Infinity
  let timer: NodeJS.Timeout | undefined
  let ticking: Promise<void> = Promise.resolve()
  let closed = false
  let live = 1

  function transition(p: number, fn: () => Promise<void>): Promise<void> {
    const next = (transitions.get(p) ?? Promise.resolve()).then(fn).catch((err) => log.error({ partition: p, err: { message: (err as Error).message } }, 'partition transition failed'))
    transitions.set(p, next)
    return next
  }

  function onKey<T>(lease: Lease, fn: () => Promise<T>): Promise<T> {
    const run = lease.ops.then(fn)
    lease.ops = run.catch(() => {})
    return run
  }

  function lose(p: number, lease: Lease, why: string) {
    if (owned.get(p) !== lease) return
    owned.delete(p)
    log.warn({ partition: p, why }, 'partition lease lost')
    void transition(p, () => handlers.stop(p, 'lost'))
  }

  /**
   * Renews the lease of `p` (compare-and-set): true when this instance still holds it for another
   * lease time from now. A refusal loses the partition; a failure to reach the bus answers false
   * and keeps it (nobody else can take it before it expires, and the renewal after will tell).
   */
  async function renew(p: number): Promise<boolean> {
    const lease = owned.get(p)
    if (!lease) return false
    return onKey(lease, async () => {
      if (owned.get(p) !== lease) return false
      const started = Date.now()
      for (let attempt = 0; ; attempt++) {
        try {
          lease.revision = await kv.update(partitionKey(p), value(), lease.revision)
          lease.renewedAt = started
          return true
        } catch (err) {
          if (!isCasRefused(err)) {
            log.warn({ partition: p, err: { message: (err as Error).message } }, 'lease renewal failed; retrying')
            return false
          }
          // An earlier renewal stored but unacknowledged (a timeout) leaves our own entry at a
          // newer revision: adopt it once. Anyone else's entry, or none, is a lost lease.
          const mine = attempt === 0 ? await ownRevision(p) : null
          if (mine === undefined) return false
          if (mine === null) {
            lose(p, lease, 'renewal refused: another instance holds it, or it expired')
            return false
          }
          lease.revision = mine
        }
      }
    })
  }

  /** The revision of the partition's entry when it is this instance's; null: it is not; undefined: unknown (unreachable). */
  async function ownRevision(p: number): Promise<number | null | undefined> {
    try {
      const e = await kv.get(partitionKey(p))
      return e && e.operation === 'PUT' && (e.json() as { instance?: string }).instance === id ? e.revision : null
    } catch (err) {
      log.warn({ partition: p, err: { message: (err as Error).message } }, 'lease check failed; retrying')
      return undefined
    }
  }

  async function claim(p: number): Promise<void> {
    let revision: number
    try {
      revision = await kv.create(partitionKey(p), value())
    } catch (err) {
      if (!isCasRefused(err)) log.warn({ partition: p, err: { message: (err as Error).message } }, 'lease claim failed')
      return
    }
    const lease: Lease = { revision, renewedAt: Date.now(), releasing: false, ops: Promise.resolve() }
    owned.set(p, lease)
    log.info({ partition: p }, 'partition lease gained')
    void transition(p, async () => {
      if (owned.get(p) !== lease) return
      try {
        await handlers.start(p)
      } catch (err) {
        log.error({ partition: p, err: { message: (err as Error).message } }, 'partition failed to start; giving its lease back')
        await handlers.stop(p, 'released').catch(() => {})
        await giveBack(p, lease)
      }
    })
  }

  async function giveBack(p: number, lease: Lease) {
    await onKey(lease, async () => {
      if (owned.get(p) !== lease) return
      owned.delete(p)
      await removeKey(partitionKey(p), lease.revision).catch((err) => log.warn({ partition: p, err: { message: (err as Error).message } }, 'lease delete failed (it expires by itself)'))
    })
  }

  /**
   * Removes `key` when its last revision is `revision`: a delete marker published compare-and-set
   * (as `kv.delete` with previousSeq), then every message of the key up to the marker purged, so
   * the key is no longer listed; a claim stored after the marker has a higher sequence and stays.
   */
  async function removeKey(key: string, revision: number | undefined) {
    const subject = subjectPrefix + key
    const h = headers()
    h.set('KV-Operation', 'DEL')
    const ack = await jetstream(nc).publish(subject, Empty, { headers: h, ...(revision === undefined ? {} : { expect: { lastSubjectSequence: revision } }) })
    await jsm.streams.purge(kvStream, { filter: subject, seq: ack.seq + 1 })
  }

  /** The keys of this group present in the bucket, without a consumer (see the header). */
  async function listKeys(): Promise<string[]> {
    const info = await jsm.streams.info(kvStream, { subjects_filter: `${subjectPrefix}${opts.group}.>` })
    return Object.keys(info.state.subjects ?? {}).map((s) => s.slice(subjectPrefix.length))
  }

  /** Stops the partition (its runner's last checkpoint confirmed by the lease), then gives the lease back. */
  function release(p: number): Promise<void> {
    const lease = owned.get(p)
    if (!lease || lease.releasing) return transitions.get(p) ?? Promise.resolve()
    lease.releasing = true
    return transition(p, async () => {
      await handlers.stop(p, 'released')
      if (owned.get(p) !== lease) return
      await giveBack(p, lease)
      log.info({ partition: p }, 'partition lease released')
    })
  }

  async function tick() {
    const now = Date.now()
    if (now - beatAt >= leaseMs / 3) {
      try {
        await kv.put(beatKey, value())
        beatAt = now
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, 'heartbeat failed')
      }
    }
    await Promise.all([...owned].filter(([, l]) => now - l.renewedAt >= leaseMs / 3).map(([p]) => renew(p)))
    if (closed) return

    const held = new Set<number>()
    let instances = 0
    const prefix = `${opts.group}.`
    for (const key of await listKeys()) {
      const rest = key.slice(prefix.length)
      if (rest.startsWith('i.')) instances++
      else if (/^p\d+$/.test(rest)) held.add(Number(rest.slice(1)))
    }
    live = Math.max(1, instances)
    const share = Math.ceil(opts.partitions / live)
    const active = [...owned].filter(([, l]) => !l.releasing).map(([p]) => p).sort((a, b) => a - b)
    if (active.length > share) {
      for (const p of active.slice(share).reverse()) void release(p)
      return
    }
    // Free partitions, from a place of this instance's own (fewer collisions between claimers).
    const start = hash(id) % opts.partitions
    let room = share - active.length
    for (let i = 0; i < opts.partitions && room > 0; i++) {
      const p = (start + i) % opts.partitions
      if (held.has(p) || owned.has(p)) continue
      await claim(p)
      if (owned.has(p)) room--
    }
  }

  function schedule() {
    if (closed) return
    // A closed connection never reopens: nothing can be renewed, the leases expire by themselves.
    if (nc.isClosed()) {
      log.error({ partitions: [...owned.keys()] }, 'NATS connection closed: partition leases no longer renewed')
      return
    }
    timer = setTimeout(() => {
      ticking = tick()
        .catch((err) => log.warn({ err: { message: (err as Error).message } }, 'lease round failed'))
        .finally(schedule)
    }, Math.max(200, leaseMs / 6))
  }

  return {
    id,
    /** Opens the bucket, announces this instance and claims its share (their runners started). */
    async start() {
      jsm = await jetstreamManager(nc)
      kv = await new Kvm(nc).create(OWNERS_BUCKET, { ttl: opts.leaseMs, history: 1, replicas: opts.replicas ?? 1 })
      const bucketTtl = (await kv.status()).ttl
      if (bucketTtl > 0 && bucketTtl !== opts.leaseMs) {
        log.warn({ configured: opts.leaseMs, bucket: bucketTtl }, `bucket ${OWNERS_BUCKET} exists with another max_age: its lease time is used`)
        leaseMs = bucketTtl
      }
      await tick()
      await Promise.all([...transitions.values()])
      log.info({ partitions: [...owned.keys()].sort((a, b) => a - b), leaseMs, live }, 'partition leases started')
      schedule()
    },
    /**
     * Renews the lease of `partition` now: true when it is still this instance's for a lease
     * time. A checkpoint is saved only then.
     */
    confirm: renew,
    /** Partitions held (those being released included). */
    get owned(): number[] {
      return [...owned.keys()].sort((a, b) => a - b)
    },
    get leaseMs() {
      return leaseMs
    },
    /** Gives a partition back (its runner found its consumer taken: the next owner starts it again). */
    release,
    /** Stops renewing; every partition is stopped and its lease given back; the heartbeat removed. */
    async close() {
      closed = true
      clearTimeout(timer)
      await ticking
      await Promise.all([...owned.keys()].map((p) => release(p)))
      await Promise.all([...transitions.values()])
      if (kv) await removeKey(beatKey, undefined).catch(() => {})
    },
  }
}
export type Leases = ReturnType<typeof createLeases>

function hash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0
  return h
}
