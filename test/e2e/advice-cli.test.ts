/**
 * `deskpulse advise automation`, `deskpulse timeline` and `deskpulse report --json`'s utilisation
 * (docs/advice.md) as a user runs them: a simulated day stored by `deskpulse replay --store` in
 * embedded ClickHouse, then the commands as child processes.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { simulate } from '../../cli/simulate/index.js'
import { openClickHouse } from '../../store/clickhouse.js'
import { tempDir } from '../helpers/harness.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))
const deskpulse = (args: string[], env: Record<string, string> = {}) => {
  const clean = { ...process.env }
  delete clean.CLICKHOUSE_URL
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...clean, ...env } })
}

t.test('advise automation, timeline and report utilisation from a stored day', async (t) => {
  const dir = await tempDir(t)
  const file = path.join(dir, 'day.jsonl')
  await writeFile(file, simulate({ seed: 7, conversations: 300 }).lines.join('\n') + '\n')
  const env = { DESKPULSE_DATA_DIR: path.join(dir, 'data') }
  t.equal(deskpulse(['replay', file, '--store'], env).status, 0)

  const rep = deskpulse(['report', '--json'], env)
  t.equal(rep.status, 0, rep.stderr)
  const u = JSON.parse(rep.stdout).utilisation
  t.same(u.band, { low: 0.85, high: 0.9 })
  t.ok(u.teams.length > 0 && u.agents.length > 0 && u.shifts.length > 0, 'teams, agents and shifts')
  for (const x of [...u.teams, ...u.agents]) t.ok(Math.abs(x.in_band + x.above + x.below - 1) < 1e-3, `${x.agent ?? x.team}: the three shares make the online time`)

  const adv = deskpulse(['advise', 'automation', '--json'], env)
  t.equal(adv.status, 0, adv.stderr)
  const a = JSON.parse(adv.stdout)
  t.ok(a.ranking.length > 0, 'categories ranked')
  for (let i = 1; i < a.ranking.length; i++) t.ok(a.ranking[i - 1].agent_hours_saved >= a.ranking[i].agent_hours_saved, 'most agent-hours saved first')
  const text = deskpulse(['advise', 'automation'], env)
  t.match(text.stdout, /automation value at 60 % containment/)
  t.match(text.stdout, /bot is hurting here/)

  // A conversation id as the store has it.
  const ch = await openClickHouse({ embeddedPath: path.join(dir, 'data', 'clickhouse') })
  const res = await ch.client.query({ query: 'SELECT conversation_id, warnings FROM conversations FINAL WHERE breaches > 0 ORDER BY conversation_id LIMIT 1', format: 'JSONEachRow' })
  const id = (await res.json<{ conversation_id: string }>())[0]?.conversation_id
  await ch.close()
  const tl = deskpulse(['timeline', '--conversation', id!, '--json'], env)
  t.equal(tl.status, 0, tl.stderr)
  const timeline = JSON.parse(tl.stdout)
  t.equal(timeline.found, true)
  t.same([timeline.entries[0].offset_seconds, timeline.entries[0].kind], [0, 'message.in'])
  t.ok(timeline.entries.some((e: { kind: string; level?: string }) => e.kind === 'kpi.escalation.fire' && e.level === 'breach'), 'the breach the row counts is in the timeline')
  t.notOk(/"text":/.test(tl.stdout), 'no message text by default')
  const human = deskpulse(['timeline', '--conversation', id!], env)
  t.match(human.stdout, /kpi\.escalation\.fire\s+level=breach/)

  const bad = deskpulse(['timeline', '--conversation', 'not-an-id'], env)
  t.equal(bad.status, 1)
  t.match(bad.stderr, /--conversation: not a conversation id/)
})
