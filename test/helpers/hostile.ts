/**
 * The hostile inputs issue 14 found (each once broke a promise of the engine), as requests to a
 * running ingest. Returns what each was answered; `expect` is 200 for valid input that used to
 * do harm (a year of history, a webhook from the year 5138 whose item is clamped), else 4xx.
 */
import { postSigned, textWebhook, TEST_API_TOKEN, TEST_SECRET } from './webhooks.js'
import { signBody } from '../../ingest/whatsapp/signature.js'

export interface HostileResult {
  name: string
  status: number
  expect: 200 | '4xx'
}

const deep = (n: number) => '['.repeat(n) + '1' + ']'.repeat(n)
const LINE = '106540352242922'

export async function hostileRequests(base: string): Promise<HostileResult[]> {
  const api = (body: string) =>
    fetch(`${base}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' }, body }).then(async (r) => (await r.arrayBuffer(), r.status))
  const webhook = (raw: string) => postSigned(base, raw).then(async (r) => (await r.arrayBuffer(), r.status))
  const now = Date.now()
  const csat = (id: string, at: string, extra: Record<string, unknown> = {}) => ({ id, type: 'csat.response', at, line: LINE, customer: '393330000111', score: 4, ...extra })
  const cases: Array<[string, 200 | '4xx', () => Promise<number>]> = [
    ['an agent status dated 2099 (reaches every partition)', '4xx', () => api(JSON.stringify({ id: 'hostile-2099', type: 'agent.status', at: '2099-01-01T00:00:00Z', agent_id: 'a-x', status: 'online', capacity: 3 }))],
    ['a date that does not exist (2026-02-30)', '4xx', () => api(JSON.stringify(csat('hostile-feb30', '2026-02-30T10:00:00Z')))],
    ['an attribute over the bus max payload', '4xx', () => api(JSON.stringify(csat('hostile-big', new Date(now - 60_000).toISOString(), { note: 'x'.repeat(1_100_000) })))],
    ['CR/LF in an id', '4xx', () => api(JSON.stringify(csat('hostile\r\nid', new Date(now - 60_000).toISOString())))],
    ['a 600 KB wamid', '4xx', () => webhook(JSON.stringify(textWebhook({ id: `wamid.${'A'.repeat(600_000)}` })))],
    ['CR/LF in a wamid', '4xx', () => webhook(JSON.stringify(textWebhook({ id: 'wamid.AB\r\nCD' })))],
    ['5,000-deep nesting', '4xx', () => api(JSON.stringify(csat('hostile-deep', new Date(now - 60_000).toISOString())).replace('"score"', `"x":${deep(5_000)},"score"`))],
    ['100,000-deep JSON', '4xx', () => api(deep(100_000))],
    ['a 100 KB phone_number_id', '4xx', () => webhook(JSON.stringify(textWebhook({ line: '1'.repeat(100_000), id: 'wamid.HOSTILELINE' })))],
    ['a signature with trailing junk', '4xx', () => {
      const raw = JSON.stringify(textWebhook({ id: 'wamid.HOSTILESIG' }))
      return fetch(`${base}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `${signBody(raw, TEST_SECRET)}junk` }, body: raw }).then(async (r) => (await r.arrayBuffer(), r.status))
    }],
    ['an unsigned webhook', '4xx', () => fetch(`${base}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textWebhook({ id: 'wamid.UNSIGNED' })) }).then(async (r) => (await r.arrayBuffer(), r.status))],
    ['a webhook item stamped in the year 5138 (clamped to its receipt)', 200, () => webhook(JSON.stringify(textWebhook({ from: '393330000222', id: 'wamid.HOSTILE5138', ts: 99_999_999_999 })))],
    ['101 events over 101 days in one request (a history import)', 200, () =>
      api(JSON.stringify(Array.from({ length: 101 }, (_, d) => ({ id: `hostile-history-${d}`, type: 'message.sent', at: new Date(now - (d + 2) * 86_400_000).toISOString(), line: LINE, customer: `39333100${String(d).padStart(4, '0')}`, sender: { kind: 'agent', agent_id: 'a-1' } }))))],
  ]
  const out: HostileResult[] = []
  for (const [name, expect, run] of cases) out.push({ name, expect, status: await run() })
  return out
}
