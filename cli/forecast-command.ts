/**
 * `deskpulse forecast`: new conversations per interval for the days ahead, per line × team, with
 * 80 % and 95 % intervals, the backtest that chose each model and the agents each interval needs
 * (docs/forecast.md). Reads ClickHouse (CLICKHOUSE_URL, or the embedded store).
 */
import { InvalidArgumentError, type Command } from 'commander'
import path from 'node:path'
import { SingleBar, Presets } from 'cli-progress'
import { loadConfig } from '../schemas/config.js'
import { loadEnv } from '../schemas/env.js'
import { openClickHouse } from '../store/clickhouse.js'
import { migrate } from '../store/migrate.js'
import { computeForecast, type Forecast } from '../forecast/compute.js'
import type { IntervalName } from '../forecast/calendar.js'

function horizonDays(value: string): number {
  const m = /^(\d+)d$/.exec(value.trim())
  const n = m ? Number(m[1]) : Number.NaN
  if (!(n >= 1 && n <= 14)) throw new InvalidArgumentError('--horizon must be 1d to 14d (e.g. 7d).')
  return n
}

function interval(value: string): IntervalName {
  if (value !== '15m' && value !== '1h') throw new InvalidArgumentError('--interval must be 15m or 1h.')
  return value
}

const fixed = (n: number, d = 1) => n.toFixed(d)

export function formatForecast(f: Forecast): string {
  const out: string[] = [`forecast from ${f.history.until}, ${f.horizon_days} days of ${f.interval} intervals; history since ${f.history.from}`]
  out.push(`staffing for ${(f.settings.serviceLevel * 100).toFixed(0)} % answered within ${f.settings.targetSeconds} s, occupancy ≤ ${(f.settings.maxOccupancy * 100).toFixed(0)} %, shrinkage ${(f.settings.shrinkage * 100).toFixed(0)} %`)
  for (const s of f.series) {
    out.push('', `line ${s.line} · team ${s.team}: ${s.model} (${s.history_arrivals} conversations of history)`)
    if (s.note) out.push(`  note: ${s.note}`)
    if (s.backtest.length) {
      out.push('  backtest       MASE   sMAPE   80 % covers  95 % covers  folds')
      for (const r of s.backtest) out.push(`  ${r.model.padEnd(22)} ${fixed(r.mase, 3).padStart(6)} ${(fixed(r.smape) + ' %').padStart(8)} ${(fixed(r.coverage80 * 100) + ' %').padStart(12)} ${(fixed(r.coverage95 * 100) + ' %').padStart(12)} ${String(r.folds).padStart(6)}`)
    }
  }
  for (const t of f.teams) {
    out.push('', `team ${t.team}: handle ${t.handle_seconds === null ? '?' : fixed(t.handle_seconds, 0)} s per chat, concurrency ${t.concurrency}, ${fixed(t.human_share * 100)} % of chats reach a human`)
    if (t.note) out.push(`  note: ${t.note}`)
    out.push('  interval start            arrivals  80 % interval   agents  scheduled  SL       occupancy')
    t.staffing.forEach((p, i) => {
      const lines = f.series.filter((s) => s.team === t.team)
      const lo = lines.reduce((s, x) => s + (x.points[i]?.lo80 ?? 0), 0)
      const hi = lines.reduce((s, x) => s + (x.points[i]?.hi80 ?? 0), 0)
      out.push(`  ${p.at}  ${fixed(p.arrivals).padStart(8)}  ${`${fixed(lo)}–${fixed(hi)}`.padStart(13)}  ${String(p.agents).padStart(6)}  ${String(p.scheduled_agents).padStart(9)}  ${(fixed(p.service_level * 100) + ' %').padStart(7)}  ${(fixed(p.occupancy * 100) + ' %').padStart(8)}`)
    })
  }
  return out.join('\n')
}

export function registerForecast(program: Command): void {
  program
    .command('forecast')
    .description('forecast new conversations per line × team from the ClickHouse history, with intervals, the backtest and the agents needed')
    .option('--line <id>', 'only this line (phone_number_id) (default: every line)')
    .option('--team <name>', 'only this team (default: every team)')
    .option('--horizon <days>', 'how far ahead: 1d to 14d', horizonDays, 7)
    .option('--interval <size>', '15m or 1h', interval, '1h')
    .option('--history <days>', 'days of history to learn from (default: forecast.history_days)')
    .option('--now <iso>', 'forecast as if it were this time (default: now)')
    .option('--json', 'print JSON')
    .action(async (o: { line?: string; team?: string; horizon: number; interval: IntervalName; history?: string; now?: string; json?: boolean }) => {
      const env = loadEnv()
      const config = loadConfig(process.env.DESKPULSE_CONFIG)
      const historyDays = o.history === undefined ? config.forecast.history_days : Number(o.history)
      if (!Number.isInteger(historyDays) || historyDays < 1) throw new InvalidArgumentError('--history must be a whole number of days ≥ 1.')
      const now = o.now === undefined ? Date.now() : Date.parse(o.now)
      if (Number.isNaN(now)) throw new InvalidArgumentError('--now must be an ISO-8601 time.')
      const ch = await openClickHouse({ url: env.clickhouseUrl, embeddedPath: path.resolve(env.dataDir, 'clickhouse') })
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'forecast {bar} {value}/{total} series', stream: process.stderr }, Presets.shades_classic) : null
      try {
        await migrate(ch.client)
        let started = false
        const f = await computeForecast(ch.client, config, {
          interval: o.interval,
          horizonDays: o.horizon,
          historyDays,
          now,
          ...(o.line ? { line: o.line } : {}),
          ...(o.team ? { team: o.team } : {}),
          onSeries(done, total) {
            if (!bar) return
            if (!started) bar.start(total, 0)
            started = true
            bar.update(done)
          },
        })
        bar?.stop()
        process.stdout.write(`${o.json ? JSON.stringify(f, null, 2) : formatForecast(f)}\n`)
      } finally {
        bar?.stop()
        await ch.close()
      }
    })
}
