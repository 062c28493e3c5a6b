import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { startIngest, streamEvents, bearer } from '../helpers/ingest.js'
import { postTwilio, twilioFixture, TWILIO_LINE } from '../helpers/twilio.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const REPLY_SID = 'SM66666666666666666666666666666666'
const TEMPLATE_SID = 'SM77777777777777777777777777777777'

/**
 * A Twilio line with its helpdesk feeding the agents' side (Twilio's inbound webhook never shows
 * the business's replies). Twilio's webhooks carry no time, so the customer's messages are dated
 * when received; the helpdesk's events are dated from those, which makes every figure exact.
 *
 *   tA          customer A writes (Twilio)                           conversation A opens
 *   tA + 1 s    agent a-1 replies (helpdesk, sent through Twilio as SM6666…)   FRT 1 s
 *   tA + 2 s    a-1 resolves A (helpdesk)                             resolution 2 s
 *   tA + 2.05 s survey to A (helpdesk, automation)
 *   later       Twilio: SM6666 sent, delivered, read, read again (a retry)
 *   later       customer B writes (Twilio, a location)                 B waits, unassigned
 *   later       A answers "5" (Twilio)                                CSAT 5, nothing reopens
 *   later       a template to C (helpdesk, SM7777), Twilio: undelivered 63016; another message failed 63003
 */
t.test('Twilio webhooks through the real ingest and NATS into the processor: KPIs as worked by hand', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url } = await startIngest(t, nats.nc)
  const processor = createProcessor(
    { host: '127.0.0.1', port: await freePort(), config: parseConfig({}), runner: { flushIntervalMs: 100 } },
    { nc: nats.nc, clickhouse: ch.client, log },
  )
  await processor.start()
  t.teardown(() => processor.close())

  const twilio = async (file: string) => t.equal((await postTwilio(url, twilioFixture(file))).status, 200, file)
  const helpdesk = async (events: unknown[]) => {
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: bearer(), body: JSON.stringify(events) })
    t.equal(res.status, 200, `${events.length} helpdesk events`)
  }

  await twilio('inbound-text.json')
  const tA = Date.parse((await streamEvents(nats.nc)).at(-1)!.event.at)
  const iso = (ms: number) => new Date(ms).toISOString()
  await sleep(Math.max(0, tA + 2_100 - Date.now()))
  const A = { line: TWILIO_LINE, customer: '14155550101' }
  await helpdesk([
    { id: 'k1', type: 'message.sent', at: iso(tA + 1_000), ...A, message_id: REPLY_SID, sender: { kind: 'agent', agent_id: 'a-1' } },
    { id: 'k2', type: 'conversation.resolved', at: iso(tA + 2_000), ...A, by: { kind: 'agent', agent_id: 'a-1' } },
    { id: 'k3', type: 'message.sent', at: iso(tA + 2_050), ...A, message_id: 'SMeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', sender: { kind: 'automation' }, survey: true },
  ])
  for (const file of ['status-sent.json', 'status-delivered.json', 'status-read.json', 'status-read.json']) await twilio(file)
  await twilio('inbound-location.json')
  await twilio('inbound-csat-digit.json')
  await helpdesk([{ id: 'k4', type: 'message.sent', at: new Date().toISOString(), line: TWILIO_LINE, customer: '14155550103', message_id: TEMPLATE_SID, sender: { kind: 'automation' } }])
  await twilio('status-undelivered.json')
  await twilio('status-failed.json')

  interface Summary {
    conversations: { opened: number }
    csat: { responses: number }
    delivery: { read: number; failed: number }
    first_response_seconds: { mean: number | null }
    resolution_seconds: { mean: number | null }
    oldest_waiting_seconds: number | null
  }
  let last: Summary | undefined
  const summary = await eventually(async () => {
    const s = (last = (await (await fetch(`${processor.privateUrl}/v1/summary`)).json()) as Summary)
    return s.csat.responses === 1 && s.delivery.failed === 2 && s.delivery.read === 1 && s.conversations.opened === 2 ? s : undefined
  }, 30_000, 'the summary to take every event').catch((err: Error) => {
    t.comment(JSON.stringify(last))
    throw err
  })
  t.match(summary, {
    conversations: { opened: 2, resolved: 1, open: 1, reopened: 0 },
    messages: { in: 3, out: 3 },
    backlog: { bot: 0, unassigned: 1, awaiting_agent: 0, awaiting_customer: 0 },
    first_response_seconds: { count: 1 },
    resolution_seconds: { count: 1 },
    csat: { responses: 1, percent: 100, mean: 5 },
    service_level: 1,
    escalations: { warnings: 0, breaches: 0 },
    delivery: {
      sent: 0,
      delivered: 0,
      read: 1,
      failed: 2,
      failures_by_code: { 63003: 1, 63016: 1 },
      by_sender_kind: { agent: { read: 1, failed: 0 }, automation: { failed: 1, read: 0 } },
    },
  })
  // Exact values: event times are the Twilio receipt time and the helpdesk's offsets from it.
  t.equal(summary.first_response_seconds.mean, 1)
  t.equal(summary.resolution_seconds.mean, 2)
  t.ok(summary.oldest_waiting_seconds !== null && summary.oldest_waiting_seconds >= 0, 'B is waiting')

  // The store has every event once, each with where it came from.
  const bySource = await eventually(async () => {
    const r = await ch.client.query({ query: 'SELECT source, count() AS n FROM events GROUP BY source ORDER BY source', format: 'JSONEachRow' })
    const rows = await r.json<{ source: string; n: string }>()
    return rows.reduce((a, x) => a + Number(x.n), 0) === 12 ? rows : undefined
  }, 20_000, '12 rows in ClickHouse')
  // Twilio: 3 inbound + sent/delivered/read (the retried read is one) + 2 failures = 8; helpdesk: 4.
  t.same(bySource.map((r) => [r.source, Number(r.n)]), [['api', 4], ['twilio', 8]])

  const metrics = await (await fetch(`${processor.privateUrl}/metrics`)).text()
  t.match(metrics, new RegExp(`helpdesk_messages_total\\{line="${TWILIO_LINE}",direction="in",sender_kind="customer"\\} 3\\b`))
  t.match(metrics, new RegExp(`helpdesk_conversations_opened_total\\{line="${TWILIO_LINE}"\\} 2\\b`))
})
