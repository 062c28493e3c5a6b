/**
 * `deskpulse advise automation` and `deskpulse timeline --conversation ID` (docs/advice.md), from
 * ClickHouse (CLICKHOUSE_URL, or the embedded store in DESKPULSE_DATA_DIR).
 */
import type { Command } from 'commander'
import path from 'node:path'
import { loadConfig, type Config } from '../schemas/config.js'
import { loadEnv } from '../schemas/env.js'
import { openClickHouse, type ClickHouseClient } from '../store/clickhouse.js'
import { migrate } from '../store/migrate.js'
import { automationFromStore, timelineFromStore, type AutomationRow } from '../store/advice.js'
import { parseConversationId, TimelineIdError } from '../processor/core/timeline.js'
import { parseIsoOption, UsageError } from './report-command.js'

async function withStore<T>(run: (client: ClickHouseClient, config: Config) => Promise<T>): Promise<T> {
  const env = loadEnv()
  const config = loadConfig(process.env.DESKPULSE_CONFIG)
  const ch = await openClickHouse({ url: env.clickhouseUrl, embeddedPath: path.resolve(env.dataDir, 'clickhouse') })
  try {
    await migrate(ch.client)
    return await run(ch.client, config)
  } finally {
    await ch.close()
  }
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 1000) / 10} %`)
const num = (x: number | null, unit = '') => (x === null ? '—' : `${x}${unit}`)

function table(rows: AutomationRow[]): string[] {
  return rows.map(
    (r) =>
      `${r.category.padEnd(16)} ${r.line.padEnd(16)} ${String(r.conversations).padStart(6)}  bot ${pct(r.bot_share).padStart(7)}  contained ${pct(r.containment).padStart(7)}  handoff ${pct(r.handoff_rate).padStart(7)}  handle p50 ${num(r.median_handle_seconds, ' s').padStart(9)}  FCR ${pct(r.fcr).padStart(7)}  CSAT ${num(r.csat_percent, ' %').padStart(7)} (after bot ${num(r.csat_after_bot_percent, ' %')})  saves ${r.agent_hours_saved} h`,
  )
}

export function registerAdvice(program: Command): void {
  const advise = program.command('advise').description('supervisor advice from ClickHouse (docs/advice.md)')
  advise
    .command('automation')
    .description('rank categories × lines by the agent-hours a bot would save at advice.target_containment, and list where the bot hurts')
    .option('--from <iso>', 'only conversations opened at or after this time')
    .option('--until <iso>', 'only conversations opened at or before this time (default: the newest stored event)')
    .option('--json', 'print JSON')
    .action(async (opts: { from?: string; until?: string; json?: boolean }) => {
      const from = opts.from === undefined ? undefined : parseIsoOption('--from', opts.from)
      const until = opts.until === undefined ? undefined : parseIsoOption('--until', opts.until)
      if (from !== undefined && until !== undefined && from > until) throw new UsageError('--from is later than --until')
      const advice = await withStore((client, config) => automationFromStore(client, config, { ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) }))
      if (opts.json) return void process.stdout.write(`${JSON.stringify(advice, null, 2)}\n`)
      process.stdout.write(
        [
          `automation value at ${Math.round(advice.target_containment * 100)} % containment (categories × lines with ≥ ${advice.min_conversations} conversations, opened ${advice.from ?? 'since the start'} – ${advice.until})`,
          ...table(advice.ranking),
          '',
          'bot is hurting here (highest handoff rate, then lowest CSAT after a bot):',
          ...table(advice.hurting),
        ].join('\n') + '\n',
      )
    })

  program
    .command('timeline')
    .description("list every event of one conversation with its timings, waiting periods, escalations and outcomes, from ClickHouse")
    .requiredOption('--conversation <id>', 'the conversation id (<line>|<customer hash>#<opened ms>), as in alerts, the wallboard and Grafana')
    .option('--until <iso>', 'run the timeline to this time (default: the newest stored event)')
    .option('--json', 'print JSON')
    .action(async (opts: { conversation: string; until?: string; json?: boolean }) => {
      try {
        parseConversationId(opts.conversation)
      } catch (err) {
        if (err instanceof TimelineIdError) throw new UsageError(`--conversation: ${err.message}`)
        throw err
      }
      const until = opts.until === undefined ? undefined : parseIsoOption('--until', opts.until)
      const tl = await withStore((client, config) => timelineFromStore(client, config, opts.conversation, until))
      if (!tl.found) throw new UsageError(`no conversation ${opts.conversation} in the store`)
      if (opts.json) return void process.stdout.write(`${JSON.stringify(tl, null, 2)}\n`)
      const detail = (e: Record<string, unknown>) =>
        Object.entries(e)
          .filter(([k]) => !['at', 'offset_seconds', 'kind', 'event_id', 'source'].includes(k))
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')
      process.stdout.write(
        [
          `conversation ${tl.conversation} opened ${tl.opened_at}, to ${tl.until}`,
          ...tl.entries.map((e) => `${e.at}  +${String(e.offset_seconds).padStart(8)} s  ${e.kind.padEnd(24)} ${detail(e)}`),
          ...tl.waiting.map((w) => `waited ${w.seconds} s from ${w.from}${w.to ? ` to ${w.to}` : ' (still waiting)'}`),
        ].join('\n') + '\n',
      )
    })
}
