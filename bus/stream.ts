import { jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream'
import { nanos, type NatsConnection } from '@nats-io/transport-node'
import { setTimeout as sleep } from 'node:timers/promises'
import { isTransientBusError } from './connect.js'

export const STREAM = 'DESKPULSE'
export const SUBJECT_ROOT = 'deskpulse.ev'

export interface StreamOptions {
  /** Stream replicas (DESKPULSE_STREAM_REPLICAS): 1 on one machine, 3 on a NATS cluster. */
  replicas: number
  /** Dedup window for Nats-Msg-Id (docs/architecture.md: at least 2 minutes). */
  duplicateWindowMs: number
  /** Maximum age of messages kept in the stream. */
  maxAgeMs: number
  /**
   * How long to keep trying while the cluster cannot place the stream yet (no meta leader, peers
   * not known, no suitable peers, insufficient resources: the first seconds of a cluster).
   */
  placementTimeoutMs: number
}

export const defaultStreamOptions: StreamOptions = {
  replicas: 1,
  duplicateWindowMs: 2 * 60_000,
  maxAgeMs: 7 * 24 * 3600_000,
  placementTimeoutMs: 30_000,
}

/**
 * Creates the DESKPULSE stream, or updates its settings when it already exists (replicas
 * included: 1 → 3 when a single server becomes a cluster). On a cluster that is still forming,
 * transient refusals are retried until `placementTimeoutMs`; a definitive one (replicas > 1 on a
 * server that is not clustered, more replicas than servers once the time is up) is thrown.
 */
export async function ensureStream(nc: NatsConnection, opts: Partial<StreamOptions> = {}): Promise<void> {
  const o = { ...defaultStreamOptions, ...opts }
  const deadline = Date.now() + o.placementTimeoutMs
  for (let attempt = 0; ; attempt++) {
    try {
      await putStream(nc, o)
      return
    } catch (err) {
      const wait = Math.min(100 * 2 ** attempt, 1_000)
      if (!isTransientBusError(err) || Date.now() + wait > deadline) {
        const replicas = o.replicas === 1 ? '1 replica' : `${o.replicas} replicas (DESKPULSE_STREAM_REPLICAS)`
        throw new Error(`cannot create the JetStream stream ${STREAM} with ${replicas}: ${(err as Error).message}`, { cause: err })
      }
      await sleep(wait)
    }
  }
}

async function putStream(nc: NatsConnection, o: StreamOptions): Promise<void> {
  const jsm = await jetstreamManager(nc)
  const config = {
    name: STREAM,
    subjects: [`${SUBJECT_ROOT}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: o.replicas,
    duplicate_window: nanos(o.duplicateWindowMs),
    max_age: nanos(o.maxAgeMs),
  }
  try {
    await jsm.streams.info(STREAM)
    await jsm.streams.update(STREAM, config)
  } catch (err) {
    if (!isStreamNotFound(err)) throw err
    await jsm.streams.add(config)
  }
}

function isStreamNotFound(err: unknown): boolean {
  return err instanceof Error && /stream not found/i.test(err.message)
}
