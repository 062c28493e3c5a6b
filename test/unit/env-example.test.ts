/**
 * `.env.example` names every environment variable deskpulse reads (schemas/env.ts) and every one
 * docker-compose.yml interpolates, each commented; compose's required ones say how to generate them.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { EnvSchema } from '../../schemas/env.js'

const compose = await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8')
/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` in docker-compose.yml (`$$` escapes a literal `$`). */
const COMPOSE_VARS = new Set([...compose.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)(:?[-?][^}]*)?\}/g)].map((m) => m[1]!))
const COMPOSE_REQUIRED = new Set([...compose.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*):\?[^}]*\}/g)].map((m) => m[1]!))

/** Read outside schemas/env.ts: the config file's path (cli/), and the adapters' secrets (ingest/). */
const EXTRA = ['DESKPULSE_CONFIG', 'CHATWOOT_WEBHOOK_SECRET', 'TWILIO_AUTH_TOKEN', 'DIALOG360_WEBHOOK_TOKEN']

t.test('.env.example has every variable of the environment schema, each with a comment above it', async (t) => {
  const lines = (await readFile(new URL('../../.env.example', import.meta.url), 'utf8')).split('\n')
  const assigned = new Map<string, number>()
  lines.forEach((l, i) => {
    const m = /^([A-Z][A-Z0-9_]*)=/.exec(l)
    if (m) assigned.set(m[1]!, i)
  })
  for (const name of new Set([...Object.keys(EnvSchema.properties), ...EXTRA, ...COMPOSE_VARS])) {
    const at = assigned.get(name)
    t.ok(at !== undefined, `${name} is in .env.example`)
    if (at === undefined) continue
    let above = at - 1
    while (above >= 0 && /^[A-Z][A-Z0-9_]*=/.test(lines[above]!)) above--
    t.match(lines[above] ?? '', /^# \S/, `${name} has a comment above it`)
  }
  const known = new Set([...Object.keys(EnvSchema.properties), ...EXTRA, ...COMPOSE_VARS])
  t.same([...assigned.keys()].filter((n) => !known.has(n)), [], 'no variable deskpulse does not read')
  t.same([...assigned.entries()].filter(([, i]) => !/^[A-Z0-9_]+=$/.test(lines[i]!)).map(([n]) => n), [], 'no value filled in')
})

t.test("docker-compose.yml's required secrets each say how to generate them", async (t) => {
  const text = await readFile(new URL('../../.env.example', import.meta.url), 'utf8')
  t.ok(COMPOSE_REQUIRED.size >= 8, `${COMPOSE_REQUIRED.size} required: ${[...COMPOSE_REQUIRED].join(', ')}`)
  // Meta gives the app secret; every other required secret is one the user makes up.
  const secrets = [...COMPOSE_REQUIRED].filter((n) => /SECRET|TOKEN|KEY|PASSWORD/.test(n) && n !== 'WHATSAPP_APP_SECRET')
  for (const name of secrets) {
    // The variable's own comment, or the header of its section ("Each secret: openssl rand -hex 32").
    const section = text.slice(0, text.indexOf(`\n${name}=`)).split('\n# ──').at(-1)!
    t.match(section, /openssl rand -hex \d+/, `${name}: how to generate it`)
  }
})
