import type { Env } from '../schemas/env.js'
import type { Config } from '../schemas/config.js'
import type { IngestOptions } from '../ingest/server.js'
import { createTextAnalyser } from '../ingest/text/analyse.js'
import { StartupError } from './startup-error.js'

/** The ingest's options from the environment and the config (also those of its thread, cli/ingest-thread.ts). */
export function ingestOptions(env: Env, config: Config, ownPrivateListener: boolean): IngestOptions {
  return {
    host: env.host,
    port: env.port,
    privateHost: env.privateHost,
    privatePort: ownPrivateListener ? env.ingestPrivatePort : false,
    appSecrets: env.appSecrets,
    verifyToken: env.verifyToken,
    chatwoot: {
      secrets: env.chatwootSecrets,
      allowUnsigned: config.adapters.chatwoot.allow_unsigned,
      toleranceSeconds: config.adapters.chatwoot.timestamp_tolerance_seconds,
      inboxes: config.adapters.chatwoot.inboxes,
    },
    apiToken: env.apiToken,
    piiKey: requireSecret(env.piiKey, 'DESKPULSE_PII_KEY'),
    storeText: env.storeText,
    partitions: env.partitions,
    analyseText: createTextAnalyser(config),
    maxFutureSkewSeconds: config.ingest.max_future_skew_seconds,
    twilio: { authTokens: env.twilioAuthTokens, publicUrl: config.adapters.twilio.public_url, numbers: config.adapters.twilio.numbers },
    dialog360Tokens: env.dialog360Tokens,
  }
}


export function requireSecret(value: string | undefined, name: string): string {
  if (!value) throw new StartupError(`missing environment variable ${name}`)
  return value
}

