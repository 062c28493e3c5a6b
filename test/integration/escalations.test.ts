import t from 'tap'
import { createAlertmanagerSink } from '../../processor/sinks/alertmanager.js'
import { createProcessorMetrics } from '../../processor/metrics/registry.js'
import { createLogger } from '../../cli/logger.js'
import type { Effect } from '../../processor/core/effects.js'
import { startAlertmanagerFixture, freePort, eventually } from '../helpers/harness.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const AM_CONFIG = 'route:\n  receiver: none\nreceivers:\n  - name: none\n'

interface AmAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  endsAt: string
  status: { state: string }
}
const alertsOf = async (url: string) => (await (await fetch(`${url}/api/v2/alerts?active=true&silenced=true&inhibited=true`)).json()) as AmAlert[]

const escalation = (over: Partial<Extract<Effect, { type: 'escalation' }>>): Effect => ({
  type: 'escalation',
  level: 'breach',
  action: 'fire',
  moment: Date.now() - 2_000,
  firedAt: Date.now() - 2_000,
  conversation: 'L1|c0ffee#1764000000000',
  line: 'L1',
  customer: 'c0ffee',
  team: 'billing',
  agent: null,
  waitingSince: Date.now() - 302_000,
  helpdesk: null,
  ...over,
})

t.test('Alertmanager down: the sink holds the escalation, retries, and delivers once it is up; the reply ends it', async (t) => {
  const port = await freePort()
  const metrics = createProcessorMetrics({ series: () => [], live: () => null, frtTargetSeconds: 60, sloObjective: 0.9 })
  const sink = createAlertmanagerSink({ url: `http://127.0.0.1:${port}`, pageMaxAgeMs: 900_000, repostMs: 1_000 }, { log, metrics })
  sink.start()
  t.teardown(() => sink.close())

  const fire = escalation({})
  // Synchronous: the pipeline hands effects over and goes on, whatever Alertmanager does.
  t.equal(sink.apply(0, [fire]), undefined, 'apply returns at once, not a promise')
  t.equal(sink.held.size, 1)
  await eventually(async () => (/result="error"\} [1-9]/.test(await metrics.registry.getSingleMetricAsString('deskpulse_alertmanager_posts_total')) ? true : undefined), 5_000, 'a failed post')

  const am = await startAlertmanagerFixture(t, AM_CONFIG, port)
  const [alert] = await eventually(async () => {
    const list = await alertsOf(am.url)
    return list.length ? list : undefined
  }, 20_000, 'the escalation in Alertmanager')
  const e = fire as Extract<Effect, { type: 'escalation' }>
  t.same(alert!.labels, { alertname: 'HelpdeskChatEscalation', severity: 'critical', level: 'breach', line: 'L1', team: 'billing', agent: 'unassigned', conversation: e.conversation })
  t.equal(alert!.annotations.waiting_since, new Date(e.waitingSince).toISOString())
  t.equal(alert!.annotations.conversation, e.conversation)
  t.equal(Date.parse(alert!.startsAt), e.moment, 'startsAt is the breach moment')
  t.ok(Date.parse(alert!.endsAt) > Date.now(), 'held open: endsAt ahead')
  t.equal(alert!.status.state, 'active')

  // The human reply resolves it: endsAt becomes the reply's moment and the sink forgets it.
  const replyAt = Date.now() - 500
  sink.apply(0, [escalation({ action: 'resolve', moment: replyAt })])
  await eventually(async () => ((await alertsOf(am.url)).length === 0 ? true : undefined), 10_000, 'the escalation resolved')
  const all = (await (await fetch(`${am.url}/api/v2/alerts?active=false&unprocessed=false`)).json()) as AmAlert[]
  t.equal(all.length, 0, 'no active alert left')
  t.equal(sink.held.size, 0, 'nothing held once the end is delivered')
})

t.test('breaches older than page_max_age are not paged; a partition released drops its alerts', async (t) => {
  const am = await startAlertmanagerFixture(t, AM_CONFIG)
  const metrics = createProcessorMetrics({ series: () => [], live: () => null, frtTargetSeconds: 60, sloObjective: 0.9 })
  const sink = createAlertmanagerSink({ url: am.url, pageMaxAgeMs: 900_000 }, { log, metrics })
  sink.start()
  t.teardown(() => sink.close())
  // 16 minutes old when found (a catch-up after an outage): recorded elsewhere, not paged.
  sink.apply(0, [escalation({ moment: Date.now() - 16 * 60_000, conversation: 'L1|old#1' })])
  t.equal(sink.held.size, 0)
  sink.apply(1, [escalation({ conversation: 'L1|p1#1' }), escalation({ conversation: 'L1|p2#1', level: 'warning' })])
  await eventually(async () => ((await alertsOf(am.url)).length === 2 ? true : undefined), 10_000, 'two alerts')
  t.match(await metrics.registry.getSingleMetricAsString('deskpulse_alerts_active'), /deskpulse_alerts_active\{level="breach"\} 1/)
  sink.release(1)
  t.equal(sink.held.size, 0, 'released alerts are left to the next owner')
  t.equal((await alertsOf(am.url)).length, 2, 'and stay in Alertmanager until their endsAt')
})

t.test("the alert links to the chat in the helpdesk: annotation helpdesk_url from the line's template", async (t) => {
  const am = await startAlertmanagerFixture(t, AM_CONFIG)
  const metrics = createProcessorMetrics({ series: () => [], live: () => null, frtTargetSeconds: 60, sloObjective: 0.9 })
  const lines = { L1: { helpdesk_url: 'https://chatwoot.example.com/app/accounts/1/conversations/{conversation}' }, L2: {} }
  const sink = createAlertmanagerSink({ url: am.url, pageMaxAgeMs: 900_000, lines }, { log, metrics })
  sink.start()
  t.teardown(() => sink.close())
  sink.apply(0, [
    escalation({ conversation: 'L1|a1#1', helpdesk: '1021' }),
    escalation({ conversation: 'L1|a2#1', helpdesk: null }),
    escalation({ conversation: 'L2|a3#1', line: 'L2', helpdesk: '77' }),
  ])
  const alerts = await eventually(async () => {
    const list = await alertsOf(am.url)
    return list.length === 3 ? list : undefined
  }, 10_000, 'three alerts')
  const link = (conversation: string) => alerts.find((a) => a.labels.conversation === conversation)!.annotations.helpdesk_url
  t.equal(link('L1|a1#1'), 'https://chatwoot.example.com/app/accounts/1/conversations/1021', 'the template filled with the helpdesk id')
  t.equal(link('L1|a2#1'), undefined, 'no helpdesk id: no annotation')
  t.equal(link('L2|a3#1'), undefined, 'a line without a template: no annotation')
  t.notOk('helpdesk_url' in alerts[0]!.labels, 'an annotation, never a label (it must not split an alert in two)')
})
