import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { jetstreamManager, jetstream } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import { startNatsCluster } from '../runtime/nats-cluster.js'
import { connectBus } from '../bus/connect.js'
import { ensureStream, STREAM } from '../bus/stream.js'

const t0 = Date.now()
const dir = await mkdtemp(path.join(tmpdir(), 'exp-'))
const cluster = await startNatsCluster({ baseDir: dir })
console.log('cluster ready in', Date.now() - t0, 'ms', cluster.urls, 'meta', await cluster.metaLeader())
const nc = await connectBus(cluster.urls, 'exp')
console.log('connected to', nc.getServer())
;(async () => { for await (const s of nc.status()) console.log(Date.now() - t0, 'status', s.type, JSON.stringify(s).slice(0, 200)) })()
const t1 = Date.now()
for (let i = 0; ; i++) {
  try { await ensureStream(nc, { replicas: 3 }); break } catch (e) { console.log('ensureStream err', (e as Error).message); await new Promise(r => setTimeout(r, 200)) }
}
console.log('stream in', Date.now() - t1)
const jsm = await jetstreamManager(nc)
const info = await jsm.streams.info(STREAM)
console.log('leader', info.cluster?.leader, info.cluster?.replicas)
const js = jetstream(nc, { timeout: 2000 })
let n = 0; let lastErr = false; let killAt = 0
const errors: Record<string, number> = {}
const victim = cluster.servers.find(s => s.name === info.cluster?.leader)!
setTimeout(() => { console.log(Date.now() - t0, 'KILL', victim.name, 'connected to', nc.getServer()); killAt = Date.now(); void victim.kill() }, 1000)
const end = Date.now() + 12_000
while (Date.now() < end) {
  const id = `m${n++}`
  const h = headers(); h.set('Nats-Msg-Id', id)
  const s = Date.now()
  try {
    await js.publish('deskpulse.ev.0.x', new TextEncoder().encode(id), { headers: h, timeout: 2000 })
    const d = Date.now() - s
    if (d > 100 || lastErr) console.log(Date.now() - t0, 'ok', id, d, 'gap since kill', Date.now() - killAt)
    lastErr = false
  } catch (e) {
    const err = e as Error
    const k = `${err.constructor.name}: ${err.message}`
    errors[k] = (errors[k] ?? 0) + 1; lastErr = true
    if (errors[k] < 4) console.log(Date.now() - t0, 'ERR', id, Date.now() - s, 'ms', k, (err as {cause?: Error}).cause?.message)
  }
  await new Promise(r => setTimeout(r, 10))
}
console.log(errors)
const info2 = await jsm.streams.info(STREAM)
console.log('leader now', info2.cluster?.leader, JSON.stringify(info2.cluster?.replicas), info2.state.messages, 'of', n)
await nc.close()
await cluster.stop()
