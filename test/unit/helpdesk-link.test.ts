/**
 * Deep links to the helpdesk (issue 16): the helpdesk's conversation id (its rules, from
 * POST /v1/events and from Chatwoot), the line's helpdesk_url template (config and filling), and
 * the core keeping the id for the alert, the wallboard and the conversations row.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { helpdeskConversationProblem, helpdeskUrl, helpdeskUrlProblem, renderHelpdeskUrl } from '../../schemas/helpdesk.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { validateApiEvents } from '../../ingest/helpdesk/validate.js'
import { normaliseApiEvent } from '../../ingest/helpdesk/normalise.js'
import { normaliseChatwoot } from '../../ingest/chatwoot/normalise.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { createRowCollector } from '../../processor/sinks/collect.js'
import type { Effect } from '../../processor/core/effects.js'
import { ev, T0 } from '../helpers/events.js'
import { CHATWOOT_FIXTURES_DIR, CHATWOOT_LINE } from '../helpers/chatwoot.js'
import { TEST_PII_KEY } from '../helpers/webhooks.js'

const CHATWOOT = 'https://chatwoot.example.com/app/accounts/1/conversations/{conversation}'
const withHc = (e: CanonicalEvent, id: string) => ({ ...e, helpdesk_conversation: id }) as CanonicalEvent

t.test('the helpdesk conversation id: an id, never a phone number', async (t) => {
  for (const ok of ['42', '1021', 'cnv_8f2a-1', 'T:77.a~b', '12345678', 'x'.repeat(64)]) t.equal(helpdeskConversationProblem(ok), null, `${ok.slice(0, 12)} is accepted`)
  t.match(helpdeskConversationProblem('123456789'), /9 or more digits/, 'nine digits in a row could be a number')
  t.match(helpdeskConversationProblem('wa-393331234567'), /9 or more digits/, 'a wa_id inside an id')
  t.match(helpdeskConversationProblem('a b'), /A–Z a–z 0–9/, 'a space')
  t.match(helpdeskConversationProblem('a/b'), /A–Z a–z 0–9/, 'a slash')
  t.match(helpdeskConversationProblem('a\nb'), /A–Z a–z 0–9/, 'a line feed')
  t.match(helpdeskConversationProblem(''), /1–64/, 'empty')
  t.match(helpdeskConversationProblem('x'.repeat(65)), /1–64/, '65 characters')
  // The customer 393331234567 (Italy): its national number 3331234567 is 10 digits, over the
  // run limit anyway; 7 of its digits in a row (3331234) are still the customer's number.
  t.match(helpdeskConversationProblem('c-3331234', '393331234567'), /customer's number/, "seven of the customer's digits")
  t.match(helpdeskConversationProblem('12345678', '4512345678'), /customer's number/, 'a Danish national number, 8 digits, of this customer')
  t.equal(helpdeskConversationProblem('87654321', '393331234567'), null, "eight digits that are not the customer's")
  t.equal(helpdeskConversationProblem('333123', '393331234567'), null, 'six of its digits are too few to say')
})

t.test('a link: the template filled with the id, URL-encoded', async (t) => {
  t.equal(renderHelpdeskUrl(CHATWOOT, '42'), 'https://chatwoot.example.com/app/accounts/1/conversations/42')
  t.equal(renderHelpdeskUrl('https://desk.example.com/t?id={conversation}&again={conversation}', 'a:b~c'), 'https://desk.example.com/t?id=a%3Ab~c&again=a%3Ab~c', 'every placeholder, : encoded, ~ kept')
  t.equal(renderHelpdeskUrl('https://desk.example.com/t/{conversation}', '../admin'), 'https://desk.example.com/t/..%2Fadmin', 'a slash cannot climb the path')
  const lines = { L1: { helpdesk_url: CHATWOOT }, L2: {} }
  t.equal(helpdeskUrl(lines, 'L1', '7'), 'https://chatwoot.example.com/app/accounts/1/conversations/7')
  t.equal(helpdeskUrl(lines, 'L1', null), null, 'no id, no link')
  t.equal(helpdeskUrl(lines, 'L2', '7'), null, 'a line without a template')
  t.equal(helpdeskUrl(lines, 'L9', '7'), null, 'a line not in the config')
  t.equal(helpdeskUrl(lines, '__proto__', '7'), null, 'not a property of every object')
})

t.test('lines.<id>.helpdesk_url: an http(s) URL with {conversation}, else start-up stops naming it', async (t) => {
  t.equal(parseConfig({ lines: { L1: { helpdesk_url: CHATWOOT } } }).lines.L1!.helpdesk_url, CHATWOOT)
  t.equal(parseConfig({ lines: { L1: { helpdesk_url: 'http://10.0.0.5:3000/#/tickets/{conversation}' } } }).lines.L1!.helpdesk_url, 'http://10.0.0.5:3000/#/tickets/{conversation}', 'http, a port and a fragment')
  const refused: Array<[string, RegExp, string]> = [
    ['https://chatwoot.example.com/app/accounts/1/conversations/', /must contain \{conversation\}/, 'no placeholder'],
    ['javascript:alert({conversation})', /http or https URL, not javascript:/, 'javascript:'],
    ['ftp://files.example.com/{conversation}', /http or https URL, not ftp:/, 'ftp'],
    ['/app/conversations/{conversation}', /not an absolute URL/, 'a relative URL'],
    ['https://{conversation}.example.com/', /must be in the path, query or fragment/, 'the id in the host'],
    ['https://user:secret@desk.example.com/{conversation}', /no user or password/, 'credentials'],
    [`https://desk.example.com/${'x'.repeat(2100)}/{conversation}`, /longer than 2048 characters/, 'too long'],
  ]
  for (const [template, message, what] of refused) {
    t.throws(() => parseConfig({ lines: { L1: { helpdesk_url: template } } }), { code: 'DESKPULSE_ERR_CONFIG', message: /invalid config field lines\.L1\.helpdesk_url/ }, `${what}: names the field`)
    t.match(helpdeskUrlProblem(template), message, `${what}: says why`)
  }
})

t.test('POST /v1/events: helpdesk_conversation is validated and reaches the envelope', async (t) => {
  const base = { id: 'e1', type: 'conversation.assigned', at: '2026-11-24T10:00:02Z', line: '106540352242922', customer: '393331234567', agent_id: 'a-7' }
  const [valid] = validateApiEvents({ ...base, helpdesk_conversation: '4821' })
  const keyCustomer = createCustomerKeyer(TEST_PII_KEY)
  const e = normaliseApiEvent(valid!, { keyCustomer, storeText: false, receivedAt: '2026-11-24T10:00:02.100Z' })
  t.equal(e.helpdesk_conversation, '4821', 'on the canonical event')
  t.equal(e.attributes, undefined, 'not kept again among the unknown fields')
  t.equal(normaliseApiEvent(validateApiEvents(base)[0]!, { keyCustomer, storeText: false, receivedAt: '2026-11-24T10:00:02.100Z' }).helpdesk_conversation, undefined, 'absent when not sent')

  const refusal = (hc: unknown, i = 0) => {
    try {
      validateApiEvents([base, { ...base, id: 'e2', helpdesk_conversation: hc }].slice(0, i + 1))
      return null
    } catch (err) {
      return err as { code: string; statusCode?: number; message: string }
    }
  }
  t.match(refusal('393331234567', 1), { code: 'DESKPULSE_ERR_INVALID_EVENT', message: /^events\[1\]\.helpdesk_conversation: holds 9 or more digits/ }, "the customer's wa_id as the id")
  t.match(refusal('t-3331234', 1), { message: /^events\[1\]\.helpdesk_conversation: holds the customer's number/ })
  t.match(refusal('a/b', 1), { message: /^events\[1\]\.helpdesk_conversation/ }, 'a slash')
  t.match(refusal(42, 1), { message: /^events\[1\]\.helpdesk_conversation/ }, 'a number, not a string')
  // agent.status has no conversation: the field is neither validated nor kept there.
  const status = normaliseApiEvent(validateApiEvents({ id: 'e3', type: 'agent.status', at: '2026-11-24T10:00:02Z', agent_id: 'a-7', status: 'online', helpdesk_conversation: '393331234567' })[0]!, { keyCustomer, storeText: false, receivedAt: '2026-11-24T10:00:02.100Z' })
  t.notOk('helpdesk_conversation' in status, 'not on an agent.status event')
  t.equal(status.attributes, undefined, 'nor among its attributes')
})

t.test('Chatwoot: every event names the display id; one that could be a number is left out', async (t) => {
  const keyCustomer = createCustomerKeyer(TEST_PII_KEY)
  const opts = { keyCustomer, storeText: false, receivedAt: '2025-11-24T16:10:00.000Z', inboxes: { '7': CHATWOOT_LINE } }
  const fixture = (f: string) => JSON.parse(readFileSync(`${CHATWOOT_FIXTURES_DIR}${f}`, 'utf8')) as Record<string, unknown> & { conversation: Record<string, unknown> }
  const message = fixture('message_created-incoming-text.json')
  t.equal(normaliseChatwoot(message, opts).events[0]!.helpdesk_conversation, '1021', 'message: conversation.id')
  const assigned = fixture('conversation_updated-assignee.json')
  t.equal(normaliseChatwoot(assigned, opts).events[0]!.helpdesk_conversation, '1021', 'conversation event: its id')
  const huge = { ...message, conversation: { ...message.conversation, id: 393331234567 } }
  const [e] = normaliseChatwoot(huge, opts).events
  t.equal(e!.kind, 'message.in', 'the message still counts')
  t.notOk('helpdesk_conversation' in e!, 'a 12-digit id is never stored')
})

t.test('the core keeps the latest id; rows, escalations and waiting chats carry it', async (t) => {
  const config = parseConfig({ lines: { L1: { team: 'support', helpdesk_url: CHATWOOT } } })
  const p = createKpiPipeline(config, 0)
  const collector = createRowCollector(config)
  const push = (e: CanonicalEvent) => {
    p.push(e)
    p.catchUp()
  }
  // c1 opens with no id, is assigned in helpdesk conversation 17, the customer writes again from
  // conversation 18 (the helpdesk made a new one); c2 never names one.
  push(ev.in(0, { c: 'c1' }))
  push(withHc(ev.assigned(10, 'a1', { c: 'c1' }), '17'))
  push(withHc(ev.in(20, { c: 'c1' }), '18'))
  push(ev.in(30, { c: 'c2' }))
  const { rows } = collector.collect(p.engine, 1)
  const row = (c: string) => rows.conversations.find((r) => r.customer === c)!
  t.match(row('c1'), { helpdesk_conversation: '18', helpdesk_url: 'https://chatwoot.example.com/app/accounts/1/conversations/18' })
  t.match(row('c2'), { helpdesk_conversation: '', helpdesk_url: '' })

  // Breach at 300 s of waiting (escalate_after), for c1 from 0 s and c2 from 30 s.
  p.engine.advance(T0 + 331_000)
  const breaches = (p.engine.drainEffects() as Effect[]).filter((e): e is Extract<Effect, { type: 'escalation' }> => e.type === 'escalation' && e.level === 'breach')
  t.same(breaches.map((e) => [e.customer, 'helpdesk' in e ? e.helpdesk : 'absent']), [['c1', '18'], ['c2', 'absent']], 'only when known (effects wait in memory until drained)')
  t.same(p.engine.view.convs.get('L1|c1')!.helpdeskConversation, '18')
})
