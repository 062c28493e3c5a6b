import type { SenderKind } from '../../schemas/events.js'
import { FingerprintMap } from './fingerprints.js'

/** Furthest status reached, never downgraded (KPIS.md "Delivery health"). */
const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, played: 4 }
const FAILED = 7
const NAMES = ['', 'sent', 'delivered', 'read', 'played', '', '', 'failed'] as const
const SENDERS: readonly (SenderKind | null)[] = [null, 'customer', 'agent', 'bot', 'automation', 'app']
type Counts = { sent: number; delivered: number; read: number; played: number; failed: number }
const emptyCounts = (): Counts => ({ sent: 0, delivered: 0, read: 0, played: 0, failed: 0 })
function bump<K>(map: Map<K, Counts>, key: K, rank: number, by: number) {
  let c = map.get(key)
  if (!c) map.set(key, (c = emptyCounts()))
  c[NAMES[rank] as keyof Counts] += by
}

/** How long a generation of entries lives; entries live one to two of them. */
const GENERATION_MS = 36 * 3_600_000

/**
 * Delivery status of each business message: rank (low 3 bits) and sender kind (next 3 bits)
 * packed per message id in two generations of fingerprint maps, so statuses for messages up to
 * 1.5–3 days old are still placed, without an object per message.
 */
export class DeliveryTracker {
  private current = new FingerprintMap()
  private previous = new FingerprintMap()
  private generationStart = -Infinity
  readonly counts = { sent: 0, delivered: 0, read: 0, played: 0, failed: 0 }
  readonly failuresByCode = new Map<number, number>()
  readonly bySender = new Map<SenderKind, Counts>()
  readonly byLine = new Map<string, Counts>()

  toState() {
    return {
      current: this.current.toState(),
      previous: this.previous.toState(),
      generationStart: this.generationStart,
      counts: { ...this.counts },
      failuresByCode: [...this.failuresByCode],
      bySender: [...this.bySender],
      byLine: [...this.byLine],
    }
  }

  restore(state: ReturnType<DeliveryTracker['toState']>): void {
    const d = this as DeliveryTracker
    d.current = FingerprintMap.fromState(state.current)
    d.previous = FingerprintMap.fromState(state.previous)
    d.generationStart = state.generationStart
    Object.assign(d.counts, state.counts)
    for (const [k, v] of state.failuresByCode) d.failuresByCode.set(k, v)
    for (const [k, v] of state.bySender) d.bySender.set(k, v)
    for (const [k, v] of state.byLine) d.byLine.set(k, v)
  }

  private rotate(at: number) {
    if (at - this.generationStart < GENERATION_MS) return
    this.previous = this.current
    this.current = new FingerprintMap()
    this.generationStart = at
  }

  private lookup(id: string): number {
    const v = this.current.get(id)
    return v !== -1 ? v : this.previous.get(id)
  }

  /** Whether any message.out or status of this message id has been seen (within 1.5–3 days). */
  knows(messageId: string): boolean {
    return this.lookup(messageId) !== -1
  }

  /** A business message with an id (API message.sent or an echo). */
  sent(messageId: string, sender: SenderKind, at: number): void {
    this.rotate(at)
    const v = this.lookup(messageId)
    const rank = v === -1 ? 0 : v & 7
    const code = SENDERS.indexOf(sender)
    this.current.set(messageId, rank | (code << 3))
    // A status that came first is attributed now that the sender is known.
    if (v !== -1 && (v >> 3) === 0 && rank !== 0) this.moveSender(sender, rank, +1)
  }

  /** Applies a status; returns the status counted when it moved the message forward. */
  status(messageId: string, status: string, errorCodes: number[], at: number, line: string | null = null): string | null {
    this.rotate(at)
    const rank = status === 'failed' ? FAILED : RANK[status]
    if (rank === undefined) return null
    const v = this.lookup(messageId)
    const had = v === -1 ? 0 : v & 7
    const sender = v === -1 ? null : SENDERS[v >> 3]!
    // Failure counts only before delivery; after it, nothing can fail the message.
    const forward = rank === FAILED ? had <= RANK.sent! : had !== FAILED && rank > had
    if (!forward) return null
    if (had) this.counts[NAMES[had] as keyof typeof this.counts]--
    this.counts[NAMES[rank] as keyof typeof this.counts]++
    if (sender) {
      if (had) this.moveSender(sender, had, -1)
      this.moveSender(sender, rank, +1)
    }
    if (line !== null) {
      if (had) bump(this.byLine, line, had, -1)
      bump(this.byLine, line, rank, +1)
    }
    this.current.set(messageId, rank | ((v === -1 ? 0 : v >> 3) << 3))
    if (rank === FAILED) for (const code of errorCodes.length ? errorCodes : [0]) this.failuresByCode.set(code, (this.failuresByCode.get(code) ?? 0) + 1)
    return status
  }

  private moveSender(sender: SenderKind, rank: number, by: number) {
    bump(this.bySender, sender, rank, by)
  }
}
