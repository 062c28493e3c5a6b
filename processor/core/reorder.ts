import type { CanonicalEvent, EventKind } from '../../schemas/events.js'
import { parseEventTime } from './time.js'

/** Order of kinds at one instant (docs/kpis.md "Time and order"). */
const KIND_RANK: Record<EventKind, number> = {
  'agent.status': 0,
  'message.in': 1,
  'bot.handoff': 2,
  'conversation.assigned': 3,
  'conversation.tagged': 4,
  // After the message that opens the chat, before the reply its new targets time.
  'conversation.prioritised': 4.5,
  'message.out': 5,
  'message.status': 6,
  'csat.response': 7,
  'conversation.resolved': 8,
  'whatsapp.update': 9,
  'whatsapp.error': 10,
}

/** Kinds whose effect does not depend on order: they neither move the watermark nor the clock. */
export const isTimeless = (kind: EventKind): boolean => kind === 'message.status' || kind === 'whatsapp.update' || kind === 'whatsapp.error'

export interface Timed {
  atMs: number
  event: CanonicalEvent
}

function before(a: Timed, b: Timed): boolean {
  if (a.atMs !== b.atMs) return a.atMs < b.atMs
  const ra = KIND_RANK[a.event.kind]
  const rb = KIND_RANK[b.event.kind]
  if (ra !== rb) return ra < rb
  return a.event.id < b.event.id
}

/**
 * Holds events for a lateness and releases them in event-time order, so that events shuffled
 * within the lateness reach the core in one order (same input → same figures). Events mostly
 * arrive in order, so insertion is a short search from the end of a sorted array.
 */
export class ReorderBuffer {
  private items: Timed[] = []
  private head = 0
  private maxAt = -Infinity

  constructor(private readonly latenessMs: number) {}

  /** Events held (a checkpoint), oldest first. */
  toState(): Timed[] {
    return this.items.slice(this.head)
  }

  restore(items: Timed[], maxAt: number): void {
    this.items = items
    this.head = 0
    this.maxAt = maxAt
  }

  get maxEventAt(): number {
    return this.maxAt
  }

  /** Event time of the oldest event held (null: none). */
  get nextAt(): number | null {
    return this.head < this.items.length ? this.items[this.head]!.atMs : null
  }

  get size(): number {
    return this.items.length - this.head
  }

  /** Max event time seen minus the lateness: everything up to it can be released. */
  get watermark(): number {
    return this.maxAt - this.latenessMs
  }

  push(event: CanonicalEvent, atMs = parseEventTime(event.at)): void {
    const t: Timed = { atMs, event }
    // Statuses do not move the watermark: the core takes them in any order, and a status read
    // early (a `read` ahead of its `delivered`) must not make everything else late.
    if (t.atMs > this.maxAt && !isTimeless(event.kind)) this.maxAt = t.atMs
    const items = this.items
    let i = items.length
    while (i > this.head && before(t, items[i - 1]!)) i--
    items.splice(i, 0, t)
  }

  /**
   * Hands `to`, in order, the events at or before `upTo` (a callback, not a generator: this is
   * the hot path). Stops early, keeping the rest, when `to` returns false.
   */
  release(upTo: number, to: (t: Timed) => boolean | void): void {
    const items = this.items
    while (this.head < items.length && items[this.head]!.atMs <= upTo) {
      if (to(items[this.head++]!) === false) break
    }
    if (this.head > 4096 && this.head * 2 > items.length) {
      this.items = items.slice(this.head)
      this.head = 0
    }
  }

  /** Drops the events `drop` matches (an erased customer's); returns how many. */
  discard(drop: (t: Timed) => boolean): number {
    const kept = this.items.slice(this.head).filter((t) => !drop(t))
    const n = this.size - kept.length
    this.items = kept
    this.head = 0
    return n
  }

  /** Everything, in order (end of a replay file). */
  drain(to: (t: Timed) => boolean | void): void {
    this.release(Infinity, to)
  }
}
