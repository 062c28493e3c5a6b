import t from 'tap'
import { liveSchedule } from '../../cli/simulate/live.js'

// The simulated Monday 2026-11-23 in Europe/Rome (UTC+1): 18:00 there is 17:00Z.
const sec = (iso: string) => String(Date.parse(iso) / 1000)
const lines = [
  JSON.stringify({ event: { id: 'sim1-000001', type: 'agent.status', at: '2026-11-23T07:00:00.000Z', agent_id: 'a-1', team: 'billing', status: 'online', capacity: 3 } }),
  JSON.stringify({ event: { id: 'sim1-000002', type: 'agent.status', at: '2026-11-23T07:10:00.000Z', agent_id: 'a-2', team: 'sales', status: 'online', capacity: 3 } }),
  JSON.stringify({ event: { id: 'sim1-000003', type: 'agent.status', at: '2026-11-23T16:00:00.000Z', agent_id: 'a-2', team: 'sales', status: 'away', capacity: 3 } }),
  JSON.stringify({ webhook: { object: 'whatsapp_business_account', entry: [{ changes: [{ value: { messages: [{ from: '39333', id: 'wamid.HBgMA1', timestamp: sec('2026-11-23T17:00:30Z'), type: 'text' }] } }] }] } }),
  JSON.stringify({ event: { id: 'sim1-000004', type: 'message.sent', at: '2026-11-23T17:01:00.000Z', line: 'L', customer: '39333', message_id: 'wamid.HBgMB2', sender: { kind: 'agent', agent_id: 'a-1' } } }),
  JSON.stringify({ webhook: { object: 'whatsapp_business_account', entry: [{ changes: [{ value: { statuses: [{ id: 'wamid.HBgMB2', status: 'read', timestamp: sec('2026-11-23T17:01:05Z') }] } }] }] } }),
]

t.test('--live: the day from 18:00 moved to now, agents as they were at 18:00, ids of this run', async (t) => {
  const now = Date.parse('2026-11-26T03:00:00Z')
  const out = liveSchedule(lines, { day: '2026-11-23', from: '18:00', now, run: '.r1' })
  t.equal(out.length, 5, 'two agents (their latest status before 18:00) and the three lines after it')
  const agents = out.slice(0, 2).map((l) => JSON.parse(l.text).event)
  t.same(agents.map((e) => [e.agent_id, e.status, e.at, e.id]), [
    ['a-1', 'online', '2026-11-26T03:00:00.000Z', 'sim1-000001.r1'],
    ['a-2', 'away', '2026-11-26T03:00:00.000Z', 'sim1-000003.r1'],
  ])
  t.same(out.slice(0, 2).map((l) => l.due), [now, now])
  const [message, sent, status] = out.slice(2)
  t.equal(message!.due, Date.parse('2026-11-26T03:00:30Z'), 'due 30 s after now, as 18:00:30 was after 18:00')
  t.same(JSON.parse(message!.text).webhook.entry[0].changes[0].value.messages[0], { from: '39333', id: 'wamid.HBgMA1.r1', timestamp: sec('2026-11-26T03:00:30Z'), type: 'text' })
  t.match(JSON.parse(sent!.text).event, { at: '2026-11-26T03:01:00.000Z', message_id: 'wamid.HBgMB2.r1', id: 'sim1-000004.r1' })
  t.equal(sent!.due, Date.parse('2026-11-26T03:01:00Z'))
  t.same(JSON.parse(status!.text).webhook.entry[0].changes[0].value.statuses[0], { id: 'wamid.HBgMB2.r1', status: 'read', timestamp: sec('2026-11-26T03:01:05Z') })
})

t.test('--backfill: the minutes before --live-from are sent at once, stamped in the past', async (t) => {
  const now = Date.parse('2026-11-26T03:00:00Z')
  // From 18:01 with 2 minutes of backfill: the 18:00:30 message is due now, stamped 30 s before the backfill's end
  // (now − 60 s + 30 s); the agents are as they were at 17:59.
  const out = liveSchedule(lines, { day: '2026-11-23', from: '18:01', now, run: '', backfillMinutes: 2 })
  t.equal(out.length, 5)
  t.same(out.slice(0, 2).map((l) => JSON.parse(l.text).event.at), ['2026-11-26T02:58:00.000Z', '2026-11-26T02:58:00.000Z'])
  const message = out[2]!
  t.equal(message.due, now)
  t.equal(JSON.parse(message.text).webhook.entry[0].changes[0].value.messages[0].timestamp, sec('2026-11-26T02:59:30Z'))
  t.equal(out[3]!.due, now, 'the 18:01:00 message is due at once too (it starts the live part)')
  t.equal(out[4]!.due, Date.parse('2026-11-26T03:00:05Z'))
})
