import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../schemas/clickhouse/', import.meta.url))

export interface Migration {
  version: number
  name: string
  statements: string[]
}

/** Reads `NNN_name.sql` files in order; statements are separated by `;` at a line end. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort()
  return Promise.all(
    files.map(async (f) => {
      const sql = await readFile(path.join(dir, f), 'utf8')
      const statements = sql
        .split(/;\s*(?:\n|$)/)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter(Boolean)
      return { version: Number(f.slice(0, 3)), name: f.replace(/\.sql$/, ''), statements }
    }),
  )
}

/** Applies the migrations not yet recorded in `schema_migrations`; returns the names applied. */
export async function migrate(client: ClickHouseClient, dir = MIGRATIONS_DIR): Promise<string[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations
      (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version`,
  })
  const res = await client.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' })
  const applied = new Set((await res.json<{ version: number }>()).map((r) => Number(r.version)))
  const done: string[] = []
  for (const m of await loadMigrations(dir)) {
    if (applied.has(m.version)) continue
    // Statements are written idempotently (IF NOT EXISTS), so a crash between a statement and
    // the record below is repaired by running the migration again.
    for (const query of m.statements) await client.command({ query })
    await client.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' })
    done.push(m.name)
  }
  return done
}
