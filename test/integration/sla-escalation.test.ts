/**
 * docs/sla.md "Escalation chain" with a real Alertmanager running the shipped
 * alerting/alertmanager.yml (receivers pointed at a webhook here): a VIP urgent chat pages
 * `breach` at its policy's own limit (120 s) and `supervisor` 300 s later, each to its own
 * receiver, with the policy, the priority and the reassignment hint; a normal chat on the same
 * line, opened later, has not reached the default limit and pages nothing. The core runs in event
 * time ending at wall time now, so the moments are real ones.
 */
import t from 'tap'
import { createEngine } from '../../processor/core/engine.js'
import { chatSla, projectAgents, reassignmentHint } from '../../processor/core/projection.js'
import { createAlertmanagerSink } from '../../processor/sinks/alertmanager.js'
import { createProcessorMetrics } from '../../processor/metrics/registry.js'
import { createLogger } from '../../cli/logger.js'
import { parseConfig } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import { startReceiver, alertmanagerConfig, type Delivered } from '../helpers/alert-receiver.js'
import { startAlertmanagerFixture, eventually } from '../helpers/harness.js'

const log = createLogger((process.env.TEST_LOG ?? 'silent') as 'silent')
const LINE = 'L1'

t.test('a VIP urgent chat pages breach at its limit and supervisor 300 s later, each to its receiver; a normal chat does not page', async (t) => {
  t.setTimeout(120_000)
  const receiver = await startReceiver(t)
  const am = await startAlertmanagerFixture(t, alertmanagerConfig(receiver.url))
  const config = parseConfig({
    lines: { [LINE]: { team: 'billing' } },
    sla: {
      policies: [{ name: 'vip-urgent', match: { priority: ['urgent'], tier: ['vip'] }, first_response: 30, escalate_after: 120, warn_before: 20 }],
      escalation_steps: [{ name: 'supervisor', after: 300 }, { name: 'manager', after: 900 }],
    },
  })
  const engine = createEngine(config)
  const metrics = createProcessorMetrics({ series: () => [], live: () => null, frtTargetSeconds: 60, sloObjective: 0.9 })
  const sink = createAlertmanagerSink(
    { url: am.url, pageMaxAgeMs: 900_000, hint: (team, agent) => reassignmentHint(projectAgents([engine]), team, agent), about: (_p, id) => chatSla(engine, id) },
    { log, metrics },
  )
  sink.start()
  t.teardown(() => sink.close())

  // Event time: the VIP chat opened 430 s ago: breach at −310 s (120 s), supervisor at −10 s (+300 s);
  // the normal chat opened 200 s ago: the default warning is 40 s ahead, the breach 100 s ahead.
  const now = Date.now()
  const at = (ms: number) => new Date(ms).toISOString()
  let n = 0
  const env = (ms: number, customer: string | null, line: string | null = LINE) => ({ v: 1 as const, id: `s${++n}`, at: at(ms), received_at: at(ms), source: 'api' as const, line, customer })
  const msg = (ms: number, customer: string): CanonicalEvent => ({ ...env(ms, customer), kind: 'message.in', message_id: `wamid.${n}`, message_type: 'text', reply_id: null, context_id: null, digit: null, errors: [] })
  const vipOpened = now - 430_000
  const events: CanonicalEvent[] = [
    { ...env(vipOpened - 60_000, null, null), kind: 'agent.status', agent_id: 'a-busy', team: 'billing', status: 'online', capacity: 1 },
    { ...env(vipOpened - 60_000, null, null), kind: 'agent.status', agent_id: 'a-free', team: 'billing', status: 'online', capacity: 4 },
    msg(vipOpened, 'vip'),
    { ...env(vipOpened + 1_000, 'vip'), kind: 'conversation.prioritised', priority: 'urgent', tier: 'vip' },
    msg(now - 200_000, 'normal'),
  ]
  for (const e of events) engine.apply(e)
  const flush = (until: number) => {
    engine.advance(until)
    engine.drainChanged()
    sink.apply(0, engine.drainEffects())
  }
  const page = (level: string) => (d: Delivered) => d.labels.alertname === 'HelpdeskChatEscalation' && d.labels.level === level && d.status === 'firing'

  // Up to just past the breach: the warning (at 100 s) and the breach (120 s), posted together; the breach hides the warning.
  flush(vipOpened + 121_000)
  const breach = await eventually(async () => receiver.delivered.find(page('breach')), 30_000, 'the breach')
  t.equal(breach.receiver, 'oncall-pager', 'the breach goes to the on-call pager')
  t.equal(new Date(Date.parse(breach.annotations.waiting_since!)).getTime(), vipOpened)
  t.match(breach.annotations, { policy: 'vip-urgent', priority: 'urgent', reassign_to: 'a-free' })
  t.match(breach.labels, { line: LINE, team: 'billing', severity: 'critical' })

  // Up to now: the supervisor step, 300 s after the breach.
  flush(now)
  const supervisor = await eventually(async () => receiver.delivered.find(page('supervisor')), 30_000, 'the supervisor step')
  t.equal(supervisor.receiver, 'helpdesk-supervisors', 'the supervisor step goes to the supervisors')
  t.equal(supervisor.labels.conversation, breach.labels.conversation, 'for the same chat')
  t.match(supervisor.annotations, { policy: 'vip-urgent', priority: 'urgent', reassign_to: 'a-free' })
  t.match(supervisor.annotations.summary, /escalated to supervisor/)
  const held = [...sink.held.values()].map((h) => [h.labels.level, h.startsAt - vipOpened])
  t.same(held.sort(), [['breach', 120_000], ['supervisor', 420_000], ['warning', 100_000]], 'warning at 100 s, breach at 120 s, supervisor at 120 + 300 s')

  // The normal chat on the same line has not reached the default limit: nothing for it.
  t.notOk(receiver.delivered.some((d) => d.labels.conversation?.includes('|normal#')), 'the normal chat pages nothing')
  t.equal(receiver.delivered.filter((d) => d.labels.level === 'manager').length, 0, 'no manager page yet (at + 900 s)')
})
