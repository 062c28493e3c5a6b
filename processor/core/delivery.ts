import type { SenderKind } from '../../schemas/events.js'

/** Furthest status reached, never downgraded (KPIS.md "Delivery health"). */
const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, played: 4 }
const FAILED = -1
const NAMES = ['', 'sent', 'delivered', 'read', 'played'] as const

interface Delivery {
  rank: number
  sender: SenderKind | null
  at: number
}

/** Delivery status of each business message, kept for `keepMs` after its last change. */
export class DeliveryTracker {
  private byMessage = new Map<string, Delivery>()
  readonly counts = { sent: 0, delivered: 0, read: 0, played: 0, failed: 0 }
  readonly failuresByCode = new Map<number, number>()
  private lastPrune = 0

  constructor(private readonly keepMs: number) {}

  /** A business message with an id (API message.sent or an echo). */
  sent(messageId: string, sender: SenderKind, at: number): void {
    const d = this.byMessage.get(messageId)
    if (d) d.sender = sender
    else this.byMessage.set(messageId, { rank: 0, sender, at })
  }

  /** Applies a status; returns the status counted when it moved the message forward. */
  status(messageId: string, status: string, errorCodes: number[], at: number): string | null {
    let d = this.byMessage.get(messageId)
    if (!d) {
      // A status before its message: remember it; the message fills in the sender later.
      d = { rank: 0, sender: null, at }
      this.byMessage.set(messageId, d)
    }
    const rank = status === 'failed' ? FAILED : RANK[status]
    if (rank === undefined) return null
    // Failure counts only before delivery; after it, nothing can fail the message.
    const forward = rank === FAILED ? d.rank >= 0 && d.rank <= RANK.sent! : d.rank !== FAILED && rank > d.rank
    if (!forward) return null
    this.move(d.rank, -1)
    this.move(rank, +1)
    d.rank = rank
    d.at = at
    if (rank === FAILED) for (const code of errorCodes.length ? errorCodes : [0]) this.failuresByCode.set(code, (this.failuresByCode.get(code) ?? 0) + 1)
    this.prune(at)
    return status
  }

  private move(rank: number, by: number): void {
    const name = rank === FAILED ? 'failed' : NAMES[rank]
    if (name) this.counts[name] += by
  }

  private prune(now: number): void {
    if (now - this.lastPrune < 3_600_000) return
    this.lastPrune = now
    for (const [id, d] of this.byMessage) if (now - d.at > this.keepMs) this.byMessage.delete(id)
  }
}
