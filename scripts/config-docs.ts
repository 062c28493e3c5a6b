/**
 * Generates docs/configuration.md and schemas/config.schema.json from the TypeBox schemas of the
 * configuration file (schemas/config.ts) and the environment (schemas/env.ts):
 * `npm run config-docs` writes them, `npm run config-docs -- --check` writes nothing and exits 1
 * when a committed file differs (test/unit/config-docs.test.ts fails the same way).
 *
 * A small generator rather than a JSON-Schema-to-markdown library: those render one page per
 * schema or nested lists, where a user of one YAML file wants one table per section with the
 * dotted key they type (`thresholds.escalate_after`), and the defaults that parseConfig applies.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ConfigSchema } from '../schemas/config.js'
import { EnvSchema } from '../schemas/env.js'
import { envDefault } from '../schemas/env-defaults.js'

export const CONFIG_DOCS_FILE = 'docs/configuration.md'
export const CONFIG_SCHEMA_FILE = 'schemas/config.schema.json'

/** The parts of JSON Schema the TypeBox schemas of this project use. */
interface Schema {
  type?: string
  description?: string
  default?: unknown
  const?: unknown
  anyOf?: Schema[]
  items?: Schema | Schema[]
  properties?: Record<string, Schema>
  patternProperties?: Record<string, Schema>
  required?: string[]
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minLength?: number
  pattern?: string
}

/** JSON of the schema, without TypeBox's symbol keys: what an editor or any validator reads. */
const plain = (s: unknown): Schema => JSON.parse(JSON.stringify(s)) as Schema

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
const code = (v: unknown) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``

function range(s: Schema): string {
  const lo = s.minimum !== undefined ? `≥ ${s.minimum}` : s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : ''
  const hi = s.maximum !== undefined ? `≤ ${s.maximum}` : s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : ''
  return [lo, hi].filter(Boolean).join(', ')
}

/** A readable type: `integer ≥ 1`, `"wall" \| "event"`, `list of strings`, `map: name → string`. */
export function typeOf(s: Schema): string {
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ')
  if (s.const !== undefined) return code(s.const)
  if (s.type === 'array' && Array.isArray(s.items)) return `[${s.items.map(typeOf).join(', ')}]`
  if (s.type === 'array' && s.items) return `list of ${typeOf(s.items as Schema)}`
  if (s.type === 'object' && s.patternProperties) {
    const value = Object.values(s.patternProperties)[0]!
    return `map: name → ${value.type === 'object' && value.properties ? 'object' : typeOf(value)}`
  }
  if (s.type === 'string') {
    if (s.pattern === '^([01]\\d|2[0-4]):[0-5]\\d$') return '`HH:MM`'
    if (s.pattern === '^\\d{4}-\\d{2}-\\d{2}$') return '`YYYY-MM-DD`'
    const rules = [s.minLength === 1 ? 'non-empty' : s.minLength ? `at least ${s.minLength} characters` : '', s.pattern ? `matching ${code(s.pattern)}` : '']
    const r = rules.filter(Boolean).join(', ')
    return r ? `string, ${r}` : 'string'
  }
  if (s.type === 'number' || s.type === 'integer') {
    const r = range(s)
    return r ? `${s.type} ${r}` : s.type
  }
  return s.type ?? 'any'
}

function defaultOf(s: Schema, required: boolean): string {
  if (s.default !== undefined) {
    if (typeof s.default === 'object' && s.default !== null && Object.keys(s.default).length === 0) return '—'
    return code(s.default)
  }
  return required ? 'required' : '—'
}

interface Row {
  key: string
  type: string
  def: string
  meaning: string
}

/** One row per key a user can write, nested objects and maps flattened into dotted keys. */
function rows(s: Schema, prefix: string, required: boolean, out: Row[]): void {
  const record = s.type === 'object' && s.patternProperties ? Object.values(s.patternProperties)[0]! : undefined
  const isObject = s.type === 'object' && s.properties
  out.push({ key: prefix, type: isObject ? 'object' : typeOf(s), def: defaultOf(s, required), meaning: s.description ?? '' })
  if (isObject) {
    for (const [k, v] of Object.entries(s.properties!)) rows(v, `${prefix}.${k}`, (s.required ?? []).includes(k), out)
  } else if (record?.type === 'object' && record.properties) {
    const name = prefix === 'lines' ? '<phone_number_id>' : '<name>'
    for (const [k, v] of Object.entries(record.properties)) rows(v, `${prefix}.${name}.${k}`, (record.required ?? []).includes(k), out)
  }
}

const table = (head: string[], body: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n')

/** The value `loadEnv` gives a variable when it is unset (schemas/env-defaults.ts). */
function envDefaultCell(name: string): string {
  const value = envDefault(name as keyof typeof EnvSchema.properties)
  return value === undefined ? 'unset' : code(value)
}

const CONFIG_INTRO = `<!-- GENERATED by scripts/config-docs.ts from schemas/config.ts and schemas/env.ts: do not edit by hand; run npm run config-docs -->
# Configuration

deskpulse reads two kinds of settings, once, at start-up:

- **Environment variables** (below): secrets, endpoints, ports, data directory. \`.env.example\`
  at the root of the repository lists every one of them with a comment.
- **The configuration file**: the business rules (escalation limits, targets, business hours,
  teams, categories, retention). Its path is the environment variable \`DESKPULSE_CONFIG\` (JSON,
  or YAML when the name ends in \`.yml\`/\`.yaml\`); without it every key takes its default. The
  same file builds the Prometheus rules and Grafana dashboards of a deployment
  (\`deskpulse rules --config FILE --out DIR\`, \`deskpulse dashboards --config FILE --out DIR\`).

A wrong value stops start-up with a message that names it:
\`invalid config field thresholds.escalate_after: Expected number\`,
\`invalid environment variable PORT: Expected integer\`.

This page is generated from the schemas (\`schemas/config.ts\`, \`schemas/env.ts\`) by
\`npm run config-docs\`; a unit test fails when it no longer matches them. What each KPI rule
means is in [kpis.md](kpis.md); the words are those of [glossary.md](glossary.md).

## The configuration file

Every key is optional. A minimal file for one line with business hours:

\`\`\`yaml
# yaml-language-server: $schema=./schemas/config.schema.json
# (the path above is for a file at the root of the repository)
thresholds: { escalate_after: 300, frt_target: 60 }
default_team: support
lines:
  "106540352242922":          # the phone_number_id (docs/connect-whatsapp.md)
    team: billing
    business_hours:
      timezone: Europe/Rome
      weekly: { mon: [["09:00", "13:00"], ["14:00", "18:00"]], sat: [["09:00", "12:00"]] }
      holidays: ["2026-12-25"]
categories:
  menu: { menu_billing: billing }
  keywords: { billing: [fattura, invoice], delivery: [spedizione, "non arrivato"] }
\`\`\`

**Editor support.** \`schemas/config.schema.json\` is the JSON Schema of this file (generated with
this page). Editors that use the YAML language server (VS Code's YAML extension, and others)
validate and complete the file when its first line is
\`# yaml-language-server: $schema=<path to schemas/config.schema.json>\`, the path relative to the
YAML file (or a URL). For a JSON file, map the schema in the editor's settings (VS Code:
\`json.schemas\`) rather than adding a \`$schema\` key: the file may hold no key the schema does not
list.

Checks beyond the types below: every time zone is a valid IANA zone, \`thresholds.load_band.low\`
is not above \`high\`, and \`thresholds.warn_before\` is less than both escalation limits.
Quote line ids in YAML (\`"106540352242922":\`) so they stay strings.
`

export function renderConfigDocs(): string {
  const config = plain(ConfigSchema)
  const parts = [CONFIG_INTRO]
  for (const [section, s] of Object.entries(config.properties!)) {
    const out: Row[] = []
    rows(s, section, false, out)
    parts.push(`### ${section}\n`)
    const [head, ...rest] = out
    if (head!.type === 'object' && head!.meaning) parts.push(`${head!.meaning[0]!.toUpperCase()}${head!.meaning.slice(1)}.\n`)
    // A section that is an object: its description is the paragraph above, its keys the rows.
    const body = (head!.type === 'object' ? rest : out).map((r) => [`\`${r.key}\``, r.type, r.def, r.meaning])
    parts.push(`${table(['key', 'type', 'default', 'meaning'], body)}\n`)
  }
  const env = plain(EnvSchema)
  parts.push(`## Environment variables

Read by every \`deskpulse\` command from the process environment (\`schemas/env.ts\`); an empty
value counts as unset. \`deskpulse start\` generates the missing secrets once into
\`DESKPULSE_DATA_DIR/secrets.env\` (mode 0600). Tokens and keys marked "at least N characters" are
refused when shorter.
`)
  const body = Object.entries(env.properties!).map(([name, s]) => [`\`${name}\``, typeOf(s), envDefaultCell(name), s.description ?? ''])
  body.push(['`DESKPULSE_CONFIG`', 'path', 'unset', 'the configuration file above (JSON or YAML); unset: the defaults'])
  parts.push(`${table(['variable', 'type', 'default', 'meaning'], body)}\n`)
  return parts.join('\n')
}

/**
 * TypeBox lists a key with a default as required, which holds after parseConfig has filled the
 * defaults; an editor sees the file before that, so such keys are optional there.
 */
function optionalDefaults(s: Schema): Schema {
  const out: Schema = { ...s }
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, optionalDefaults(v)]))
    const required = (s.required ?? []).filter((k) => s.properties![k]?.default === undefined)
    if (required.length) out.required = required
    else delete out.required
  }
  if (s.patternProperties) out.patternProperties = Object.fromEntries(Object.entries(s.patternProperties).map(([k, v]) => [k, optionalDefaults(v)]))
  if (s.anyOf) out.anyOf = s.anyOf.map(optionalDefaults)
  if (Array.isArray(s.items)) out.items = s.items.map(optionalDefaults)
  else if (s.items) out.items = optionalDefaults(s.items)
  return out
}

/** The configuration file's JSON Schema for editors: the schema TypeBox validates with, defaults optional. */
export function renderConfigJsonSchema(): string {
  const schema = optionalDefaults(plain(ConfigSchema))
  const out = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'deskpulse configuration',
    description: 'The business rules deskpulse reads from DESKPULSE_CONFIG (docs/configuration.md). GENERATED from schemas/config.ts by npm run config-docs.',
    ...schema,
  }
  return `${JSON.stringify(out, null, 2)}\n`
}

export const GENERATED: ReadonlyArray<readonly [string, () => string]> = [
  [CONFIG_DOCS_FILE, renderConfigDocs],
  [CONFIG_SCHEMA_FILE, renderConfigJsonSchema],
]

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check')
  for (const [file, render] of GENERATED) {
    const path = fileURLToPath(new URL(`../${file}`, import.meta.url))
    const text = render()
    const old = await readFile(path, 'utf8').catch(() => null)
    if (old === text) continue
    if (check) {
      process.stderr.write(`${file} differs from what scripts/config-docs.ts generates: run npm run config-docs\n`)
      process.exitCode = 1
    } else {
      await writeFile(path, text)
      process.stdout.write(`wrote ${file}\n`)
    }
  }
}
