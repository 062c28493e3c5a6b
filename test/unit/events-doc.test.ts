/**
 * docs/events.md is the event catalogue: every canonical kind (schemas/events.ts) has its section
 * listing each of its fields, and every helpdesk event type (schemas/api-events.ts) and field is
 * documented, so a field added to a schema without its documentation fails here.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { CanonicalEvent } from '../../schemas/events.js'
import { API_EVENT_SCHEMAS } from '../../schemas/api-events.js'

interface Props {
  properties?: Record<string, Props & { const?: unknown }>
}

const ENVELOPE = ['v', 'id', 'at', 'received_at', 'source', 'line', 'customer', 'kind', 'attributes', 'helpdesk_conversation']
/** Fields every conversation event of the API takes: documented once, above the table. */
const API_COMMON = ['id', 'type', 'at', 'line', 'customer', 'helpdesk_conversation']

t.test('every canonical event kind and field is in docs/events.md', async (t) => {
  const page = await readFile(new URL('../../docs/events.md', import.meta.url), 'utf8')
  const envelope = page.slice(page.indexOf('## The canonical event'))
  for (const f of ENVELOPE) t.match(envelope, `| \`${f}\` |`, `envelope field ${f}`)
  for (const schema of CanonicalEvent.anyOf as Props[]) {
    const kind = String(schema.properties!.kind!.const)
    const start = page.indexOf(`### \`${kind}\``)
    t.ok(start >= 0, `${kind} has a section`)
    const section = page.slice(start, page.indexOf('\n### ', start + 1))
    for (const f of Object.keys(schema.properties!).filter((k) => !ENVELOPE.includes(k))) t.match(section, `| \`${f}\` |`, `${kind}.${f} is listed`)
    t.match(section, new RegExp(`"kind":"${kind.replace('.', '\\.')}"`), `${kind} has an example`)
  }
})

t.test('every helpdesk event type and field of POST /v1/events is in docs/events.md', async (t) => {
  const page = await readFile(new URL('../../docs/events.md', import.meta.url), 'utf8')
  const api = page.slice(page.indexOf('## What `POST /v1/events` takes'), page.indexOf('## Which KPI needs which event'))
  const intro = api.slice(0, api.indexOf('| `type` |'))
  for (const f of API_COMMON) t.match(intro, `\`${f}\``, `${f} is documented above the table`)
  for (const [type, schema] of Object.entries(API_EVENT_SCHEMAS) as Array<[string, Props]>) {
    const row = api.split('\n').find((l) => l.startsWith(`| \`${type}\` |`))
    t.ok(row, `${type} has a row`)
    for (const [field, s] of Object.entries(schema.properties!)) {
      if (API_COMMON.includes(field)) continue
      t.match(row ?? '', field, `${type}.${field} is documented`)
      for (const inner of Object.keys(s.properties ?? {})) t.match(row ?? '', inner, `${type}.${field}.${inner} is documented`)
    }
    t.match(api, `"type":"${type}"`, `${type} has an example`)
  }
})
