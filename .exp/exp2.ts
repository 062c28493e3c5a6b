import { mkdtemp, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { startNatsCluster } from '../runtime/nats-cluster.js'
import { startNatsServer } from '../runtime/nats-server.js'
import { connectBus } from '../bus/connect.js'
import { ensureStream } from '../bus/stream.js'

const dir = await mkdtemp(path.join(tmpdir(), 'exp-'))
// single server, replicas 3
const single = await startNatsServer({ storeDir: path.join(dir, 's'), port: 24222, monitorPort: 28222 })
const nc1 = await connectBus(single.url, 'x')
try { await ensureStream(nc1, { replicas: 3 }) } catch (e) { const err = e as Error & { code?: number; status?: number }; console.log('single R3:', err.constructor.name, err.message, err.code, err.status) }
await nc1.close(); await single.stop()
// cluster with 1 server killed before stream creation, replicas 3
const cluster = await startNatsCluster({ baseDir: path.join(dir, 'c') })
await cluster.servers[2]!.kill()
const nc = await connectBus(cluster.urls, 'y')
const t0 = Date.now()
try { await ensureStream(nc, { replicas: 3 }) } catch (e) { const err = e as Error & { code?: number; status?: number }; console.log('2-of-3 R3:', Date.now()-t0, err.constructor.name, err.message, err.code, err.status) }
try { await ensureStream(nc, { replicas: 5 }) } catch (e) { const err = e as Error & { code?: number; status?: number }; console.log('R5:', err.constructor.name, err.message, err.code, err.status) }
await nc.close(); await cluster.stop()
// cluster: create stream immediately, without waiting for the cluster readiness: start raw servers
