import type { Command } from 'commander'
import path from 'node:path'
import { loadConfig } from '../schemas/config.js'
import { loadEnv } from '../schemas/env.js'
import { openClickHouse } from '../store/clickhouse.js'
import { migrate } from '../store/migrate.js'
import { reportFromStore } from '../store/report.js'
import { utilisationFromStore } from '../store/advice.js'
import { formatSummary } from './replay-command.js'

/** A wrong command line: printed as it is, exit code 1. */
export class UsageError extends Error {
  readonly code = 'DESKPULSE_ERR_USAGE'
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

/**
 * An ISO-8601 date or time (ms since the epoch). A date is its midnight UTC; a time without an
 * offset is UTC too, so a report does not depend on the machine's time zone.
 */
export function parseIsoOption(name: string, value: string): number {
  const v = value.trim()
  const m = ISO.exec(v)
  let ms = NaN
  if (m) {
    const offset = m[1]
    // Date.parse wants ±hh:mm: complete ±hh and ±hhmm; a time with no offset is UTC.
    const fixed = offset === undefined ? (v.includes(':') ? 'Z' : '') : /^[+-]\d{2}$/.test(offset) ? `${offset}:00` : /^[+-]\d{4}$/.test(offset) ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset
    ms = Date.parse(`${v.slice(0, v.length - (offset?.length ?? 0)).replace(' ', 'T')}${fixed}`)
    // Date.parse rolls 2026-02-30 over to March: a day the month lacks is an error.
    const [y, mo, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number]
    if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) ms = NaN
  }
  if (Number.isNaN(ms)) throw new UsageError(`${name}: not an ISO-8601 time: ${JSON.stringify(value)} (e.g. 2026-11-23 or 2026-11-23T18:00:00Z)`)
  return ms
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('compute the KPI summary again from ClickHouse with SQL alone (CLICKHOUSE_URL, or the embedded store in DESKPULSE_DATA_DIR)')
    .option('--from <iso>', 'only conversations opened (and messages sent) at or after this time (default: the oldest stored event)')
    .option('--until <iso>', 'end of the report (default: the newest stored event)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { from?: string; until?: string; json?: boolean }) => {
      const from = opts.from === undefined ? undefined : parseIsoOption('--from', opts.from)
      const until = opts.until === undefined ? undefined : parseIsoOption('--until', opts.until)
      if (from !== undefined && until !== undefined && from > until) throw new UsageError('--from is later than --until')
      const env = loadEnv()
      const config = loadConfig(process.env.DESKPULSE_CONFIG)
      const ch = await openClickHouse({ url: env.clickhouseUrl, embeddedPath: path.resolve(env.dataDir, 'clickhouse') })
      try {
        await migrate(ch.client)
        const report = await reportFromStore(ch.client, config, { ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) })
        // Agents' time against the load band (docs/advice.md "Utilisation"), in the JSON only.
        if (opts.json) report.utilisation = await utilisationFromStore(ch.client, config, { ...(from !== undefined ? { from } : {}), until: Date.parse(report.until) })
        const text = opts.json
          ? JSON.stringify(report, null, 2)
          : [
              formatSummary(report),
              ...(from !== undefined ? [`window         conversations opened from ${new Date(from).toISOString()}`] : []),
              ...(report.as_of !== report.until ? [`point in time  open conversations and backlog as of ${String(report.as_of)} (the newest stored state)`] : []),
            ].join('\n')
        process.stdout.write(`${text}\n`)
      } finally {
        await ch.close()
      }
    })
}
