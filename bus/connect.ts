import { connect, type NatsConnection } from '@nats-io/transport-node'

/** A NATS connection that keeps reconnecting forever: an outage is waited out, not fatal. */
export function connectBus(servers: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: servers.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: false,
    // Without this, every request (each JetStream publish) builds two Error objects up front for
    // async stack traces: 15 % of the ingest's CPU under load (bench/ingest.ts profile).
    noAsyncTraces: true,
  })
}
