/**
 * `deskpulse simulate --seed N --conversations N [--start DATE] --out FILE [--truth FILE]` writes a
 * replay file (and the summary the engine must report for it); `--target URL --rate N` sends the
 * same lines, signed, to a running ingest.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { writeFileSync } from 'node:fs'
import { DEFAULT_START } from './model.js'
import { simulate } from './index.js'
import { sendLines } from './send.js'
import { liveSchedule } from './live.js'
import { renderChatwoot, simChatwootInboxes } from './render-chatwoot.js'
import { render } from './render.js'
import { DEFAULT_HISTORY_START, planHistory } from './history.js'

interface SimulateFlags {
  seed: number
  conversations: number
  start?: string
  days?: number
  perDay: number
  trend: number
  out?: string
  truth?: string
  target?: string
  rate: number
  live?: boolean
  liveFrom: string
  backfill: number
  via: 'meta' | 'chatwoot'
}

function wholeNumber(flag: string, min: number, max = 2 ** 31 - 1) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}.`)
    return n
  }
}

function positive(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('--rate must be a positive number.')
  return n
}

function via(value: string): 'meta' | 'chatwoot' {
  if (value !== 'meta' && value !== 'chatwoot') throw new InvalidArgumentError('--via must be meta or chatwoot.')
  return value
}

function hhmm(value: string): string {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) throw new InvalidArgumentError('--live-from must be a time HH:MM.')
  return value
}

function fail(message: string): never {
  process.stderr.write(`deskpulse simulate: ${message}\n`)
  process.exit(1)
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('generate a seeded day of realistic WhatsApp helpdesk traffic: write it as a replay file, or send it to a running ingest')
    .option('--seed <n>', 'random seed: the same seed gives the same file', wholeNumber('--seed', 0), 1)
    .option('--conversations <n>', 'conversations opened on the simulated day', wholeNumber('--conversations', 1), 2000)
    .option('--start <date>', `the simulated day, in Europe/Rome; with --days the first day (default: ${DEFAULT_START}; with --days ${DEFAULT_HISTORY_START})`)
    .option('--days <n>', 'weeks of history instead of one day: N days whose arrival intensity is known (weekly shape, trend, Italian public holidays closed); --truth writes the intensity (docs/forecast.md) (default: one day)', wholeNumber('--days', 1, 400))
    .option('--per-day <n>', 'with --days: expected conversations on a weekday at the start', positive, 300)
    .option('--trend <x>', 'with --days: growth of the level over the period, 0.2 = +20 % by the last day', Number, 0.2)
    .option('--out <file>', 'write the replay file (JSONL: {"webhook": …} or {"event": …} per line) (default: none written)')
    .option('--truth <file>', 'write the ground-truth summary the engine must report (JSON) (default: none written)')
    .option('--target <url>', 'send each line to a running ingest at this base URL instead (default: nothing sent)')
    .option('--rate <n>', 'requests per second with --target', positive, 200)
    .option('--via <feed>', 'meta: Meta webhooks plus /v1/events; chatwoot: the same day as Chatwoot webhooks alone (POST /webhooks/chatwoot)', via, 'meta')
    .option('--live', 'with --target: play the day in real time from --live-from, its timestamps moved to now (a demo)')
    .option('--live-from <HH:MM>', 'the hour of the simulated day (Europe/Rome) that starts now with --live', hhmm, '18:00')
    .option('--backfill <minutes>', 'with --live: first send that many minutes before --live-from at once, stamped in the past', wholeNumber('--backfill', 0, 24 * 60), 0)
    .action(async (flags: SimulateFlags) => {
      if (!flags.out && !flags.target && !flags.truth) fail('give --out FILE, --truth FILE or --target URL')
      if (flags.live && !flags.target) fail('--live sends to a running ingest: give --target URL')
      if (flags.days !== undefined) return history(flags)
      let sim: ReturnType<typeof simulate>
      try {
        sim = simulate({ seed: flags.seed, conversations: flags.conversations, start: flags.start ?? DEFAULT_START })
      } catch (err) {
        fail((err as Error).message)
      }
      const { truth, stats } = sim
      let lines = sim.lines
      let what = `${lines.length} lines (${stats.webhooks} webhooks, ${stats.events} events, ${stats.duplicates} retried copies), ${truth.conversations.opened} conversations, until ${truth.until}`
      if (flags.via === 'chatwoot') {
        if (flags.live) fail('--live plays Meta webhooks; use --via meta')
        const cw = renderChatwoot(sim.plan)
        lines = cw.lines
        what = `${lines.length} Chatwoot webhooks (${cw.duplicates} retried copies, ${cw.csatTaps} CSAT taps as survey ratings), ${truth.conversations.opened} conversations`
        process.stdout.write(`--via chatwoot: the ingest needs config adapters.chatwoot.inboxes = ${JSON.stringify(simChatwootInboxes(sim.plan))}\n`)
      }
      if (flags.out) {
        writeFileSync(flags.out, `${lines.join('\n')}\n`)
        process.stdout.write(`wrote ${flags.out}: ${what}\n`)
      }
      if (flags.truth) {
        writeFileSync(flags.truth, `${JSON.stringify(truth, null, 2)}\n`)
        process.stdout.write(`wrote ${flags.truth}: ground-truth summary (seed ${flags.seed})\n`)
      }
      if (!flags.target) return
      const appSecret = process.env.WHATSAPP_APP_SECRET?.split(',')[0]?.trim() ?? ''
      const apiToken = process.env.DESKPULSE_API_TOKEN?.trim() ?? ''
      const chatwootSecret = process.env.CHATWOOT_WEBHOOK_SECRET?.split(',')[0]?.trim()
      if (flags.via === 'meta' && !appSecret) fail('--target needs WHATSAPP_APP_SECRET to sign the webhooks')
      if (flags.via === 'meta' && !apiToken) fail('--target needs DESKPULSE_API_TOKEN for /v1/events')
      let toSend: readonly string[] = lines
      let due: number[] | undefined
      if (flags.live) {
        const schedule = liveSchedule(lines, { day: flags.start ?? DEFAULT_START, from: flags.liveFrom, now: Date.now(), run: `.live${Date.now().toString(36)}`, backfillMinutes: flags.backfill })
        toSend = schedule.map((l) => l.text)
        due = schedule.map((l) => l.due)
        process.stdout.write(`live: ${toSend.length} lines from ${flags.liveFrom} of ${flags.start}, in real time (Ctrl-C to stop)\n`)
      }
      const r = await sendLines(toSend, { target: flags.target, rate: flags.rate, appSecret, apiToken, ...(chatwootSecret ? { chatwootSecret } : {}), progress: process.stderr.isTTY === true, ...(due ? { due } : {}) })
      process.stdout.write(
        `sent ${r.lines} lines to ${flags.target} in ${r.seconds.toFixed(1)} s (${r.webhooks} webhooks, ${r.events} events): ` +
          `${r.accepted} accepted, ${r.rejected} rejected, ${r.failed} failed after retries, ${r.retries} retries\n`,
      )
      if (r.rejected > 0 || r.failed > 0) process.exitCode = 1
    })
}

/** `--days N`: the history file and its intensity (cli/simulate/history.ts). */
function history(flags: SimulateFlags): void {
  if (flags.target || flags.live) fail('--days writes files (--out, --truth): load them with deskpulse replay --store, or send the file with another run')
  if (!flags.out && !flags.truth) fail('give --out FILE or --truth FILE')
  let result: ReturnType<typeof planHistory>
  try {
    result = planHistory({ seed: flags.seed, days: flags.days!, start: flags.start ?? DEFAULT_HISTORY_START, perDay: flags.perDay, trend: flags.trend })
  } catch (err) {
    fail((err as Error).message)
  }
  const { plan, truth } = result
  if (flags.out) {
    const { lines, stats } = render(plan)
    writeFileSync(flags.out, `${lines.join('\n')}\n`)
    process.stdout.write(`wrote ${flags.out}: ${lines.length} lines (${stats.webhooks} webhooks, ${stats.events} events), ${truth.conversations} conversations over ${truth.days} days from ${truth.start}; holidays ${truth.holidays.join(', ') || 'none'}\n`)
  }
  if (flags.truth) {
    writeFileSync(flags.truth, `${JSON.stringify(truth, null, 2)}\n`)
    process.stdout.write(`wrote ${flags.truth}: the arrival intensity per line and hour (seed ${flags.seed})\n`)
  }
}
