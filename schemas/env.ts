/**
 * Secrets and endpoints from the environment (docs/architecture.md "Processes, ports, configuration"; docs/configuration.md lists them),
 * read once at start-up into a typed object; a wrong value stops start-up naming the variable.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const Port = { minimum: 0, maximum: 65535 }

export const EnvSchema = Type.Object({
  HOST: Type.String({ default: '0.0.0.0', description: 'address of the public listeners (the webhook, /v1/events, the wallboard, health)' }),
  PORT: Type.Optional(Type.Integer({ ...Port, description: "the ingest's public port: /webhooks/whatsapp, /webhooks/chatwoot, /webhooks/twilio, /webhooks/360dialog, POST /v1/events, /healthz, /readyz" })),
  PROCESSOR_PORT: Type.Optional(Type.Integer({ ...Port, description: "the processor's public port: the wallboard (/, /live), /healthz, /readyz" })),
  /** Where /metrics, /v1/summary and /openapi.json listen: loopback unless set (0.0.0.0 in docker-compose). */
  PRIVATE_HOST: Type.String({
    default: '127.0.0.1',
    description: 'address of the private listeners (/metrics, /v1/summary, /openapi.json); an internal interface at most, never a public one',
  }),
  INGEST_PRIVATE_PORT: Type.Optional(Type.Integer({ ...Port, description: "the ingest's private port: /metrics, /openapi.json" })),
  PROCESSOR_PRIVATE_PORT: Type.Optional(Type.Integer({ ...Port, description: "the processor's private port: /metrics, /v1/summary" })),
  /** Bearer token of /v1/summary; unset: the private listener's reach is its only protection. */
  DESKPULSE_ADMIN_TOKEN: Type.Optional(
    Type.String({ minLength: 16, description: "bearer token GET /v1/summary requires; unset: the private listener's reach is its only protection" }),
  ),
  WHATSAPP_APP_SECRET: Type.Optional(
    Type.String({ description: "the Meta app's secret, which signs webhooks (X-Hub-Signature-256); several comma-separated during a rotation" }),
  ),
  WHATSAPP_VERIFY_TOKEN: Type.Optional(Type.String({ minLength: 1, description: "the token you type in the Meta app's webhook settings; GET /webhooks/whatsapp checks it" })),
  CHATWOOT_WEBHOOK_SECRET: Type.Optional(
    Type.String({ description: 'secret of the Chatwoot webhook (X-Chatwoot-Signature, HMAC-SHA256); several comma-separated during a rotation' }),
  ),
  TWILIO_AUTH_TOKEN: Type.Optional(
    Type.String({ description: "the Twilio account's Auth Token, which signs its webhooks (X-Twilio-Signature, HMAC-SHA1); several comma-separated during a rotation" }),
  ),
  DIALOG360_WEBHOOK_TOKEN: Type.Optional(
    Type.String({
      pattern: '^\\s*[^,\\s]{16,}\\s*(,\\s*[^,\\s]{16,}\\s*)*$',
      description: 'bearer token 360dialog sends as a custom webhook header (Authorization: Bearer …) on /webhooks/360dialog, at least 16 characters; several comma-separated during a rotation',
    }),
  ),
  DESKPULSE_API_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'bearer token of POST /v1/events (the helpdesk\'s events)' })),
  DESKPULSE_PII_KEY: Type.Optional(
    Type.String({ minLength: 16, description: 'key of the customer and message-id hashes (HMAC-SHA256); changing it makes old data unlinkable' }),
  ),
  DESKPULSE_STORE_TEXT: Type.Optional(
    Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true keeps message text in the events (stream and ClickHouse); by default it is dropped in the ingest' }),
  ),
  DESKPULSE_PARTITIONS: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1024, description: 'partitions of the stream subjects; the same value for every ingest and processor' }),
  ),
  DESKPULSE_STREAM_REPLICAS: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 5, description: 'replicas of the DESKPULSE stream and the checkpoint, lease and erasure buckets (3 on a NATS cluster)' }),
  ),
  DESKPULSE_DATA_DIR: Type.String({ default: './data', description: 'local data: the NATS store, embedded ClickHouse, generated secrets (secrets.env)' }),
  INGEST_WORKERS: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1, maximum: 256 }), Type.Literal('auto')], {
      description: 'processes of deskpulse ingest sharing its port; auto is one per core (also --workers)',
    }),
  ),
  NATS_URL: Type.Optional(Type.String({ minLength: 1, description: 'NATS server(s), comma-separated; unset: deskpulse start runs its own nats-server on loopback' })),
  NATS_PORT: Type.Optional(Type.Integer({ ...Port, description: 'client port of the nats-server deskpulse start runs (when NATS_URL is unset)' })),
  NATS_MONITOR_PORT: Type.Optional(Type.Integer({ ...Port, description: 'monitoring port of that nats-server' })),
  CLICKHOUSE_URL: Type.Optional(
    Type.String({ minLength: 1, description: 'a ClickHouse server, e.g. http://user:pass@host:8123/deskpulse; unset: embedded ClickHouse under DESKPULSE_DATA_DIR' }),
  ),
  ALERTMANAGER_URL: Type.Optional(Type.String({ minLength: 1, description: 'Alertmanager that receives the per-chat HelpdeskChatEscalation alerts; unset: none are posted' })),
  /** The wallboard's token (`/?token=…`, `/live?token=…`); unset: the wallboard is open. */
  DESKPULSE_WALLBOARD_TOKEN: Type.Optional(Type.String({ minLength: 8, description: 'token the wallboard page and its feed require (/?token=…); unset: the wallboard is open' })),
  /** Origins (comma-separated, `https://wall.example.com`) allowed to open /live besides the page's own. */
  DESKPULSE_WALLBOARD_ORIGINS: Type.Optional(
    Type.String({ description: "origins (comma-separated, https://wall.example.com) whose pages may open /live besides the wallboard's own" }),
  ),
  LOG_LEVEL: Type.Optional(
    Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { description: 'pino log level; unset: info, or warn when the logs are pretty-printed on a terminal' },
    ),
  ),
  LOG_FORMAT: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
      description: 'json: one JSON object per line (for log collectors); pretty: coloured lines for people; unset: pretty when stdout is a terminal, else json',
    }),
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
  /** CHATWOOT_WEBHOOK_SECRET, split on commas; empty when unset. */
  chatwootSecrets: string[]
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
  /** LOG_LEVEL; unset: the logger's default for its format (cli/logger.ts). */
  logLevel: string | undefined
  /** LOG_FORMAT; unset: decided by whether stdout is a terminal (cli/logger.ts). */
  logFormat: 'json' | 'pretty' | undefined
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
    chatwootSecrets: (e.CHATWOOT_WEBHOOK_SECRET ?? '').split(',').map((s) => s.trim()).filter(Boolean),
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
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
  }
}
