/**
 * Partition leases (processor/shell/leases.ts) on a real nats-server: claims, balance, clean
 * hand-over, expiry of a dead owner, a refused renewal, and a standby processor that is ready.
 */
import t from 'tap'
import { Kvm } from '@nats-io/kv'
import { jetstreamManager } from '@nats-io/jetstream'
import { createLeases, OWNERS_BUCKET } from '../../processor/shell/leases.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { connectBus } from '../../bus/connect.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')

/** A lease manager whose "runners" are a set of partitions, with the order of starts and stops. */
function instance(nc: Parameters<typeof createLeases>[0], id: string, opts: { partitions?: number; leaseMs?: number; group?: string } = {}) {
  const running = new Set<number>()
  const history: string[] = []
  const leases = createLeases(
    nc,
    { group: opts.group ?? 'g', partitions: opts.partitions ?? 4, leaseMs: opts.leaseMs ?? 1_500, instanceId: id },
    {
      async start(p) {
        running.add(p)
        history.push(`start ${p}`)
      },
      async stop(p, why) {
        running.delete(p)
        history.push(`${why} ${p}`)
      },
    },
    log,
  )
  return { leases, running, history, sorted: () => [...running].sort((a, b) => a - b) }
}

t.test('leases: shared out, handed over on a clean stop, taken over when an owner stops renewing', async (t) => {
  const nats = await startNats(t)
  const a = instance(nats.nc, 'a')
  await a.leases.start()
  t.same(a.sorted(), [0, 1, 2, 3], 'alone, an instance takes every partition')

  const b = instance(nats.nc, 'b')
  await b.leases.start()
  await eventually(async () => (a.running.size === 2 && b.running.size === 2 ? true : undefined), 10_000, 'two each')
  t.same([...a.sorted(), ...b.sorted()].sort(), [0, 1, 2, 3], 'a newcomer gets half: every partition has one owner')
  t.same(a.history.slice(0, 4).sort(), ['start 0', 'start 1', 'start 2', 'start 3'])
  t.same(a.history.slice(4), ['released 3', 'released 2'], 'the first gave back its highest partitions, after stopping them')

  // Another consumer name is another group: it sees every partition free.
  const other = instance(nats.nc, 'o', { group: 'other' })
  await other.leases.start()
  t.same(other.sorted(), [0, 1, 2, 3], 'a processor with another consumer name owns every partition of its own')
  await other.leases.close()

  // A clean stop gives the leases back at once.
  let started = performance.now()
  await b.leases.close()
  t.same(b.running.size, 0, 'the stopped instance runs nothing')
  await eventually(async () => (a.running.size === 4 ? true : undefined), 10_000, 'a to own every partition')
  t.comment(`hand-over after a clean stop: ${Math.round(performance.now() - started)} ms`)

  // An owner whose connection goes (a killed process) loses its leases when they expire.
  const cnc = await connectBus(nats.server.url, 'leases-c')
  const c = instance(cnc, 'c')
  await c.leases.start()
  await eventually(async () => (a.running.size === 2 && c.running.size === 2 ? true : undefined), 10_000, 'two each again')
  const cOwned = c.sorted()
  started = performance.now()
  await cnc.close()
  await eventually(async () => (a.running.size === 4 ? true : undefined), 10_000, 'a to take c’s partitions')
  const takeover = performance.now() - started
  t.comment(`takeover after the owner stopped renewing (lease 1.5 s): ${Math.round(takeover)} ms`)
  t.ok(takeover >= 1_000 && takeover < 4_000, 'within about the lease time')
  t.same(cOwned.every((p) => a.running.has(p)), true, 'a runs the partitions c held')

  // A renewal the bucket refuses (someone else holds the key now) stops the partition at once.
  const kv = await new Kvm(nats.nc).open(OWNERS_BUCKET)
  await kv.put('g.p1', JSON.stringify({ instance: 'intruder' }))
  t.equal(await a.leases.confirm(1), false, 'confirm: refused')
  t.notOk(a.running.has(1), 'partition 1 stopped')
  t.match(a.history.at(-1), 'lost 1')
  t.equal(await a.leases.confirm(0), true, 'confirm on a partition still held: renewed')
  // Its own entry at a newer revision (a renewal stored whose acknowledgement was lost) is adopted.
  await kv.put('g.p0', JSON.stringify({ instance: 'a' }))
  t.equal(await a.leases.confirm(0), true, 'confirm after an unacknowledged renewal of its own: renewed')
  t.ok(a.running.has(0), 'partition 0 kept')
  await kv.delete('g.p1')
  await eventually(async () => (a.running.has(1) ? true : undefined), 10_000, 'partition 1 claimed again once free')
  t.pass('a partition given up is claimed again once its key is free')
  await a.leases.close()
})

t.test('a standby processor (no partition free) is ready, reports zero partitions, and takes over on a clean stop', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const config = parseConfig({ processing: { clock: 'event', lease_seconds: 2 } })
  const make = async (id: string) => {
    const port = await freePort()
    const p = createProcessor({ host: '127.0.0.1', port, config, instanceId: id, runner: { flushIntervalMs: 100 } }, { nc: nats.nc, clickhouse: ch.client, log })
    await p.start()
    return { p, base: `http://127.0.0.1:${port}`, admin: p.privateUrl! }
  }
  const gauge = async (base: string) => Number(/^deskpulse_processor_partitions_owned (\S+)/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1])
  const first = await make('first')
  const standby = await make('standby')
  t.same(first.p.partitions, [0], 'the first owns the one partition')
  t.same(standby.p.partitions, [], 'the second stands by')
  t.equal(await gauge(first.admin), 1)
  t.equal(await gauge(standby.admin), 0, 'deskpulse_processor_partitions_owned 0')
  t.equal((await fetch(`${standby.base}/readyz`)).status, 200, 'a standby is ready')
  t.match(await (await fetch(`${standby.admin}/v1/summary`)).json(), { conversations: { opened: 0 } }, 'its summary is empty')

  await first.p.close()
  await eventually(async () => ((await gauge(standby.admin)) === 1 ? true : undefined), 10_000, 'the standby to take the partition')
  t.same(standby.p.partitions, [0])
  await standby.p.close()
})

t.test('lease rounds leave no NATS consumer behind: the bucket’s consumer count stays constant', async (t) => {
  const nats = await startNats(t)
  const a = instance(nats.nc, 'a', { leaseMs: 1_200 })
  const b = instance(nats.nc, 'b', { leaseMs: 1_200 })
  await a.leases.start()
  await b.leases.start()
  const jsm = await jetstreamManager(nats.nc)
  const consumers = async () => (await jsm.streams.info(`KV_${OWNERS_BUCKET}`)).state.consumer_count
  await eventually(async () => (a.running.size === 2 && b.running.size === 2 ? true : undefined), 10_000, 'two each')
  const before = await consumers()
  // 20 lease rounds of each instance (one every lease/6 = 200 ms): before the fix, one consumer each.
  const rounds = 20
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 200))
  const after = await consumers()
  t.comment(`consumers on KV_${OWNERS_BUCKET}: ${before} before, ${after} after ${rounds} rounds of two instances`)
  t.equal(after, before, 'no consumer created per round is left behind')
  t.equal(after, 0, 'the lease logic keeps no consumer at all')
  // A partition given back is claimable at once: its key is gone, not a delete marker.
  await b.leases.close()
  await eventually(async () => (a.running.size === 4 ? true : undefined), 10_000, 'a to own every partition')
  t.equal(await consumers(), 0, 'still none after a hand-over')
  await a.leases.close()
})
