/**
 * Secrets and endpoints from the environment (ARCHITECTURE.md "Processes, ports, configuration"),
 * read once at start-up into a typed object; a wrong value stops start-up naming the variable.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const Port = Type.Integer({ minimum: 0, maximum: 65535 })
const Csv = Type.String()

export const EnvSchema = Type.Object({
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Optional(Port),
  PROCESSOR_PORT: Type.Optional(Port),
  /** Where /metrics, /v1/summary and /openapi.json listen: loopback unless set (0.0.0.0 in docker-compose). */
  PRIVATE_HOST: Type.String({ default: '127.0.0.1' }),
  INGEST_PRIVATE_PORT: Type.Optional(Port),
  PROCESSOR_PRIVATE_PORT: Type.Optional(Port),
  /** Bearer token of /v1/summary; unset: the private listener's reach is its only protection. */
  DESKPULSE_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  WHATSAPP_APP_SECRET: Type.Optional(Csv),
  WHATSAPP_VERIFY_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  DESKPULSE_API_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Twilio Auth Token(s) that sign `POST /webhooks/twilio` (comma-separated during a rotation). */
  TWILIO_AUTH_TOKEN: Type.Optional(Csv),
  /** Bearer token(s) 360dialog sends on `POST /webhooks/360dialog` (comma-separated during a rotation). */
  DIALOG360_WEBHOOK_TOKEN: Type.Optional(Type.String({ pattern: '^\\s*[^,\\s]{16,}\\s*(,\\s*[^,\\s]{16,}\\s*)*$', description: 'at least 16 characters each' })),
  DESKPULSE_PII_KEY: Type.Optional(Type.String({ minLength: 16 })),
  DESKPULSE_STORE_TEXT: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  DESKPULSE_PARTITIONS: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
  DESKPULSE_STREAM_REPLICAS: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
  DESKPULSE_DATA_DIR: Type.String({ default: './data' }),
  INGEST_WORKERS: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 256 }), Type.Literal('auto')])),
  NATS_URL: Type.Optional(Type.String({ minLength: 1 })),
  NATS_PORT: Type.Optional(Port),
  NATS_MONITOR_PORT: Type.Optional(Port),
  CLICKHOUSE_URL: Type.Optional(Type.String({ minLength: 1 })),
  ALERTMANAGER_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** The wallboard's token (`/?token=…`, `/live?token=…`); unset: the wallboard is open. */
  DESKPULSE_WALLBOARD_TOKEN: Type.Optional(Type.String({ minLength: 8 })),
  /** Origins (comma-separated, `https://wall.example.com`) allowed to open /live besides the page's own. */
  DESKPULSE_WALLBOARD_ORIGINS: Type.Optional(Csv),
  LOG_LEVEL: Type.Optional(
    Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  ),
})

export interface Env {
  host: string
  port: number
  processorPort: number
  /** The private listeners' host (PRIVATE_HOST) and ports. */
  privateHost: string
  ingestPrivatePort: number
  processorPrivatePort: number
  adminToken: string | undefined
  appSecrets: string[]
  verifyToken: string | undefined
  apiToken: string | undefined
  /** TWILIO_AUTH_TOKEN split: every token is tried, so a rotation loses nothing. */
  twilioAuthTokens: string[]
  /** DIALOG360_WEBHOOK_TOKEN split. */
  dialog360Tokens: string[]
  piiKey: string | undefined
  storeText: boolean
  partitions: number
  /** Replicas of the DESKPULSE stream: 1 on one nats-server, 3 on a NATS cluster. */
  streamReplicas: number
  dataDir: string
  /** Processes of `deskpulse ingest`; 0 means one per core. */
  ingestWorkers: number
  natsUrl: string | undefined
  /** Ports of the nats-server that `deskpulse start` runs when NATS_URL is unset. */
  natsPort: number
  natsMonitorPort: number
  clickhouseUrl: string | undefined
  alertmanagerUrl: string | undefined
  wallboardToken: string | undefined
  wallboardOrigins: string[]
  logLevel: string
}

export class EnvError extends Error {
  readonly code = 'DESKPULSE_ERR_ENV'
}

const csv = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const known = Object.keys(EnvSchema.properties)
  const picked: Record<string, unknown> = {}
  for (const k of known) if (source[k] !== undefined && source[k] !== '') picked[k] = source[k]
  const value = Value.Convert(EnvSchema, Value.Default(EnvSchema, picked))
  const first = Value.Errors(EnvSchema, value).First()
  if (first) {
    throw new EnvError(`invalid environment variable ${first.path.slice(1)}: ${first.message}`)
  }
  const e = value as Static<typeof EnvSchema>
  return {
    host: e.HOST,
    port: e.PORT ?? 8080,
    processorPort: e.PROCESSOR_PORT ?? 9464,
    privateHost: e.PRIVATE_HOST,
    ingestPrivatePort: e.INGEST_PRIVATE_PORT ?? 8081,
    processorPrivatePort: e.PROCESSOR_PRIVATE_PORT ?? 9465,
    adminToken: e.DESKPULSE_ADMIN_TOKEN,
    appSecrets: (e.WHATSAPP_APP_SECRET ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    verifyToken: e.WHATSAPP_VERIFY_TOKEN,
    apiToken: e.DESKPULSE_API_TOKEN,
    twilioAuthTokens: csv(e.TWILIO_AUTH_TOKEN),
    dialog360Tokens: csv(e.DIALOG360_WEBHOOK_TOKEN),
    piiKey: e.DESKPULSE_PII_KEY,
    storeText: e.DESKPULSE_STORE_TEXT === 'true',
    partitions: e.DESKPULSE_PARTITIONS ?? 8,
    streamReplicas: e.DESKPULSE_STREAM_REPLICAS ?? 1,
    dataDir: e.DESKPULSE_DATA_DIR,
    ingestWorkers: e.INGEST_WORKERS === 'auto' ? 0 : (e.INGEST_WORKERS ?? 1),
    natsUrl: e.NATS_URL,
    natsPort: e.NATS_PORT ?? 4222,
    natsMonitorPort: e.NATS_MONITOR_PORT ?? 8222,
    clickhouseUrl: e.CLICKHOUSE_URL,
    alertmanagerUrl: e.ALERTMANAGER_URL,
    wallboardToken: e.DESKPULSE_WALLBOARD_TOKEN,
    wallboardOrigins: (e.DESKPULSE_WALLBOARD_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: e.LOG_LEVEL ?? 'info',
  }
}
