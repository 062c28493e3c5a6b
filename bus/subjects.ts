import { createHash } from 'node:crypto'
import { SUBJECT_ROOT } from './stream.js'

/**
 * Stable partition of a conversation key (docs/architecture.md "NATS JetStream"): every event of one
 * (line, customer) lands in one partition, so one conversation stays in order.
 */
export function partitionOf(key: string, partitions: number): number {
  const h = createHash('sha1').update(key).digest()
  return h.readUInt32BE(0) % partitions
}

export function subjectFor(partition: number, kind: string): string {
  return `${SUBJECT_ROOT}.${partition}.${kind}`
}

/** All subjects of one partition, for a consumer's filter. */
export function partitionFilter(partition: number): string {
  return `${SUBJECT_ROOT}.${partition}.>`
}
