import { Writable } from 'node:stream'
import { jetstreamManager } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { createIngest, type IngestOptions } from '../../ingest/server.js'
import { createLogger } from '../../cli/logger.js'
import { STREAM } from '../../bus/stream.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { freePort, type Teardown } from './harness.js'
import { TEST_SECRET, TEST_VERIFY_TOKEN, TEST_API_TOKEN, TEST_PII_KEY } from './webhooks.js'
import { TWILIO_TEST_TOKEN, TWILIO_NUMBERS } from './twilio.js'
import { DIALOG360_TEST_TOKEN } from './dialog360.js'

/** Everything the ingest logged, for checks that nothing sensitive is in it. */
export function logCapture() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  return { log: createLogger('trace', stream), text: () => lines.join('') }
}

export async function startIngest(t: Teardown, nc: NatsConnection, overrides: Partial<IngestOptions> = {}, log = createLogger('silent')) {
  const ingest = createIngest(
    {
      host: '127.0.0.1',
      port: await freePort(),
      appSecrets: [TEST_SECRET],
      verifyToken: TEST_VERIFY_TOKEN,
      apiToken: TEST_API_TOKEN,
      piiKey: TEST_PII_KEY,
      storeText: false,
      partitions: 4,
      twilio: { authTokens: [TWILIO_TEST_TOKEN], numbers: TWILIO_NUMBERS },
      dialog360Tokens: [DIALOG360_TEST_TOKEN],
      ...overrides,
    },
    { nc, log },
  )
  const url = await ingest.start()
  t.teardown(() => ingest.close())
  /** The private listener (/metrics, /openapi.json): loopback, a free port. */
  const privateUrl = ingest.privateUrl!
  return { ingest, url, privateUrl }
}

export interface StreamedEvent {
  seq: number
  subject: string
  msgId: string | undefined
  event: CanonicalEvent
}

/** The stream's messages after sequence `after`, in order. */
export async function streamEvents(nc: NatsConnection, after = 0): Promise<StreamedEvent[]> {
  const jsm = await jetstreamManager(nc)
  const last = (await jsm.streams.info(STREAM)).state.last_seq
  const out: StreamedEvent[] = []
  for (let seq = after + 1; seq <= last; seq++) {
    const m = await jsm.streams.getMessage(STREAM, { seq })
    if (!m) continue
    out.push({ seq, subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), event: m.json<CanonicalEvent>() })
  }
  return out
}

export async function streamCount(nc: NatsConnection): Promise<number> {
  const jsm = await jetstreamManager(nc)
  return (await jsm.streams.info(STREAM)).state.messages
}

export const bearer = (token = TEST_API_TOKEN) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
