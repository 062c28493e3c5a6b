import { Objm, type ObjectStore } from '@nats-io/obj'
import type { NatsConnection } from '@nats-io/transport-node'
import { serialize, deserialize } from 'node:v8'
import type { PipelineState } from '../core/pipeline.js'
import type { CollectorState } from '../sinks/collect.js'
import { fromColumns, toColumns } from './columns.js'

export const CHECKPOINT_BUCKET = 'deskpulse_checkpoints'

/** What a processor needs to continue after a restart: the core's state at stream position `seq`. */
export interface Checkpoint {
  /** 1: conversations and timers as rows; 2: as columns (processor/shell/columns.ts). */
  v: 1 | 2
  /** Which runner saved it (processor/shell/runner.ts); absent before the two roles. */
  role?: 'live' | 'store'
  seq: number
  /** The newest erasure tombstone (KV revision) this state is free of. */
  erasedUpTo?: number
  takenAt: string
  pipeline: PipelineState
  /** The store role's minute rollups. */
  collector?: CollectorState
  /** Counter values, so /metrics continues across restarts instead of counting twice. */
  counters?: unknown
}

/**
 * Checkpoints in a JetStream object store (replicated with the stream, chunked, any size):
 * one object per owner (`processor`, or a partition's name), overwritten each time.
 */
export async function openCheckpoints(nc: NatsConnection, replicas = 1) {
  const store: ObjectStore = await new Objm(nc).create(CHECKPOINT_BUCKET, { replicas })
  async function put(name: string, bytes: Uint8Array): Promise<number> {
    await store.putBlob({ name }, bytes)
    return bytes.length
  }
  return {
    async load(name: string): Promise<Checkpoint | null> {
      const bytes = await store.getBlob(name)
      if (!bytes) return null
      return decodeCheckpoint(bytes, name)
    },
    /** Serialises at once (the state shares live objects), then stores. Returns the size. */
    save(name: string, cp: Checkpoint): Promise<number> {
      return put(name, encodeCheckpoint(cp))
    },
    /** The bytes of a checkpoint, taken now (the state shares live objects): `put` them later. */
    encode: encodeCheckpoint,
    put,
  }
}

/**
 * A checkpoint's bytes: the conversations and timers (what grows with the open state) as columns,
 * the rest as `v8.serialize` writes it. Written as version 2, which an older processor refuses
 * with a clear error instead of misreading.
 */
export function encodeCheckpoint(cp: Checkpoint): Uint8Array {
  const { engine } = cp.pipeline
  return serialize({ ...cp, v: 2, pipeline: { ...cp.pipeline, engine: { ...engine, convs: toColumns(engine.convs), timers: toColumns(engine.timers) } } })
}

/** Reads versions 1 (rows) and 2 (columns). */
export function decodeCheckpoint(bytes: Uint8Array, name = 'checkpoint'): Checkpoint {
  const cp = deserialize(bytes) as Checkpoint
  if (cp.v !== 1 && cp.v !== 2) throw new Error(`${name}: unknown checkpoint version ${String(cp.v)}`)
  if (cp.v === 2) {
    const { engine } = cp.pipeline
    engine.convs = fromColumns(engine.convs)
    engine.timers = fromColumns(engine.timers)
  }
  return cp
}
export type Checkpoints = Awaited<ReturnType<typeof openCheckpoints>>
