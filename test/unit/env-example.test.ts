/** `.env.example` names every environment variable deskpulse reads (schemas/env.ts), each commented. */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { EnvSchema } from '../../schemas/env.js'

/** Read outside schemas/env.ts: the config file's path (cli/), and the adapters' secrets (ingest/). */
const EXTRA = ['DESKPULSE_CONFIG', 'CHATWOOT_WEBHOOK_SECRET', 'TWILIO_AUTH_TOKEN', 'DIALOG360_WEBHOOK_TOKEN']

t.test('.env.example has every variable of the environment schema, each with a comment above it', async (t) => {
  const lines = (await readFile(new URL('../../.env.example', import.meta.url), 'utf8')).split('\n')
  const assigned = new Map<string, number>()
  lines.forEach((l, i) => {
    const m = /^([A-Z][A-Z0-9_]*)=/.exec(l)
    if (m) assigned.set(m[1]!, i)
  })
  for (const name of [...Object.keys(EnvSchema.properties), ...EXTRA]) {
    const at = assigned.get(name)
    t.ok(at !== undefined, `${name} is in .env.example`)
    if (at === undefined) continue
    let above = at - 1
    while (above >= 0 && /^[A-Z][A-Z0-9_]*=/.test(lines[above]!)) above--
    t.match(lines[above] ?? '', /^# \S/, `${name} has a comment above it`)
  }
  const known = new Set([...Object.keys(EnvSchema.properties), ...EXTRA])
  t.same([...assigned.keys()].filter((n) => !known.has(n)), [], 'no variable deskpulse does not read')
  t.same([...assigned.entries()].filter(([, i]) => !/^[A-Z0-9_]+=$/.test(lines[i]!)).map(([n]) => n), [], 'no value filled in')
})
