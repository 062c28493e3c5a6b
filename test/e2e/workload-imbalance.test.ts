/**
 * Issue 19's proof, end to end with real servers: through the ingest, agent a-1 (capacity 2)
 * is handed four chats while teammate a-2 (capacity 3) has none. The processor's
 * helpdesk_agents_over_capacity goes to 1, Prometheus raises HelpdeskWorkloadImbalanced
 * (for: 5 s here) and Alertmanager delivers it; GET /v1/advice/rebalance names the two chats to
 * hand to a-2; posting those conversation.assigned events clears the alert (resolved delivered).
 */
import t from 'tap'
import { stringify as toYaml } from 'yaml'
import { startReceiver, alertmanagerConfig } from '../helpers/alert-receiver.js'
import { startNats, startClickHouse, startPrometheusFixture, startAlertmanagerFixture, freePort, eventually } from '../helpers/harness.js'
import { startIngest, bearer } from '../helpers/ingest.js'
import { textWebhook, postSigned, TEST_PII_KEY } from '../helpers/webhooks.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import { buildRuleGroups, renderRules } from '../../alerting/src/index.js'
import { createCustomerKeyer } from '../../ingest/pii.js'
import type { rebalanceView } from '../../processor/http/advice-routes.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const LINE = '106540352242922'
const CUSTOMERS = ['393331000001', '393331000002', '393331000003', '393331000004']

t.test('an imbalanced team raises HelpdeskWorkloadImbalanced; following the advice clears it', async (t) => {
  t.setTimeout(240_000)
  const config = parseConfig({ lines: { [LINE]: { team: 'support' } }, advice: { imbalanced_for_seconds: 5 }, forecast: { enabled: false } })
  const receiver = await startReceiver(t)
  const am = await startAlertmanagerFixture(t, alertmanagerConfig(receiver.url))
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url: ingestUrl } = await startIngest(t, nats.nc, { partitions: 4 })
  const processor = createProcessor({ host: '127.0.0.1', port: await freePort(), config, partitions: 4, alertmanagerUrl: am.url }, { nc: nats.nc, clickhouse: ch.client, log })
  await processor.start()
  t.teardown(() => processor.close())
  const rules = { 'deskpulse.rules.yml': renderRules(buildRuleGroups(config)) }
  t.match(rules['deskpulse.rules.yml'], /alert: HelpdeskWorkloadImbalanced[\s\S]*?for: 5s/, 'the rules are built with the config’s for: 5s')
  await startPrometheusFixture(
    t,
    () =>
      toYaml({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: Object.keys(rules),
        alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(am.url).host] }] }] },
        scrape_configs: [{ job_name: 'deskpulse-processor', static_configs: [{ targets: [new URL(processor.privateUrl!).host] }] }],
      }),
    rules,
  )

  const post = async (events: object[]) => {
    const res = await fetch(`${ingestUrl}/v1/events`, { method: 'POST', headers: bearer(), body: JSON.stringify(events) })
    t.equal(res.status, 200, await res.text())
  }
  const s0 = Math.floor(Date.now() / 1000)
  const at = (s: number) => new Date((s0 + s) * 1000).toISOString()
  await post([
    { id: 'st-1', type: 'agent.status', at: at(0), agent_id: 'a-1', team: 'support', status: 'online', capacity: 2 },
    { id: 'st-2', type: 'agent.status', at: at(0), agent_id: 'a-2', team: 'support', status: 'online', capacity: 3 },
  ])
  for (const [i, from] of CUSTOMERS.entries()) t.equal((await postSigned(ingestUrl, JSON.stringify(textWebhook({ line: LINE, from, ts: s0 + i, id: `wamid.imb-${i}` })))).status, 200)
  await post(CUSTOMERS.map((customer, i) => ({ id: `as-${i}`, type: 'conversation.assigned', at: at(i + 1), line: LINE, customer, agent_id: 'a-1', team: 'support' })))

  const firing = await eventually(async () => receiver.delivered.find((a) => a.labels.alertname === 'HelpdeskWorkloadImbalanced' && a.status === 'firing'), 90_000, 'HelpdeskWorkloadImbalanced delivered')
  t.match(firing.labels, { team: 'support', severity: 'warning' })
  // a-1 4/2 = 2, a-2 0/3 = 0: spread 2 → "200%".
  t.match(firing.annotations.description, /^1 online agent\(s\) of team support .* \(load spread 200%\)\. GET \/v1\/advice\/rebalance\?team=support/)
  t.equal(firing.annotations.runbook_url, 'https://github.com/deskpulse/deskpulse/blob/main/docs/alerting.md#helpdeskworkloadimbalanced')

  // The advice: a-1's excess is 2; the two longest-waiting (the first two customers) go to a-2.
  const unauthorised = await fetch(`${processor.privateUrl}/v1/advice/rebalance?team=support`)
  t.equal(unauthorised.status, 200, 'no DESKPULSE_ADMIN_TOKEN set here: open, as /v1/summary')
  const advice = (await unauthorised.json()) as ReturnType<typeof rebalanceView>
  t.match(advice.teams, [{ team: 'support', online: 2, load_spread: 2, over_capacity: 1, overloaded_agents: ['a-1'], agents_with_room: ['a-2'] }])
  const key = createCustomerKeyer(TEST_PII_KEY)
  const hashToCustomer = new Map(CUSTOMERS.map((c) => [key(LINE, c), c]))
  const moved = advice.moves.map((m) => [hashToCustomer.get(m.conversation.slice(m.conversation.indexOf('|') + 1, m.conversation.lastIndexOf('#'))), m.from, m.to, m.to_active_after])
  t.same(moved, [[CUSTOMERS[0], 'a-1', 'a-2', 1], [CUSTOMERS[1], 'a-1', 'a-2', 2]])
  const bad = await fetch(`${processor.privateUrl}/v1/advice/rebalance?team=${encodeURIComponent('x\u0001')}`)
  t.equal(bad.status, 400)
  t.match(await bad.json(), { error: 'DESKPULSE_ERR_BAD_QUERY' })

  // Following the advice clears the alert.
  const s1 = Math.floor(Date.now() / 1000) - s0
  await post(moved.map(([customer, , to], i) => ({ id: `move-${i}`, type: 'conversation.assigned', at: at(s1 + i), line: LINE, customer, agent_id: to, team: 'support' })))
  await eventually(async () => receiver.delivered.find((a) => a.labels.alertname === 'HelpdeskWorkloadImbalanced' && a.status === 'resolved'), 90_000, 'HelpdeskWorkloadImbalanced resolved')
  const metrics = await (await fetch(`${processor.privateUrl}/metrics`)).text()
  t.match(metrics, /helpdesk_agents_over_capacity\{team="support"\} 0\b/)
  // a-1 2/2, a-2 2/3 → 1/3.
  t.match(metrics, /helpdesk_team_load_spread\{team="support"\} 0\.333/)
  const after = (await (await fetch(`${processor.privateUrl}/v1/advice/rebalance`)).json()) as ReturnType<typeof rebalanceView>
  t.same(after.moves, [])

  // The live timeline of a moved chat shows both assignments.
  const id = advice.moves[0]!.conversation
  const tlRes = await fetch(`${processor.privateUrl}/v1/conversations/${encodeURIComponent(id)}/timeline`)
  const tlBody = await tlRes.text()
  t.equal(tlRes.status, 200, tlBody)
  const tl = JSON.parse(tlBody) as { entries: Array<{ kind: string; agent?: string }>; source: { from: string } }
  t.same(tl.entries.filter((e) => e.kind === 'conversation.assigned').map((e) => e.agent), ['a-1', 'a-2'])
  t.equal(tl.source.from, 'stream')
  const missing = await fetch(`${processor.privateUrl}/v1/conversations/${encodeURIComponent(`${LINE}|nobody#1`)}/timeline`)
  t.equal(missing.status, 404)
  const malformed = await fetch(`${processor.privateUrl}/v1/conversations/nonsense/timeline`)
  t.equal(malformed.status, 400)
})
