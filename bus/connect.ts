import { connect, errors, type NatsConnection } from '@nats-io/transport-node'
import { JetStreamApiError } from '@nats-io/jetstream'
import { trackConnection } from './connection-state.js'
import { parseNatsServers } from './credentials.js'

/**
 * A NATS connection that keeps reconnecting forever: an outage is waited out, not fatal.
 * `servers` is one URL or several, comma-separated (a cluster): the client picks one and moves
 * to another when it goes away. Credentials in the URLs (`nats://user:pass@host:4222`) are sent
 * as the user and password of the connection (bus/credentials.ts).
 */
export function connectBus(urls: string, name: string): Promise<NatsConnection> {
  const { servers, user, pass } = parseNatsServers(urls)
  return connect({
    servers,
    ...(user !== undefined ? { user, pass } : {}),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: false,
    // Without this, every request (each JetStream publish) builds two Error objects up front for
    // async stack traces: 15 % of the ingest's CPU under load (bench/ingest.ts profile).
    noAsyncTraces: true,
  })
}

export interface LinkState {
  /** False between a `disconnect` and the next `reconnect` (and once the connection is closed). */
  readonly up: boolean
}

/** Follows a connection's status events: whether it is attached to a server right now. */
export function watchLink(nc: NatsConnection): LinkState {
  const state = trackConnection(nc)
  return {
    get up() {
      return state.connected
    },
  }
}

/** JetStream API codes that mean "not now" on a cluster that is forming or electing a leader. */
const TRANSIENT_API_CODES = new Set([
  10005, // no suitable peers for placement (servers not yet known to the meta leader)
  10008, // JetStream system temporarily unavailable
  10009, // JetStream cluster can not handle request (no leader)
  10023, // insufficient resources (peers not yet reporting their limits)
])

/**
 * Whether a failed NATS request may succeed if simply sent again, a little later: no answer in
 * time, nobody listening (a JetStream stream without a leader during an election), the
 * connection moving to another server, or a cluster that is not ready. A closed or draining
 * connection, and JetStream's definitive refusals, are not.
 */
export function isTransientBusError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err instanceof errors.ClosedConnectionError || err instanceof errors.DrainingConnectionError) return false
  if (err instanceof errors.TimeoutError || err instanceof errors.NoRespondersError || err instanceof errors.ConnectionError) return true
  if (err instanceof errors.RequestError) return true
  if (err instanceof JetStreamApiError) return err.status === 503 || TRANSIENT_API_CODES.has(err.code)
  // @nats-io/jetstream reports "no responders" to a JetStream request as JetStreamNotEnabled,
  // the no-responders error as its cause.
  if (err.name === 'JetStreamNotEnabled') return true
  return err.cause !== undefined && err.cause !== err && isTransientBusError(err.cause)
}
