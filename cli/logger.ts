import { pino, type Logger } from 'pino'

/**
 * The root logger, redaction compiled once. Components log ids and counts; these paths are a
 * second line of defence for secrets, signatures and customer data.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-hub-signature-256"]',
  'req.headers["x-chatwoot-signature"]',
  'headers["x-chatwoot-signature"]',
  '*.phone_number',
  '*.source_id',
  '*.content',
  '*.text',
  '*.body',
  '*.wa_id',
  '*.from',
  '*.to',
  '*.token',
  '*.secret',
]

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'deskpulse' } },
    destination as pino.DestinationStream | undefined,
  )
}
export type { Logger }
