import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/whatsapp/', import.meta.url))

export interface Fixture {
  file: string
  raw: Buffer
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'MANIFEST.json')
    .sort()
    .map((file) => ({ file, raw: readFileSync(path.join(FIXTURES_DIR, file)) }))
}

export const fixture = (file: string) => JSON.parse(readFileSync(path.join(FIXTURES_DIR, file), 'utf8')) as unknown

type Obj = Record<string, unknown[] | undefined>
/**
 * The kinds of canonical event a payload must give, read off the payload by the rule the README
 * states (one event per item of messages[], statuses[], message_echoes[], calls[], errors[];
 * one event per other change), independently of the ingest's code.
 */
export function expectedKinds(payload: { entry: { changes: { field: string; value: Obj }[] }[] }): string[] {
  const kinds: string[] = []
  const n = (v: unknown[] | undefined) => v?.length ?? 0
  for (const entry of payload.entry) {
    for (const { field, value } of entry.changes) {
      if (field === 'messages' || field === 'smb_message_echoes') {
        kinds.push(...Array(n(value.messages)).fill('message.in'))
        kinds.push(...Array(n(value.statuses)).fill('message.status'))
        kinds.push(...Array(n(value.message_echoes)).fill('message.out'))
      } else if (field === 'calls') {
        kinds.push(...Array(n(value.calls) + n(value.statuses)).fill('whatsapp.update'))
      } else {
        kinds.push('whatsapp.update')
      }
      kinds.push(...Array(n(value.errors)).fill('whatsapp.error'))
    }
  }
  return kinds
}
