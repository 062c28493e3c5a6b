/**
 * A WhatsApp-only line (replies_from: statuses, docs/whatsapp-only.md) fed by Meta's webhooks
 * alone, through a real ingest, nats-server, processor and ClickHouse: the business's replies are
 * known from a status webhook and from a coexistence echo. Figures worked out by hand from the
 * webhook times below.
 */
import t from 'tap'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { textWebhook, statusWebhook, echoWebhook, postSigned } from '../helpers/webhooks.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import type { Summary } from '../../schemas/summary.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const LINE = '106540352242922'

t.test('Meta webhooks only: FRT of the first business message, no false breach', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url } = await startIngest(t, nats.nc)
  // Ten minutes ago: the escalation limit (300 s) has passed for every chat by now.
  const base = Math.floor(Date.now() / 1000) - 600
  const post = async (body: unknown) => t.equal((await postSigned(url, JSON.stringify(body))).status, 200)
  // c1 is answered through the Cloud API by software deskpulse does not see: only its statuses.
  await post(textWebhook({ line: LINE, from: '393330000001', id: 'wamid.only-in-1', ts: base }))
  await post(statusWebhook({ line: LINE, to: '393330000001', id: 'wamid.only-out-1', status: 'sent', ts: base + 40 }))
  await post(statusWebhook({ line: LINE, to: '393330000001', id: 'wamid.only-out-1', status: 'delivered', ts: base + 41 }))
  await post(statusWebhook({ line: LINE, to: '393330000001', id: 'wamid.only-out-1', status: 'read', ts: base + 60 }))
  // c2 is answered from the WhatsApp Business app (coexistence): an echo, then its status.
  await post(textWebhook({ line: LINE, from: '393330000002', id: 'wamid.only-in-2', ts: base }))
  await post(echoWebhook({ line: LINE, to: '393330000002', id: 'wamid.only-echo-2', ts: base + 25 }))
  await post(statusWebhook({ line: LINE, to: '393330000002', id: 'wamid.only-echo-2', status: 'sent', ts: base + 25 }))
  // c3 is never answered.
  await post(textWebhook({ line: LINE, from: '393330000003', id: 'wamid.only-in-3', ts: base }))

  const config = parseConfig({ lines: { [LINE]: { replies_from: 'statuses' } } })
  const processor = createProcessor({ host: '127.0.0.1', port: await freePort(), config, runner: { flushIntervalMs: 100 } }, { nc: nats.nc, clickhouse: ch.client, log })
  await processor.start()
  t.teardown(() => processor.close())
  const s = await eventually(async () => {
    const x = (await (await fetch(`${processor.privateUrl}/v1/summary`)).json()) as Summary
    return x.escalations.breaches >= 1 && x.first_response_seconds.count >= 2 ? x : undefined
  }, 20_000, 'two first responses and a breach')
  // FRT: c1 40 s (its first status), c2 25 s (the echo); mean 32.5.
  t.match(s.first_response_seconds, { count: 2, mean: 32.5 })
  t.equal(s.escalations.breaches, 1, 'only c3, never answered')
  t.equal(s.messages.out, 2, 'one inferred reply and one echo; the echo\'s status is not another')
  t.same(s.backlog, { bot: 0, unassigned: 1, awaiting_agent: 0, awaiting_customer: 2 })

  const metrics = await (await fetch(`${processor.privateUrl}/metrics`)).text()
  t.match(metrics, `helpdesk_line_info{line="${LINE}",replies_from="statuses"} 1`)
  t.match(metrics, `helpdesk_messages_total{line="${LINE}",direction="out",sender_kind="unknown"} 1`, 'the inferred reply: sender unknown')
  t.match(metrics, `helpdesk_messages_total{line="${LINE}",direction="out",sender_kind="app"} 1`, 'the echo')
})
