import { jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream'
import { nanos, type NatsConnection } from '@nats-io/transport-node'

export const STREAM = 'DESKPULSE'
export const SUBJECT_ROOT = 'deskpulse.ev'

export interface StreamOptions {
  /** Stream replicas: 1 on one machine, 3 on a NATS cluster. */
  replicas: number
  /** Dedup window for Nats-Msg-Id (ARCHITECTURE.md: at least 2 minutes). */
  duplicateWindowMs: number
  /** Maximum age of messages kept in the stream. */
  maxAgeMs: number
}

export const defaultStreamOptions: StreamOptions = {
  replicas: 1,
  duplicateWindowMs: 2 * 60_000,
  maxAgeMs: 7 * 24 * 3600_000,
}

/** Creates the DESKPULSE stream, or updates its settings when it already exists. */
export async function ensureStream(nc: NatsConnection, opts: Partial<StreamOptions> = {}): Promise<void> {
  const o = { ...defaultStreamOptions, ...opts }
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
