import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

/** The processor's series (ARCHITECTURE.md "Metrics"), on a registry of its own. */
export function createProcessorMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'deskpulse_processor_' })
  return {
    registry,
    eventsProcessed: new Counter({
      name: 'deskpulse_events_processed_total',
      help: 'Canonical events consumed, written and acknowledged by the processor, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'deskpulse_processor_lag_seconds',
      help: 'Age of the oldest event in the batch being processed (0 when caught up)',
      registers: [registry],
    }),
    writeErrors: new Counter({
      name: 'deskpulse_clickhouse_write_errors_total',
      help: 'Failed ClickHouse inserts (each is retried)',
      registers: [registry],
    }),
    checkpointSeconds: new Gauge({
      name: 'deskpulse_processor_checkpoint_seconds',
      help: 'Time the last state checkpoint took (serialise and store)',
      registers: [registry],
    }),
    checkpointBytes: new Gauge({
      name: 'deskpulse_processor_checkpoint_bytes',
      help: 'Size of the last state checkpoint',
      registers: [registry],
    }),
    clickhouseUp: new Gauge({
      name: 'deskpulse_processor_clickhouse_up',
      help: '1 when the last ClickHouse write succeeded, 0 while writes fail (processing paused)',
      registers: [registry],
    }),
    messages: new Counter({
      name: 'helpdesk_messages_total',
      help: 'WhatsApp messages by line, direction (in/out) and sender kind',
      labelNames: ['line', 'direction', 'sender_kind'] as const,
      registers: [registry],
    }),
  }
}
export type ProcessorMetrics = ReturnType<typeof createProcessorMetrics>
