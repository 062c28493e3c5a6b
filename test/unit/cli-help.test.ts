/**
 * `deskpulse --help` lists the commands, and every command's --help gives each option that takes a
 * value its default (or says it is required); the commands configured by the environment list the
 * variables they read with their defaults. Run through the real CLI (bin/deskpulse.js).
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))
/** Each command's help, read once: every run starts the whole CLI (about 2 s of CPU through tsx). */
const seen = new Map<string, string>()
const help = (...args: string[]) => {
  const key = args.join(' ')
  let text = seen.get(key)
  if (text === undefined) seen.set(key, (text = execFileSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8' })))
  return text
}

/** The entries of a help section ("Options:", "Commands:"), each with its wrapped lines joined. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n')
  const from = lines.indexOf(`${title}:`)
  if (from < 0) return []
  const entries: string[] = []
  for (const line of lines.slice(from + 1)) {
    if (!line.startsWith('  ')) break
    if (/^ {2}\S/.test(line)) entries.push(line.trim())
    else entries[entries.length - 1] += ` ${line.trim()}`
  }
  return entries
}

// Commands of this repository at the time of writing; others may be added.
const COMMANDS = ['start', 'ingest', 'processor', 'migrate', 'replay', 'report', 'simulate', 'erase', 'notify', 'rules', 'dashboards', 'demo']

t.test('deskpulse --help lists every command, demo among them', async (t) => {
  const names = section(help(), 'Commands').map((e) => e.split(' ')[0])
  for (const c of COMMANDS) t.ok(names.includes(c), `lists ${c}`)
})

t.test('every option taking a value shows its default or is marked required', async (t) => {
  const names = section(help(), 'Commands').map((e) => e.split(' ')[0]!).filter((n) => n !== 'help')
  for (const name of names) {
    const options = section(help(name), 'Options').filter((o) => /^(-\w, )?--[\w-]+ [<[]/.test(o))
    for (const o of options) t.match(o, /\((default: .+|required\b.*)\)/, `${name}: ${o.split(' ').slice(0, 2).join(' ')}`)
  }
})

t.test('the defaults shown are the ones that apply', async (t) => {
  const demo = section(help('demo'), 'Options')
  const option = (name: string) => demo.find((o) => o.startsWith(name)) ?? ''
  t.match(option('--backfill'), '(default: 30)')
  t.match(option('--conversations'), '(default: 4000)')
  t.match(option('--live-from'), '(default: "18:00")')
  t.match(option('--data-dir'), '(default: "./data/demo")')
  t.match(option('--config'), '(default: "cli/demo/demo-config.yaml")')
  t.match(option('--prometheus-port'), '(default: 9090)')
  t.match(option('--alertmanager-port'), '(default: 9093)')
  t.match(option('--notify-port'), '(default: 9095)')
  t.match(section(help('erase'), 'Options').find((o) => o.startsWith('--customer')), '(required)')
  t.match(section(help('ingest'), 'Options').find((o) => o.startsWith('-w, --workers')), '(default: INGEST_WORKERS, else 1)')
})

t.test('start, ingest, processor, migrate and demo list the environment they read, with defaults', async (t) => {
  const env = (name: string) => Object.fromEntries(section(help(name), 'Environment (every variable: docs/configuration.md)').map((e) => [e.split(' ')[0], /\(default: (.*)\)$/.exec(e)?.[1]]))
  const start = env('start')
  t.equal(start.PORT, '8080')
  t.equal(start.PROCESSOR_PORT, '9464')
  t.equal(start.PRIVATE_HOST, '127.0.0.1')
  t.equal(start.NATS_PORT, '4222')
  t.equal(start.DESKPULSE_DATA_DIR, './data')
  t.equal(start.NATS_URL, 'its own nats-server')
  t.equal(start.LOG_FORMAT, 'pretty on a terminal, else json')
  t.equal(env('ingest').INGEST_WORKERS, '1')
  t.equal(env('processor').PROCESSOR_PRIVATE_PORT, '9465')
  t.equal(env('migrate').CLICKHOUSE_URL, 'embedded ClickHouse in DESKPULSE_DATA_DIR')
  t.equal(env('demo').DESKPULSE_WALLBOARD_TOKEN, 'a random token')
})
