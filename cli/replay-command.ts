import type { Command } from 'commander'
import { statSync } from 'node:fs'
import { SingleBar, Presets } from 'cli-progress'
import { loadConfig } from '../schemas/config.js'
import { loadEnv } from '../schemas/env.js'
import { replayFile } from '../processor/replay.js'
import { createTextAnalyser } from '../ingest/text/analyse.js'
import type { Summary, Timing } from '../schemas/summary.js'
import path from 'node:path'
import { openClickHouse, type ClickHouseHandle } from '../store/clickhouse.js'
import { migrate } from '../store/migrate.js'
import { createReplayStore, type ReplayStore } from '../store/replay-store.js'

const secs = (x: number | null) => (x === null ? '—' : x < 120 ? `${x.toFixed(1)} s` : x < 7200 ? `${(x / 60).toFixed(1)} min` : `${(x / 3600).toFixed(1)} h`)
const timing = (name: string, t: Timing) => `  ${name.padEnd(22)} n=${String(t.count).padEnd(6)} mean ${secs(t.mean).padEnd(9)} p50 ${secs(t.p50).padEnd(9)} p90 ${secs(t.p90).padEnd(9)} p99 ${secs(t.p99)}`

/** The readable summary. */
export function formatSummary(s: Summary): string {
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`)
  return [
    `deskpulse summary until ${s.until}`,
    `conversations  opened ${s.conversations.opened}, resolved ${s.conversations.resolved}, open ${s.conversations.open}, reopened ${s.conversations.reopened}`,
    `messages       in ${s.messages.in}, out ${s.messages.out}`,
    `backlog        bot ${s.backlog.bot}, unassigned ${s.backlog.unassigned}, awaiting agent ${s.backlog.awaiting_agent}, awaiting customer ${s.backlog.awaiting_customer}; oldest waiting ${secs(s.oldest_waiting_seconds)}`,
    'timings',
    timing('first response', s.first_response_seconds),
    timing('next response', s.next_response_seconds),
    timing('time to assignment', s.assignment_seconds),
    timing('first resolution', s.resolution_seconds),
    `service level  ${pct(s.service_level)} of first responses within target`,
    `escalations    warnings ${s.escalations.warnings}, breaches ${s.escalations.breaches}`,
    `CSAT           ${s.csat.responses} responses, ${s.csat.percent === null ? '—' : `${s.csat.percent} %`} satisfied, mean ${s.csat.mean ?? '—'}`,
    `bot            ${s.bot.conversations} conversations, ${s.bot.contained} contained, ${s.bot.handoffs} handed off`,
    `FCR            ${s.fcr.fcr} of ${s.fcr.final} decided, ${s.fcr.pending} pending`,
    `missed         ${s.missed ?? 0}; 24-hour window closing within the hour: ${s.window_closing_soon ?? 0}`,
  ].join('\n')
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('run a recorded JSONL stream through the KPI engine in event time and print the summary')
    .argument('<file>', 'JSONL: {"webhook": …} or {"event": …} per line')
    .option('--until <iso>', 'time of the point-in-time figures (default: the last event)')
    .option('--json', 'print the summary as JSON')
    .option('--store', 'also write the events and the KPI rows into ClickHouse (CLICKHOUSE_URL, or the embedded store in DESKPULSE_DATA_DIR), for `deskpulse report`')
    .action(async (file: string, opts: { until?: string; json?: boolean; store?: boolean }) => {
      const env = loadEnv()
      const config = loadConfig(process.env.DESKPULSE_CONFIG)
      const until = opts.until === undefined ? undefined : Date.parse(opts.until)
      if (until !== undefined && Number.isNaN(until)) throw new Error(`--until: not an ISO time: ${opts.until}`)
      const size = statSync(file).size
      let ch: ClickHouseHandle | null = null
      let store: ReplayStore | null = null
      if (opts.store) {
        ch = await openClickHouse({ url: env.clickhouseUrl, embeddedPath: path.resolve(env.dataDir, 'clickhouse') })
        await migrate(ch.client)
        store = createReplayStore(ch.client, config)
      }
      // A progress bar only where someone watches a long run.
      const bar = process.stderr.isTTY && size > 5 * 2 ** 20 ? new SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} MB', stream: process.stderr }, Presets.shades_classic) : null
      bar?.start(Math.ceil(size / 2 ** 20), 0)
      let replayed: Awaited<ReturnType<typeof replayFile>>
      try {
        replayed = await replayFile(file, {
          config,
          piiKey: env.piiKey ?? 'deskpulse-replay',
          analyseText: createTextAnalyser(config),
          ...(until !== undefined ? { until } : {}),
          onProgress: (bytes) => bar?.update(Math.floor(bytes / 2 ** 20)),
          ...(store ? { onBatch: store.onBatch } : {}),
        })
        await store?.flush()
      } finally {
        bar?.stop()
        await ch?.close()
      }
      const { pipeline, until: end } = replayed
      if (store && ch) process.stderr.write(`stored ${store.stats.events} events and ${store.stats.rows} rows in ${ch.embedded ? `embedded ClickHouse (${path.resolve(env.dataDir, 'clickhouse')})` : 'ClickHouse'}\n`)
      const summary = pipeline.summary(end)
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`)
    })
}
