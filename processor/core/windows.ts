/**
 * Windows (KPIS.md "Service window", "Conversations"): the 24-hour customer-service window a
 * waiting chat can miss, and the inactivity that closes a conversation. One pending "quiet" timer
 * per conversation wakes at the earlier of the two and sets itself again from the newest times.
 */
import { TimerKind } from './timers.js'
import { conversationId, type Conversation } from './state.js'
import { S, type CoreContext } from './context.js'

export function createWindows({ th, timers, tallies, emit, changed, clock }: CoreContext) {
  const { totals } = tallies
  /** Conversations with a quiet timer pending. */
  const quiet = new Set<string>()

  function scheduleQuiet(c: Conversation, now = clock()) {
    const windowCloses = c.lastCustomerAt + th.service_window * S
    const inactive = c.lastMessageAt + th.inactivity_close * S
    // Always strictly later than now for the window, so a timer never re-arms itself in place.
    const missedPending = !c.missed && windowCloses > now && windowCloses <= inactive
    const at = missedPending ? windowCloses : inactive
    timers.push({ at, kind: missedPending ? TimerKind.ServiceWindow : TimerKind.Inactivity, key: c.key, ref: 0 })
    quiet.add(c.key)
  }

  /** A message in or out at `at`: the inactivity clock restarts. */
  function touchMessage(c: Conversation, at: number) {
    if (at > c.lastMessageAt) c.lastMessageAt = at
    if (!quiet.has(c.key)) scheduleQuiet(c)
  }

  /**
   * A quiet timer is due at `at`. Returns true when the conversation has been inactive for
   * inactivity_close: the caller resolves it by timeout.
   */
  function quietTimer(key: string, c: Conversation | undefined, kind: TimerKind, at: number): boolean {
    quiet.delete(key)
    if (!c || !c.open) return false
    const windowCloses = c.lastCustomerAt + th.service_window * S
    if (kind === TimerKind.ServiceWindow && windowCloses === at && c.waitingSince !== null && !c.missed) {
      c.missed = true
      totals.missed++
      emit({ type: 'missed', conversation: conversationId(c), line: c.line, team: c.team, at })
      changed(c)
    } else if (kind === TimerKind.Inactivity && c.lastMessageAt + th.inactivity_close * S <= at) return true
    scheduleQuiet(c, at)
    return false
  }

  return { quiet, touchMessage, quietTimer }
}
