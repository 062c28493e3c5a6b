/**
 * The processor's /readyz follows the NATS connection (bus/connection-state.ts): not ready while
 * the client is reconnecting to a stopped nats-server, ready again once it is back.
 */
import t from 'tap'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { connectBus } from '../../bus/connect.js'
import { trackConnection } from '../../bus/connection-state.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')

t.test('the processor is not ready while NATS is reconnecting, and ready again once it is back', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  // The processor's own connection, as `deskpulse processor` opens it (reconnecting forever).
  const nc = await connectBus(nats.server.url, 'readiness-test')
  t.teardown(() => nc.close().catch(() => {}))
  const state = trackConnection(nc)
  t.teardown(() => state.close())
  const port = await freePort()
  const processor = createProcessor({ host: '127.0.0.1', port, config: parseConfig({ processing: { clock: 'event' } }) }, { nc, clickhouse: ch.client, log })
  await processor.start()
  t.teardown(() => processor.close())
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`)
    return { status: res.status, body: (await res.json()) as { reason?: string } }
  }
  t.equal((await readyz()).status, 200, 'ready with NATS up')
  t.equal(state.connected, true, 'trackConnection: connected')

  await nats.server.stop()
  const down = await eventually(async () => {
    const r = await readyz()
    return r.status === 503 ? r : undefined
  }, 15_000, '/readyz to answer 503')
  t.match(down.body, { status: 'not ready', reason: 'NATS reconnecting' }, '503 naming the reconnection')
  t.equal(state.connected, false, 'trackConnection: not connected during the outage')

  await nats.restart()
  await eventually(async () => ((await readyz()).status === 200 ? true : undefined), 20_000, '/readyz to answer 200 again')
  t.pass('ready again once the client has reconnected')
  t.equal(state.connected, true, 'trackConnection: connected again')
})
