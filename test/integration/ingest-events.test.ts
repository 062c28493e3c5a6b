import t from 'tap'
import { createHmac } from 'node:crypto'
import { startNats } from '../helpers/harness.js'
import { startIngest, streamEvents, streamCount, bearer } from '../helpers/ingest.js'
import { TEST_PII_KEY } from '../helpers/webhooks.js'

/** Stored ids (docs/ingest.md "Privacy"): HMAC-SHA256 of `\0message-id:<id>` under the PII key. */
const mid = (id: string) => createHmac('sha256', TEST_PII_KEY).update(`\u0000message-id:${id}`).digest('hex')

const LINE = '106540352242922'
const CUSTOMER = '393331234567'
const at = '2026-11-24T10:00:05.120Z'
const conv = { line: LINE, customer: CUSTOMER, at }

const EXAMPLES = [
  { id: 'e1', type: 'message.sent', ...conv, message_id: 'wamid.HBgM1', sender: { kind: 'agent', agent_id: 'a-7' } },
  { id: 'e2', type: 'message.sent', ...conv, sender: { kind: 'automation' }, survey: true },
  { id: 'e3', type: 'conversation.assigned', ...conv, agent_id: 'a-7', team: 'billing' },
  { id: 'e4', type: 'conversation.resolved', ...conv, by: { kind: 'agent', agent_id: 'a-7' } },
  { id: 'e5', type: 'conversation.tagged', ...conv, category: 'billing' },
  { id: 'e6', type: 'bot.handoff', ...conv, team: 'support' },
  { id: 'e7', type: 'csat.response', ...conv, score: 4 },
  { id: 'e8', type: 'agent.status', at, agent_id: 'a-7', team: 'billing', status: 'online', capacity: 3 },
]

t.test('/v1/events', async (t) => {
  const nats = await startNats(t)
  const { url, privateUrl } = await startIngest(t, nats.nc)
  const post = (body: unknown, headers: Record<string, string> = bearer()) =>
    fetch(`${url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(body) })

  await t.test('needs the bearer token', async (t) => {
    t.equal((await post(EXAMPLES[0], { 'content-type': 'application/json' })).status, 401)
    const wrong = await post(EXAMPLES[0], bearer('x'.repeat(31)))
    t.equal(wrong.status, 401)
    t.match(await wrong.json(), { error: 'DESKPULSE_ERR_TOKEN' })
    t.equal(await streamCount(nats.nc), 0)
  })

  await t.test('every event type of docs/architecture.md is accepted and mapped', async (t) => {
    const res = await post(EXAMPLES)
    t.equal(res.status, 200)
    t.same(await res.json(), { accepted: 8, duplicates: 0 })
    const stored = await streamEvents(nats.nc)
    const byId = Object.fromEntries(stored.map((s) => [s.msgId, s.event]))
    const customer = createHmac('sha256', TEST_PII_KEY).update(`${LINE}:${CUSTOMER}`).digest('hex')
    t.match(byId[`api:${mid('e1')}`], { kind: 'message.out', sender_kind: 'agent', agent_id: 'a-7', message_id: mid('wamid.HBgM1'), customer, line: LINE, at, source: 'api' })
    t.match(byId[`api:${mid('e2')}`], { kind: 'message.out', sender_kind: 'automation', survey: true, agent_id: null })
    t.match(byId[`api:${mid('e3')}`], { kind: 'conversation.assigned', agent_id: 'a-7', team: 'billing' })
    t.match(byId[`api:${mid('e4')}`], { kind: 'conversation.resolved', by_kind: 'agent', agent_id: 'a-7' })
    t.match(byId[`api:${mid('e5')}`], { kind: 'conversation.tagged', category: 'billing' })
    t.match(byId[`api:${mid('e6')}`], { kind: 'bot.handoff', team: 'support' })
    t.match(byId[`api:${mid('e7')}`], { kind: 'csat.response', score: 4 })
    // agent.status goes to every partition (4 here), the same event in each (ingest/publish.ts).
    const status = stored.filter((s) => s.event.kind === 'agent.status')
    t.same(status.map((s) => [s.msgId, s.subject]).sort(), [0, 1, 2, 3].map((p) => [`api:${mid('e8')}:p${p}`, `deskpulse.ev.${p}.agent.status`]), 'agent.status: one copy per partition')
    for (const s of status) t.match(s.event, { id: `api:${mid('e8')}`, kind: 'agent.status', status: 'online', capacity: 3, line: null, customer: null })
    t.notOk(JSON.stringify(stored).includes(CUSTOMER), 'no raw number stored')
  })

  await t.test('a single event (not an array), unknown fields kept, retries dedup', async (t) => {
    const ev = { id: 'single-1', type: 'csat.response', ...conv, score: 5, crm_ticket: 'T-991' }
    t.same(await (await post(ev)).json(), { accepted: 1, duplicates: 0 })
    t.same(await (await post(ev)).json(), { accepted: 1, duplicates: 1 })
    const last = (await streamEvents(nats.nc)).at(-1)!
    t.match(last.event, { id: `api:${mid('single-1')}`, attributes: { crm_ticket: 'T-991' } })
  })

  await t.test('a bad event rejects the whole request, naming the event index and field', async (t) => {
    const before = await streamCount(nats.nc)
    const cases: [unknown, RegExp][] = [
      [[EXAMPLES[2], EXAMPLES[6], { ...EXAMPLES[3], id: 'bad1', customer: undefined }], /^events\[2\]\.customer: /],
      [[{ ...EXAMPLES[6], id: 'bad2', score: 6 }], /^events\[0\]\.score: /],
      [[EXAMPLES[0], { ...EXAMPLES[0], id: 'bad3', type: 'message.deleted' }], /^events\[1\]\.type: unknown type "message.deleted"/],
      [[{ ...EXAMPLES[0], id: 'bad4', sender: { kind: 'robot' } }], /^events\[0\]\.sender\.kind: /],
      [[{ ...EXAMPLES[0], id: 'bad5', at: 'yesterday' }], /^events\[0\]\.at: /],
      [[{ ...EXAMPLES[7], id: 'bad6', status: 'busy' }], /^events\[0\]\.status: /],
      [[], /^events: the array is empty/],
      [Array.from({ length: 1001 }, (_, i) => ({ ...EXAMPLES[6], id: `many-${i}` })), /at most 1000 events/],
      ['hello', /^events\[0\]: must be an object/],
    ]
    for (const [body, message] of cases) {
      const res = await post(body)
      t.equal(res.status, 400, String(message))
      t.match(await res.json(), { error: 'DESKPULSE_ERR_INVALID_EVENT', message })
    }
    const notJson = await fetch(`${url}/v1/events`, { method: 'POST', headers: bearer(), body: '{"id":' })
    t.equal(notJson.status, 400)
    t.equal(await streamCount(nats.nc), before, 'nothing of a rejected request was published')
  })

  await t.test('1,000 events in one request are accepted', async (t) => {
    const res = await post(Array.from({ length: 1000 }, (_, i) => ({ ...EXAMPLES[6], id: `bulk-${i}` })))
    t.equal(res.status, 200)
    t.same(await res.json(), { accepted: 1000, duplicates: 0 })
  })

  await t.test('the OpenAPI document is generated from the same schemas', async (t) => {
    const doc = (await (await fetch(`${privateUrl}/openapi.json`)).json()) as { openapi: string; paths: Record<string, { post?: { requestBody?: unknown } }> }
    t.match(doc.openapi, /^3\./)
    const body = JSON.stringify(doc.paths['/v1/events']?.post?.requestBody)
    for (const type of ['message.sent', 'conversation.assigned', 'conversation.resolved', 'conversation.tagged', 'bot.handoff', 'csat.response', 'agent.status']) {
      t.match(body, `"${type}"`, `documents ${type}`)
    }
  })
})
