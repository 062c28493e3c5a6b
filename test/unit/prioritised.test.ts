/**
 * `conversation.prioritised` (docs/events.md, docs/sla.md) from its two sources: POST /v1/events'
 * validation and normalisation, and Chatwoot's conversation priority (conversation_updated).
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { Value } from '@sinclair/typebox/value'
import '../../schemas/formats.js'
import { ApiEvent } from '../../schemas/api-events.js'
import { CanonicalEvent } from '../../schemas/events.js'
import { normaliseApiEvent } from '../../ingest/helpdesk/normalise.js'
import { normaliseChatwoot } from '../../ingest/chatwoot/normalise.js'
import { createCustomerKeyer } from '../../ingest/pii.js'

const keyCustomer = createCustomerKeyer('prioritised-test')
const receivedAt = '2026-11-24T10:01:00.010Z'
const api = { id: 'p1', type: 'conversation.prioritised', at: '2026-11-24T10:01:00Z', line: '106540352242922', customer: '393331234567', priority: 'urgent', tier: 'vip' }

t.test('POST /v1/events: conversation.prioritised is validated and normalised', async (t) => {
  t.ok(Value.Check(ApiEvent, api))
  t.notOk(Value.Check(ApiEvent, { ...api, priority: 'critical' }), 'an unknown priority is refused')
  t.notOk(Value.Check(ApiEvent, { ...api, tier: 'VIP gold' }), 'a tier that is no label value is refused')
  const e = normaliseApiEvent(api as ApiEvent, { keyCustomer, storeText: false, receivedAt })
  t.match(e, { kind: 'conversation.prioritised', priority: 'urgent', tier: 'vip', line: '106540352242922' })
  t.ok(Value.Check(CanonicalEvent, e), 'a valid canonical event')
  t.notOk('attributes' in e, 'priority and tier are interpreted, not kept as attributes')
  const { tier: _tier, ...noTier } = api
  t.match(normaliseApiEvent(noTier as ApiEvent, { keyCustomer, storeText: false, receivedAt }), { tier: null })
})

t.test("Chatwoot: a conversation's priority change becomes conversation.prioritised", async (t) => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/chatwoot/conversation_updated-assignee.json', import.meta.url), 'utf8')) as Record<string, unknown>
  const of = (current: string | null) => {
    const body = { ...fixture, priority: current, changed_attributes: [{ priority: { previous_value: null, current_value: current } }] }
    return normaliseChatwoot(body, { keyCustomer, storeText: false, receivedAt, inboxes: { '7': 'L7' } }).events
  }
  t.match(of('urgent'), [{ kind: 'conversation.prioritised', priority: 'urgent', tier: null, line: 'L7' }])
  t.match(of('medium'), [{ kind: 'conversation.prioritised', priority: 'normal' }], 'medium is normal')
  t.match(of(null), [{ kind: 'conversation.prioritised', priority: 'normal' }], 'no priority is normal')
  t.match(of('low'), [{ kind: 'conversation.prioritised', priority: 'low' }])
  t.equal(of('high')[0]!.id === of('low')[0]!.id, false, 'one id per change')
})
