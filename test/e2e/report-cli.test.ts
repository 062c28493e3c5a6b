import t from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { simulate } from '../../cli/simulate/index.js'
import { tempDir } from '../helpers/harness.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))
const deskpulse = (args: string[], env: Record<string, string> = {}) => {
  const clean = { ...process.env }
  delete clean.CLICKHOUSE_URL
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...clean, ...env } })
}

t.test('deskpulse replay --store then deskpulse report --json: the figures of replay --json, from ClickHouse', async (t) => {
  const dir = await tempDir(t)
  const file = path.join(dir, 'day.jsonl')
  await writeFile(file, simulate({ seed: 7, conversations: 300 }).lines.join('\n') + '\n')
  const env = { DESKPULSE_DATA_DIR: path.join(dir, 'data') }

  const r = deskpulse(['replay', file, '--store', '--json'], env)
  t.equal(r.status, 0, r.stderr)
  t.match(r.stderr, /stored \d+ events and \d+ rows in embedded ClickHouse/)
  const replayed = JSON.parse(r.stdout)
  t.equal(JSON.stringify(JSON.parse(deskpulse(['replay', file, '--json']).stdout)), JSON.stringify(replayed), 'replay --store prints what replay prints')

  const started = performance.now()
  const rep = deskpulse(['report', '--json'], env)
  t.comment(`deskpulse report --json: ${Math.round(performance.now() - started)} ms`)
  t.equal(rep.status, 0, rep.stderr)
  const report = JSON.parse(rep.stdout)
  for (const key of ['until', 'conversations', 'messages', 'backlog', 'oldest_waiting_seconds', 'escalations', 'csat', 'bot', 'fcr', 'service_level', 'missed']) {
    t.same(report[key], replayed[key], key)
  }
  for (const key of ['first_response_seconds', 'next_response_seconds', 'assignment_seconds', 'resolution_seconds']) {
    t.equal(report[key].count, replayed[key].count, `${key}.count`)
    t.ok(Math.abs(report[key].mean - replayed[key].mean) <= 1e-6 * replayed[key].mean, `${key}.mean`)
  }

  const text = deskpulse(['report', '--from', '2026-11-23T12:00:00+01:00', '--until', '2026-11-23T18:00'], env)
  t.equal(text.status, 0, text.stderr)
  t.match(text.stdout, /deskpulse summary until 2026-11-23T18:00:00\.000Z/)
  t.match(text.stdout, /window\s+conversations opened from 2026-11-23T11:00:00\.000Z/)
  t.match(text.stdout, /point in time\s+open conversations and backlog as of /)

  const bad = deskpulse(['report', '--until', 'yesterday'], env)
  t.equal(bad.status, 1)
  t.match(bad.stderr, /^deskpulse: --until: not an ISO-8601 time: "yesterday"/)
  const reversed = deskpulse(['report', '--from', '2026-11-24', '--until', '2026-11-23'], env)
  t.equal(reversed.status, 1)
  t.match(reversed.stderr, /--from is later than --until/)
})
