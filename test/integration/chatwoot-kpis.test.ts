/**
 * The Chatwoot fixtures' conversation through a real ingest, nats-server, processor and
 * ClickHouse, its KPIs worked out by hand from the fixtures' timestamps. The customer's two
 * messages arrive from Meta's webhook too: they count once.
 */
import t from 'tap'
import { startNats, startClickHouse, freePort, eventually } from '../helpers/harness.js'
import { startIngest } from '../helpers/ingest.js'
import { textWebhook, postSigned } from '../helpers/webhooks.js'
import { chatwootFixture, chatwootIngestOptions, postChatwoot, CHATWOOT_LINE } from '../helpers/chatwoot.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import type { Summary } from '../../schemas/summary.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
/** The line's deep-link template (lines.<id>.helpdesk_url): Chatwoot's conversation page. */
const HELPDESK_URL = 'https://chatwoot.example.com/app/accounts/1/conversations/{conversation}'

t.test('a Chatwoot conversation, its messages also seen by Meta, gives the hand-worked KPIs once', async (t) => {
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url } = await startIngest(t, nats.nc, chatwootIngestOptions())

  // Meta's webhooks for the two customer messages (16:00:00 and 16:01:30 UTC, whole seconds).
  for (const [id, ts] of [
    ['wamid.HBgMMzkzMzMxMjM0NTY3FQIAEhgUM0VCMDQxNUZBMjY0QzE5QTdBRTAA', 1764000000],
    ['wamid.HBgMMzkzMzMxMjM0NTY3FQIAEhgUM0VCMDg4QjFFNEI3MkE2NkRGNDIA', 1764000090],
  ] as const) {
    t.equal((await postSigned(url, JSON.stringify(textWebhook({ id, ts, from: '393331234567', line: CHATWOOT_LINE })))).status, 200)
  }
  const files = [
    'conversation_created.json',
    'message_created-incoming-text.json', // 16:00:00.412, a duplicate of Meta's 16:00:00
    'conversation_updated-assignee.json', // 16:00:30.250
    'message_created-outgoing-agent.json', // 16:00:45.000
    'message_created-incoming-text-2.json', // 16:01:30.377, a duplicate of Meta's 16:01:30
    'message_created-outgoing-agent-2.json', // 16:02:10.000
    'message_created-private-note.json', // ignored
    'message_updated-outgoing-delivered.json',
    'conversation_status_changed-resolved.json', // 16:03:00
    'message_created-template-csat.json', // 16:03:05, the survey
    'message_updated-csat-rating.json', // 16:05:00, rating 5
  ]
  let duplicates = 0
  for (const f of files) {
    const res = await postChatwoot(url, chatwootFixture(f))
    t.equal(res.status, 200, f)
    duplicates += ((await res.json()) as { duplicates: number }).duplicates
  }
  t.equal(duplicates, 2, "both of Chatwoot's copies of the customer messages were duplicates")

  const processor = createProcessor(
    { host: '127.0.0.1', port: await freePort(), config: parseConfig({ lines: { [CHATWOOT_LINE]: { helpdesk_url: HELPDESK_URL } } }), runner: { flushIntervalMs: 100 } },
    { nc: nats.nc, clickhouse: ch.client, log },
  )
  await processor.start()
  t.teardown(() => processor.close())
  const summary = await eventually(async () => {
    const s = (await (await fetch(`${processor.privateUrl}/v1/summary`)).json()) as Summary
    return s.csat.responses === 1 ? s : undefined
  }, 20_000, 'the summary with the CSAT response')

  t.match(summary.conversations, { opened: 1, resolved: 1, open: 0, reopened: 0 })
  t.same(summary.messages, { in: 2, out: 3 }, 'two customer messages (not four), two agent replies and the survey')
  // FRT: 16:00:00 (Meta's stamp, first to arrive) → 16:00:45 = 45 s.
  t.match(summary.first_response_seconds, { count: 1, mean: 45 })
  // NRT: the customer's 16:01:30 → the reply at 16:02:10 = 40 s.
  t.match(summary.next_response_seconds, { count: 1, mean: 40 })
  // Assignment: 16:00:00 → 16:00:30.250 = 30.25 s.
  t.match(summary.assignment_seconds, { count: 1, mean: 30.25 })
  // First resolution: 16:00:00 → 16:03:00 = 180 s.
  t.match(summary.resolution_seconds, { count: 1, mean: 180 })
  t.same(summary.csat, { responses: 1, percent: 100, mean: 5 })
  t.equal(summary.service_level, 1, 'FRT 45 s is within the 60 s target')
  t.same(summary.escalations, { warnings: 0, breaches: 0 })
  // Resolved once, one agent wrote, and the 7-day repeat window (from 2025-11-24) has passed.
  t.same(summary.fcr, { final: 1, fcr: 1, pending: 0 })

  // Deep link: Meta's copy of the first message came first (no helpdesk id), then Chatwoot's
  // events named its conversation 1021; the row keeps the id and the link from the template.
  const row = await eventually(async () => {
    const res = await ch.client.query({ query: 'SELECT helpdesk_conversation, helpdesk_url, open FROM conversations FINAL', format: 'JSONEachRow' })
    const rows = await res.json<{ helpdesk_conversation: string; helpdesk_url: string; open: number }>()
    return rows.length === 1 && rows[0]!.open === 0 ? rows[0] : undefined
  }, 20_000, 'the resolved conversation row in ClickHouse')
  t.same(row, { helpdesk_conversation: '1021', helpdesk_url: 'https://chatwoot.example.com/app/accounts/1/conversations/1021', open: 0 })
})
