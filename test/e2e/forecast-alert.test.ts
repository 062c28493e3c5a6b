/**
 * Issue 18's proof, end to end with real servers: a week of simulated history (cli/simulate/
 * history.ts, shifted so that its evening peak is now) goes through the replay path (the ingest's
 * normalisation, the KPI core) into ClickHouse; the processor computes its forecast in the
 * background from it; then, live through the ingest, one support agent comes online and a
 * surge of chats arrives. The forecast asks for more support agents next hour than the one
 * online, and HelpdeskUnderstaffedSoon reaches Alertmanager through the real Prometheus.
 */
import t from 'tap'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { stringify as toYaml } from 'yaml'
import { startReceiver, alertmanagerConfig } from '../helpers/alert-receiver.js'
import { startNats, startClickHouse, startPrometheusFixture, startAlertmanagerFixture, freePort, eventually, tempDir } from '../helpers/harness.js'
import { startIngest, bearer } from '../helpers/ingest.js'
import { textWebhook, postSigned } from '../helpers/webhooks.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import { planHistory } from '../../cli/simulate/history.js'
import { render } from '../../cli/simulate/render.js'
import { LINES, type Plan } from '../../cli/simulate/model.js'
import { replayFile } from '../../processor/replay.js'
import { createReplayStore } from '../../store/replay-store.js'
import { buildRuleGroups, renderRules } from '../../alerting/src/index.js'
import type { Forecast } from '../../forecast/compute.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const SUPPORT_LINE = LINES[0]!.id

/** Every time in the plan moved by `by` seconds, and nothing kept after `cut`. */
function shift(plan: Plan, by: number, cut: number): Plan {
  const threads = plan.threads
    .map((th) => ({
      ...th,
      steps: th.steps
        .map((s) => ({ ...s, t: s.t + by, ...(s.kind === 'out' ? { statuses: s.statuses.map((st) => ({ ...st, t: st.t + by })).filter((st) => st.t <= cut) } : {}) }))
        .filter((s) => s.t <= cut),
    }))
    .filter((th) => th.steps.length > 0)
  return { ...plan, end: cut, threads, agentEvents: plan.agentEvents.map((e) => ({ ...e, t: e.t + by })).filter((e) => e.t <= cut) }
}

t.test('a forecast busier than the agents online raises HelpdeskUnderstaffedSoon through Prometheus', async (t) => {
  t.setTimeout(300_000)
  const config = parseConfig({
    lines: Object.fromEntries(LINES.map((l) => [l.id, { team: l.team }])),
    forecast: { history_days: 8, understaffed_for_seconds: 5, horizon_days: 1 },
  })
  const receiver = await startReceiver(t)
  const am = await startAlertmanagerFixture(t, alertmanagerConfig(receiver.url))
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url: ingestUrl } = await startIngest(t, nats.nc, { partitions: 4 })

  // History: eight simulated days from Monday 2 November 2026, moved so that 18:00 (Rome) of the
  // eighth day is the start of this hour: the next hour is the evening peak, as a week before.
  const now = Date.now()
  const hour = Math.floor(now / 3_600_000) * 3_600
  const by = hour - Date.parse('2026-11-09T17:00:00Z') / 1000
  const { plan } = planHistory({ seed: 5, days: 8, start: '2026-11-02', perDay: 500, trend: 0 })
  const history = shift(plan, by, Math.floor(now / 1000) - 5)
  const dir = await tempDir(t, 'deskpulse-forecast-')
  const file = path.join(dir, 'history.jsonl')
  writeFileSync(file, `${render(history).lines.join('\n')}\n`)
  const store = createReplayStore(ch.client, config)
  await replayFile(file, { config, piiKey: 'forecast-e2e', onBatch: store.onBatch })
  await store.flush()
  t.comment(`history: ${history.threads.length} conversations over 8 days into ClickHouse (${store.stats.events} events, ${store.stats.rows} rows)`)

  const processor = createProcessor(
    { host: '127.0.0.1', port: await freePort(), config, partitions: 4, alertmanagerUrl: am.url, forecastRefreshMs: 3_000 },
    { nc: nats.nc, clickhouse: ch.client, log },
  )
  await processor.start()
  t.teardown(() => processor.close())

  const rules = { 'deskpulse.rules.yml': renderRules(buildRuleGroups(config)) }
  t.match(rules['deskpulse.rules.yml'], /alert: HelpdeskUnderstaffedSoon[\s\S]*?for: 5s/, 'the rules are built with the config’s for: 5s')
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

  // Live: one support agent online, then a surge of 25 chats on the support line.
  const at = new Date().toISOString()
  const status = await fetch(`${ingestUrl}/v1/events`, { method: 'POST', headers: bearer(), body: JSON.stringify({ id: 'forecast-agent-1', type: 'agent.status', at, agent_id: 'a-live-1', team: 'support', status: 'online', capacity: 3 }) })
  t.equal(status.status, 200, 'agent.status accepted')
  const s0 = Math.floor(Date.now() / 1000)
  for (let i = 0; i < 25; i++) {
    const res = await postSigned(ingestUrl, JSON.stringify(textWebhook({ line: SUPPORT_LINE, from: `39333100${String(i).padStart(4, '0')}`, ts: s0, id: `wamid.surge-${i}` })))
    t.equal(res.status, 200, `surge chat ${i} accepted`)
  }

  // The forecast, from the history alone.
  const forecast = await eventually(async () => {
    const res = await fetch(`${processor.privateUrl}/v1/forecast`)
    return res.status === 200 ? ((await res.json()) as Forecast) : undefined
  }, 120_000, 'the first forecast')
  const support = forecast.teams.find((x) => x.team === 'support')!
  t.ok(support, 'the support team is staffed')
  const next = support.staffing[Math.floor((Date.now() - Date.parse(forecast.history.until)) / 3_600_000) + 1]!
  t.comment(`support, next hour ${next.at}: ${next.arrivals.toFixed(1)} arrivals forecast, handle ${support.handle_seconds?.toFixed(0)} s, concurrency ${support.concurrency}, human share ${(support.human_share * 100).toFixed(0)} % → ${next.agents} agents (${next.scheduled_agents} scheduled), SL ${(next.service_level * 100).toFixed(1)} %`)
  t.ok(next.agents > 1, `the forecast needs ${next.agents} support agents next hour, more than the one online`)
  t.match(forecast.series.find((s) => s.line === SUPPORT_LINE && s.team === 'support'), { model: 'seasonal-naive' }, 'a week of history: the seasonal-naive baseline, and a note saying so')

  // Prometheus sees required > online and, after for: 5s, Alertmanager has the alert.
  type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string }
  const alert = await eventually(async () => {
    const list = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[]
    return list.find((a) => a.labels.alertname === 'HelpdeskUnderstaffedSoon' && a.labels.team === 'support')
  }, 90_000, 'HelpdeskUnderstaffedSoon in Alertmanager')
  t.match(alert.labels, { severity: 'warning', team: 'support' })
  t.match(alert.annotations.description, new RegExp(`needs ${next.agents} agent\\(s\\) of team support .*; 1 are online`))
  t.equal(alert.annotations.runbook_url, 'https://github.com/deskpulse/deskpulse/blob/main/docs/alerting.md#helpdeskunderstaffedsoon')
  const metrics = await (await fetch(`${processor.privateUrl}/metrics`)).text()
  t.match(metrics, new RegExp(`helpdesk_agents_required\\{team="support",horizon="next"\\} ${next.agents}\\b`), 'the gauge carries the forecast’s figure')
})
