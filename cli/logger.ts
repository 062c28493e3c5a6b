import { pino, type Logger } from 'pino'
import { PinoPretty } from 'pino-pretty'

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

export type LogFormat = 'json' | 'pretty'

/**
 * JSON for log collectors, pretty lines for a person: LOG_FORMAT when set, else pretty only when
 * stdout is a terminal (a service manager, a container or a pipe gets JSON, as before).
 */
export function resolveLogFormat(format: LogFormat | undefined, stdout: { isTTY?: boolean } = process.stdout): LogFormat {
  return format ?? (stdout.isTTY === true ? 'pretty' : 'json')
}

/**
 * A person at a terminal wants the start-up summary (printed by the CLI), warnings and pages, not
 * every partition lease: pretty logs default to `warn`; JSON keeps `info`. LOG_LEVEL overrides both.
 */
export const defaultLogLevel = (format: LogFormat): string => (format === 'pretty' ? 'warn' : 'info')

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'deskpulse' } },
    destination as pino.DestinationStream | undefined,
  )
}

/**
 * The CLI's logger: `createLogger` writing JSON, or the same records through pino-pretty (in this
 * thread, synchronously: a transport's worker thread could lose the last lines on exit).
 */
export function createCliLogger(opts: { level?: string | undefined; format?: LogFormat | undefined }, destination: NodeJS.WritableStream = process.stdout): Logger {
  const format = resolveLogFormat(opts.format, destination as { isTTY?: boolean })
  const level = opts.level ?? defaultLogLevel(format)
  if (format === 'json') return createLogger(level, destination === process.stdout ? undefined : destination)
  const colour = (destination as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR
  return createLogger(level, prettyStream(destination, colour))
}

/** How the main thread logs, for a worker thread to log alike (its own stdout is not the terminal). */
export interface LogSettings {
  level: string
  format: LogFormat
  colour: boolean
}

export function logSettings(opts: { level?: string | undefined; format?: LogFormat | undefined }, stdout: { isTTY?: boolean } = process.stdout): LogSettings {
  const format = resolveLogFormat(opts.format, stdout)
  return { level: opts.level ?? defaultLogLevel(format), format, colour: stdout.isTTY === true && !process.env.NO_COLOR }
}

/** A worker thread's logger: straight to file descriptor 1, as the main thread's. */
export function createThreadLogger(s: LogSettings): Logger {
  return s.format === 'json' ? createLogger(s.level) : createLogger(s.level, prettyStream(1, s.colour))
}

function prettyStream(destination: NodeJS.WritableStream | number, colour: boolean) {
  return PinoPretty({ destination, sync: true, colorize: colour, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', singleLine: true })
}
export type { Logger }
