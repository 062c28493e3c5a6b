/**
 * `deskpulse processor` as a child process whose embedded ClickHouse the test can reach: the
 * engine is wired exactly as the CLI wires it (cli/engine.ts), with the store opened here, and
 * IPC messages run SQL on it — `DETACH TABLE` makes the real store fail its writes, a query reads
 * what it holds. Started by test/helpers/processor-process.ts with `store: true`.
 */
import path from 'node:path'
import { loadEnv } from '../../schemas/env.js'
import { loadConfig } from '../../schemas/config.js'
import { createLogger } from '../../cli/logger.js'
import { openClickHouse } from '../../store/clickhouse.js'
import { runEngine } from '../../cli/engine.js'

interface Request {
  id: number
  sql: string
  rows?: boolean
}

const env = loadEnv()
const log = createLogger(env.logLevel)
const ch = await openClickHouse({ embeddedPath: path.resolve(env.dataDir, 'clickhouse') })
const engine = await runEngine(env, loadConfig(process.env.DESKPULSE_CONFIG), { ingest: false, processor: true, localNats: false }, log, { clickhouse: ch })

process.on('message', (m: Request) => {
  const run = m.rows ? ch.client.query({ query: m.sql, format: 'JSONEachRow' }).then((r) => r.json()) : ch.client.command({ query: m.sql }).then(() => [])
  run.then(
    (rows) => process.send?.({ id: m.id, ok: true, rows }),
    (err: Error) => process.send?.({ id: m.id, ok: false, error: err.message }),
  )
})
const stop = async () => {
  await engine.close()
  await ch.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
process.send?.({ ready: true })
