/**
 * What `deskpulse <command> --help` says beyond commander's defaults: a required option is marked
 * so, and the commands configured by the environment list the variables they read with the value
 * each takes when unset (schemas/env-defaults.ts; docs/configuration.md has them all).
 */
import type { Command, Help, Option } from 'commander'
import type { EnvSchema } from '../schemas/env.js'
import { envDefault } from '../schemas/env-defaults.js'

type Var = keyof typeof EnvSchema.properties | 'DESKPULSE_CONFIG'

const LISTENERS: Var[] = ['HOST', 'PORT', 'PROCESSOR_PORT', 'PRIVATE_HOST', 'INGEST_PRIVATE_PORT', 'PROCESSOR_PRIVATE_PORT']
const LOGS: Var[] = ['LOG_LEVEL', 'LOG_FORMAT']

/** The environment variables each command reads, the ones a person is likely to set. */
export const COMMAND_ENV: Record<string, Var[]> = {
  start: [...LISTENERS, 'NATS_URL', 'NATS_PORT', 'NATS_MONITOR_PORT', 'CLICKHOUSE_URL', 'ALERTMANAGER_URL', 'DESKPULSE_DATA_DIR', 'DESKPULSE_WALLBOARD_TOKEN', 'DESKPULSE_CONFIG', ...LOGS],
  ingest: ['HOST', 'PORT', 'PRIVATE_HOST', 'INGEST_PRIVATE_PORT', 'NATS_URL', 'INGEST_WORKERS', ...LOGS],
  processor: ['HOST', 'PROCESSOR_PORT', 'PRIVATE_HOST', 'PROCESSOR_PRIVATE_PORT', 'NATS_URL', 'CLICKHOUSE_URL', 'ALERTMANAGER_URL', 'DESKPULSE_DATA_DIR', 'DESKPULSE_WALLBOARD_TOKEN', 'DESKPULSE_CONFIG', ...LOGS],
  migrate: ['CLICKHOUSE_URL', 'DESKPULSE_DATA_DIR', 'DESKPULSE_CONFIG'],
  demo: [...LISTENERS, 'NATS_PORT', 'NATS_MONITOR_PORT', 'DESKPULSE_WALLBOARD_TOKEN', ...LOGS],
}

/** What unset means, where it is more than "none" (schemas/env.ts's descriptions, shortened). */
const UNSET: Partial<Record<Var, string>> = {
  NATS_URL: 'its own nats-server',
  CLICKHOUSE_URL: 'embedded ClickHouse in DESKPULSE_DATA_DIR',
  ALERTMANAGER_URL: 'no per-chat alerts posted',
  DESKPULSE_WALLBOARD_TOKEN: 'the wallboard is open',
  DESKPULSE_CONFIG: 'the defaults',
  LOG_LEVEL: 'info; warn when pretty',
  LOG_FORMAT: 'pretty on a terminal, else json',
}

export function environmentHelp(names: readonly Var[], overrides: Partial<Record<Var, string>> = {}): string {
  const width = Math.max(...names.map((n) => n.length))
  const defaultOf = (n: Var) => overrides[n] ?? (n === 'DESKPULSE_CONFIG' ? undefined : envDefault(n)) ?? UNSET[n] ?? 'unset'
  return `\nEnvironment (every variable: docs/configuration.md):\n${names.map((n) => `  ${n.padEnd(width)}  (default: ${defaultOf(n)})`).join('\n')}\n`
}

/** Applied to every command once all are registered. */
export function describeHelp(program: Command): void {
  const visit = (cmd: Command) => {
    cmd.configureHelp({
      optionDescription(this: Help, option: Option): string {
        const base = Object.getPrototypeOf(this).optionDescription.call(this, option) as string
        return option.mandatory ? `${base} (required)` : base
      },
    })
    const vars = COMMAND_ENV[cmd.name()]
    if (vars && cmd.parent) cmd.addHelpText('after', environmentHelp(vars, cmd.name() === 'demo' ? { DESKPULSE_WALLBOARD_TOKEN: 'a random token' } : {}))
    cmd.commands.forEach(visit)
  }
  visit(program)
}
