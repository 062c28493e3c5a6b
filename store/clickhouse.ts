import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'

export type { ClickHouseClient }

export interface ClickHouseOptions {
  /** A ClickHouse server (its path may name the database). Unset: embedded ClickHouse. */
  url?: string | undefined
  /** Data directory of the embedded engine. */
  embeddedPath?: string
}

export interface ClickHouseHandle {
  client: ClickHouseClient
  embedded: boolean
  close(): Promise<void>
}

/**
 * One @clickhouse/client for both cases: a server over HTTP, or embedded ClickHouse (chdb)
 * injected as the client's connection, so the same SQL and code run on both.
 * chdb binds one data directory per process: open it once and share the handle.
 */
export async function openClickHouse(opts: ClickHouseOptions): Promise<ClickHouseHandle> {
  if (opts.url) {
    // The client's own logger prints a stack per failed request; our components log each failure
    // once, with what it means (retrying, the live path goes on).
    const client = createClient({ url: opts.url, request_timeout: 30_000, log: { level: ClickHouseLogLevel.OFF } })
    return { client, embedded: false, close: () => client.close() }
  }
  const dir = path.resolve(opts.embeddedPath ?? './data/clickhouse')
  await mkdir(dir, { recursive: true })
  const { createChdbConnection } = await import('chdb/connection')
  // chdb types its connection against @clickhouse/client-common, which the client now bundles
  // under another path: the shapes are the same, the declarations are not.
  type Connection = NonNullable<Parameters<typeof createClient>[0]>['connection']
  const client = createClient({ connection: createChdbConnection({ path: dir }) as unknown as Connection })
  return { client, embedded: true, close: () => client.close() }
}
