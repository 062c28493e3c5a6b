/**
 * Issue 6's proof, end to end with real servers: signed webhooks and helpdesk events → ingest →
 * NATS → processor (wall clock, as in production) → Alertmanager ← Prometheus (scraping the
 * processor, evaluating alerting/rules) → a webhook receiver here. A chat left unanswered reaches
 * the receiver as a breach for that very conversation within 5 s of its moment (event time +
 * 300 s); a reply before 300 s raises nothing; a reply after the breach resolves it.
 */
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { startReceiver, alertmanagerConfig, type Delivered } from '../helpers/alert-receiver.js'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { stringify as toYaml } from 'yaml'
import { startNats, startClickHouse, startPrometheusFixture, startAlertmanagerFixture, freePort, eventually } from '../helpers/harness.js'
import { startIngest, bearer } from '../helpers/ingest.js'
import { textWebhook, postSigned } from '../helpers/webhooks.js'
import { createProcessor } from '../../processor/processor.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const LINE = '106540352242922'
const TEAM = 'billing'
const root = path.resolve(import.meta.dirname, '../..')

t.test('a five-minute breach reaches the on-call receiver within 5 s; a reply resolves it; an early reply raises nothing', async (t) => {
  t.setTimeout(240_000)
  const receiver = await startReceiver(t)
  const am = await startAlertmanagerFixture(t, alertmanagerConfig(receiver.url))
  const nats = await startNats(t)
  const ch = await startClickHouse(t)
  const { url: ingestUrl, privateUrl: ingestPrivateUrl } = await startIngest(t, nats.nc, { partitions: 4 })

  const processorPort = await freePort()
  const config = parseConfig({ lines: { [LINE]: { team: TEAM } } })
  const processor = createProcessor({ host: '127.0.0.1', port: processorPort, config, partitions: 4, alertmanagerUrl: am.url }, { nc: nats.nc, clickhouse: ch.client, log })
  await processor.start()
  t.teardown(() => processor.close())

  const rulesDir = path.join(root, 'alerting/rules')
  const rules = Object.fromEntries(readdirSync(rulesDir).filter((f) => f.endsWith('.yml')).map((f) => [f, readFileSync(path.join(rulesDir, f), 'utf8')]))
  const prom = await startPrometheusFixture(
    t,
    () =>
      toYaml({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: Object.keys(rules),
        alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(am.url).host] }] }] },
        scrape_configs: [
          { job_name: 'deskpulse-processor', static_configs: [{ targets: [new URL(processor.privateUrl!).host] }] },
          { job_name: 'deskpulse-ingest', static_configs: [{ targets: [new URL(ingestPrivateUrl).host] }] },
        ],
      }),
    rules,
  )

  const s0 = Math.floor(Date.now() / 1000)
  const iso = (s: number) => new Date(s * 1000).toISOString()
  // Three chats whose first message WhatsApp stamped minutes ago (a delayed webhook):
  const chats = {
    breach: { from: '393330000001', ts: s0 - 280 }, // breaches at s0 + 20 s, nobody answers
    late: { from: '393330000002', ts: s0 - 285 }, // breaches at s0 + 15 s, answered after it
    early: { from: '393330000003', ts: s0 - 235 }, // would warn at s0 + 5 s and breach at s0 + 65 s; answered at 225 s
  }
  for (const [name, c] of Object.entries(chats)) {
    const res = await postSigned(ingestUrl, JSON.stringify(textWebhook({ line: LINE, from: c.from, ts: c.ts, id: `wamid.alerting-${name}` })))
    t.equal(res.status, 200, `webhook of the ${name} chat accepted`)
  }
  const reply = (id: string, customer: string, at: number) =>
    fetch(`${ingestUrl}/v1/events`, {
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify({ id, type: 'message.sent', at: new Date(at).toISOString(), line: LINE, customer, message_id: `wamid.reply-${id}`, sender: { kind: 'agent', agent_id: 'a-7' } }),
    })
  t.equal((await reply('early-reply', chats.early.from, (chats.early.ts + 225) * 1000)).status, 200)

  const escalation = (chat: keyof typeof chats, level: string, status: string) => (d: Delivered) =>
    d.labels.alertname === 'HelpdeskChatEscalation' && d.annotations.waiting_since === iso(chats[chat].ts) && d.labels.level === level && d.status === status

  // The late chat: its breach arrives, then a human replies and the alert resolves.
  const lateBreach = await eventually(async () => receiver.delivered.find(escalation('late', 'breach', 'firing')), 60_000, 'the late chat breach')
  const replyAt = Date.now()
  t.equal((await reply('late-reply', chats.late.from, replyAt)).status, 200)
  const lateResolved = await eventually(async () => receiver.delivered.find(escalation('late', 'breach', 'resolved')), 30_000, 'the late chat resolved')
  t.equal(lateResolved.labels.conversation, lateBreach.labels.conversation, 'the very conversation is resolved')
  t.comment(`reply → resolved notification: ${lateResolved.receivedAt - replyAt} ms`)

  // The unanswered chat: the delay from its breach moment to the receiver.
  const breach = await eventually(async () => receiver.delivered.find(escalation('breach', 'breach', 'firing')), 60_000, 'the breach')
  const moment = (chats.breach.ts + 300) * 1000
  const delay = breach.receivedAt - moment
  t.comment(`breach moment → webhook delivery: ${delay} ms (late chat: ${lateBreach.receivedAt - (chats.late.ts + 300) * 1000} ms)`)
  t.ok(delay >= 0, 'not before the breach moment')
  t.ok(delay <= 5_000, `delivered ${delay} ms after the breach moment (at most 5 s)`)
  t.match(breach.labels, { line: LINE, team: TEAM, agent: 'unassigned', severity: 'critical' })
  t.match(breach.labels.conversation, new RegExp(`^${LINE}\\|[0-9a-f]{64}#${chats.breach.ts * 1000}$`), 'the conversation, by its opaque id')
  t.notOk(JSON.stringify(receiver.delivered).includes(chats.breach.from), 'no phone number in any alert')

  // Prometheus saw the gauge and its rule fired into the same Alertmanager, where the per-chat
  // breach of the same line and team inhibits it (alerting/alertmanager.yml): the page already
  // went out, chat by chat. It is a backstop, delivered only while no per-chat breach of its line
  // and team is active (here, perhaps, in the seconds between the late chat's reply and the
  // other chat's breach).
  const firstMoment = (chats.late.ts + 300) * 1000
  type AmAlert = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] }; fingerprint: string }
  const amAlerts = async () => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[]
  const ruleAlert = await eventually(async () => (await amAlerts()).find((a) => a.labels.alertname === 'HelpdeskChatUnansweredFiveMinutes'), 30_000, 'HelpdeskChatUnansweredFiveMinutes in Alertmanager')
  t.comment(`HelpdeskChatUnansweredFiveMinutes seen in Alertmanager ${Date.now() - firstMoment} ms after the first breach moment`)
  t.match(ruleAlert.labels, { line: LINE, team: TEAM, severity: 'critical' })
  const perChat = (await amAlerts()).find((a) => a.labels.alertname === 'HelpdeskChatEscalation' && a.labels.level === 'breach' && a.labels.conversation === breach.labels.conversation)
  t.ok(perChat, 'the unanswered chat is still paged')
  t.equal(ruleAlert.status.state, 'suppressed', 'the aggregate is inhibited while the chat is paged on its own')
  t.ok(ruleAlert.status.inhibitedBy.includes(perChat!.fingerprint), 'by that per-chat breach')

  // The early chat: well past when it would have breached, nothing was ever raised for it.
  const earlyBreachAt = (chats.early.ts + 300) * 1000
  await eventually(async () => (Date.now() > earlyBreachAt + 5_000 ? true : undefined), 90_000, 'the early chat breach moment to pass')
  t.equal(receiver.delivered.filter((d) => d.annotations.waiting_since === iso(chats.early.ts)).length, 0, 'no warning or breach for the chat answered in time')
  const summary = (await (await fetch(`${processor.privateUrl}/v1/summary`)).json()) as { escalations: { breaches: number } }
  t.equal(summary.escalations.breaches, 2, 'two breaches counted: the unanswered chat and the late one')

  // promtool accepts the real output of both services.
  for (const [name, url] of [['processor', `${processor.privateUrl}/metrics`], ['ingest', `${ingestPrivateUrl}/metrics`]] as const) {
    const text = await (await fetch(url)).text()
    const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
    t.equal(res.status, 0, `promtool check metrics on the ${name}: ${res.stdout}${res.stderr}`)
  }
  t.match(await (await fetch(`${prom.url}/api/v1/query?query=helpdesk_escalations_total`)).text(), /"level":"breach"/, 'Prometheus scraped the escalation counter')
})
