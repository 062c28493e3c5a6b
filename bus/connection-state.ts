/**
 * Whether a NATS connection is attached to a server right now, from the client's status events.
 * `nc.isClosed()` stays false for the whole of an outage (connectBus reconnects forever), so a
 * readiness check that asks only that answers "ready" while every publish and fetch fails.
 */
import type { NatsConnection, QueuedIterator, Status } from '@nats-io/transport-node'

export interface ConnectionState {
  /** False from a `disconnect` (or `reconnecting`) until the next `reconnect`, and once closed. */
  readonly connected: boolean
  /** Stops following the status events. */
  close(): void
}

export function trackConnection(nc: NatsConnection): ConnectionState {
  let connected = !nc.isClosed()
  // Typed as a plain AsyncIterable; it is the client's QueuedIterator, which can be stopped.
  const events = nc.status() as AsyncIterable<Status> & Partial<Pick<QueuedIterator<Status>, 'stop'>>
  void (async () => {
    for await (const s of events) {
      if (s.type === 'disconnect' || s.type === 'reconnecting') connected = false
      else if (s.type === 'reconnect') connected = true
    }
  })().catch(() => {
    connected = false
  })
  return {
    get connected() {
      return connected && !nc.isClosed()
    },
    close() {
      events.stop?.()
    },
  }
}
