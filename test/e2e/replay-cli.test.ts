import t from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/harness.js'
import { textWebhook } from '../helpers/webhooks.js'

const bin = fileURLToPath(new URL('../../bin/deskpulse.js', import.meta.url))
const deskpulse = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })

const LINE = '106540352242922'
const ts = (s: number) => 1764000000 + s // 2025-11-24T16:00:00Z + s
const iso = (s: number) => new Date(ts(s) * 1000).toISOString()
const event = (id: string, type: string, s: number, extra: Record<string, unknown>) => ({ event: { id, type, at: iso(s), line: LINE, customer: '393331234567', ...extra } })

// A customer writes at 0 s, is assigned at 20 s, gets a reply at 45 s, the chat is resolved at 100 s.
const lines = [
  { webhook: textWebhook({ id: 'wamid.R1', ts: ts(0), line: LINE }) },
  event('a1', 'conversation.assigned', 20, { agent_id: 'a-7', team: 'billing' }),
  event('m1', 'message.sent', 45, { message_id: 'wamid.OUT1', sender: { kind: 'agent', agent_id: 'a-7' } }),
  event('r1', 'conversation.resolved', 100, { by: { kind: 'agent', agent_id: 'a-7' } }),
].map((l) => JSON.stringify(l))

t.test('deskpulse replay --json prints every key of the summary, computed in event time', async (t) => {
  const dir = await tempDir(t)
  const file = path.join(dir, 'day.jsonl')
  await writeFile(file, lines.join('\n') + '\n')
  const r = deskpulse(['replay', file, '--json'])
  t.equal(r.status, 0, r.stderr)
  const s = JSON.parse(r.stdout)
  for (const key of ['until', 'conversations', 'messages', 'backlog', 'oldest_waiting_seconds', 'first_response_seconds', 'next_response_seconds', 'assignment_seconds', 'resolution_seconds', 'escalations', 'csat', 'bot', 'fcr', 'service_level']) {
    t.ok(key in s, `has ${key}`)
  }
  t.equal(s.until, iso(100), 'until defaults to the last event')
  t.match(s, {
    conversations: { opened: 1, resolved: 1, open: 0, reopened: 0 },
    messages: { in: 1, out: 1 },
    first_response_seconds: { count: 1, mean: 45 },
    assignment_seconds: { count: 1, mean: 20 },
    resolution_seconds: { count: 1, mean: 100 },
    service_level: 1,
    fcr: { pending: 1, final: 0 },
  })

  const early = JSON.parse(deskpulse(['replay', file, '--json', '--until', iso(30)]).stdout)
  t.match(early, { until: iso(30), backlog: { awaiting_agent: 1 }, oldest_waiting_seconds: 30, first_response_seconds: { count: 0, mean: null } })

  const text = deskpulse(['replay', file])
  t.match(text.stdout, /conversations\s+opened 1, resolved 1/)
  t.match(text.stdout, /first response\s+n=1/)
})

t.test('the same file twice, with every line duplicated, or shuffled within 30 s gives the same summary', async (t) => {
  const dir = await tempDir(t)
  const write = async (name: string, ls: string[]) => {
    const f = path.join(dir, name)
    await writeFile(f, ls.join('\n') + '\n')
    return JSON.parse(deskpulse(['replay', f, '--json']).stdout)
  }
  const base = await write('base.jsonl', lines)
  t.same(await write('twice.jsonl', [...lines, ...lines]), base)
  t.same(await write('dup.jsonl', lines.flatMap((l) => [l, l])), base)
  t.same(await write('shuffled.jsonl', [lines[1]!, lines[0]!, lines[2]!, lines[3]!]), base)
})

t.test('bad input is a clear error: a bad line, a wrong config field', async (t) => {
  const dir = await tempDir(t)
  const bad = path.join(dir, 'bad.jsonl')
  await writeFile(bad, `${lines[0]}\n{"event": {"id": "x", "type": "csat.response"}}\n`)
  const r = deskpulse(['replay', bad, '--json'])
  t.equal(r.status, 1)
  t.match(r.stderr, /line 2: events\[0\]\.at/)

  const config = path.join(dir, 'config.json')
  await writeFile(config, JSON.stringify({ thresholds: { escalate_after: 'five minutes' } }))
  const c = deskpulse(['replay', bad, '--json'], { DESKPULSE_CONFIG: config })
  t.equal(c.status, 1)
  t.match(c.stderr, /invalid config field thresholds\.escalate_after/)
})
