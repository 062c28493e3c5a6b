/**
 * The ingest in a worker thread (cli/ingest-thread-host.ts): its own NATS connection, its own
 * public and private listeners, the same options as in the main thread (cli/engine.ts).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { connectBus } from '../bus/connect.js'
import { createIngest } from '../ingest/server.js'
import { ingestOptions } from './ingest-options.js'
import { createThreadLogger } from './logger.js'
import type { IngestThreadData, IngestThreadMessage } from './ingest-thread-host.js'

const data = workerData as IngestThreadData
const port = parentPort!
const post = (m: IngestThreadMessage) => port.postMessage(m)
const log = createThreadLogger(data.log)

try {
  const nc = await connectBus(data.natsUrl, 'deskpulse-ingest')
  const ingest = createIngest(ingestOptions(data.env, data.config, true), { nc, log })
  await ingest.start()
  port.on('message', (m: unknown) => {
    if (m !== 'stop') return
    void (async () => {
      try {
        await ingest.close()
        await nc.drain()
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, 'ingest thread: close failed')
      }
      post({ stopped: true })
      port.close()
    })()
  })
  post({ ready: true })
} catch (err) {
  post({ error: (err as Error).message })
  port.close()
}
