import { connect, type NatsConnection } from '@nats-io/transport-node'

/** A NATS connection that keeps reconnecting forever: an outage is waited out, not fatal. */
export function connectBus(servers: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: servers.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: false,
  })
}
