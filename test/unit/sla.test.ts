/**
 * SLA policies and the escalation chain (docs/sla.md), hand-worked: matching and re-matching on a
 * priority change, per-team calendars across a date-holidays holiday and a configured closure,
 * NRT and resolution misses, steps at breach + 300 s and + 900 s stopping on reply, the shorter
 * of the negative and the policy limit, checkpoints from before SLA.
 */
import t from 'tap'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { createEngine } from '../../processor/core/engine.js'
import { summarise } from '../../processor/core/summary.js'
import { chatSla, project, reassignmentHint } from '../../processor/core/projection.js'
import { parseConfig, ConfigError, type Config } from '../../schemas/config.js'
import type { CanonicalEvent } from '../../schemas/events.js'
import type { Effect } from '../../processor/core/effects.js'
import { ev, T0, DAY } from '../helpers/events.js'

function run(events: CanonicalEvent[], until: number, config: Config) {
  const p = createKpiPipeline(config, 0)
  const effects: Effect[] = []
  for (const e of events) {
    p.push(e)
    p.catchUp()
    effects.push(...p.engine.drainEffects())
  }
  const end = p.finish(T0 + until * 1000)
  effects.push(...p.engine.drainEffects())
  return { s: p.summary(end), engine: p.engine, effects, sla: p.summary(end).sla as Record<string, Record<string, { hit: number; missed: number; active: number }>> }
}
const none = { hit: 0, missed: 0, active: 0 }

const vipConfig = parseConfig({
  sla: {
    policies: [{ name: 'vip-urgent', match: { priority: ['urgent', 'high'], tier: ['vip'] }, first_response: 30, next_response: 120, resolution: 3600, escalate_after: 120, warn_before: 20 }],
  },
})

t.test('policy matching, and matching again when the priority changes', async (t) => {
  const { sla, effects } = run(
    [
      // c1: default at opening (FRT target 60 s); urgent VIP at 10 s: its deadline becomes 0 + 30 s.
      ev.in(0, { c: 'c1' }),
      ev.prioritised(10, 'urgent', { c: 'c1', tier: 'vip' }),
      // Replied at 40 s: the miss was counted at 30 s (+1 ms), the reply changes nothing.
      ev.out(40, 'agent', { c: 'c1' }),
      // c2: urgent VIP only at 50 s, its 30 s deadline already past: missed at once.
      ev.in(0, { c: 'c2' }),
      ev.prioritised(50, 'urgent', { c: 'c2', tier: 'vip' }),
      // c3: urgent but no tier: default policy, replied at 45 s ≤ 60 s: hit.
      ev.in(0, { c: 'c3' }),
      ev.prioritised(5, 'urgent', { c: 'c3' }),
      ev.out(45, 'agent', { c: 'c3' }),
    ],
    50,
    vipConfig,
  )
  t.same(sla['vip-urgent'], {
    first_response: { hit: 0, missed: 2, active: 0 },
    next_response: none,
    // Both open and unresolved: their resolution targets (3600 s) run.
    resolution: { hit: 0, missed: 0, active: 2 },
  })
  t.same(sla.default, { first_response: { hit: 1, missed: 0, active: 0 }, next_response: none, resolution: none })
  const misses = effects.filter((e): e is Extract<Effect, { type: 'sla' }> => e.type === 'sla' && e.outcome === 'missed')
  // c1's miss is logged when its reply closes the target, at the miss's moment (30 s + 1 ms);
  // c2 still waits: its miss (at 50 s, when it became VIP) is counted above but not logged yet.
  t.same(misses.map((e) => [e.key, e.at - T0]), [['L1|c1', 30_001]])
})

t.test('the policy limits the breach; negative sentiment takes the shorter limit', async (t) => {
  // vip-urgent: escalate_after 120, warn 20 s before; negative 180 (the threshold), so 120 applies.
  const vip = run([ev.in(0), ev.prioritised(1, 'high', { tier: 'vip' }), ev.in(2, { sentiment: -0.9 })], 200, vipConfig)
  const fired = vip.effects.filter((e) => e.type === 'escalation' && e.action === 'fire').map((e) => [(e as { level: string }).level, ((e as { moment: number }).moment - T0) / 1000])
  t.same(fired, [['warning', 100], ['breach', 120]])
  const esc = vip.effects.find((e) => e.type === 'escalation') as Extract<Effect, { type: 'escalation' }>
  t.same(chatSla(vip.engine, esc.conversation), { policy: 'vip-urgent', priority: 'high' }, 'the page reads the chat policy and priority from the core')
  // A policy whose negative limit is shorter: 60 s once the newest waiting message is negative.
  const config = parseConfig({ sla: { policies: [{ name: 'fast', match: {}, escalate_after: 300, escalate_after_negative: 60, warn_before: 10 }] } })
  const neg = run([ev.in(0), ev.in(5, { sentiment: -0.9 })], 100, config)
  t.same(neg.effects.filter((e) => e.type === 'escalation' && e.action === 'fire').map((e) => ((e as { moment: number }).moment - T0) / 1000), [50, 60])
})

t.test('escalation steps page at breach + 300 s and + 900 s and stop on reply', async (t) => {
  const config = parseConfig({ sla: { escalation_steps: [{ name: 'supervisor', after: 300 }, { name: 'manager', after: 900 }] } })
  // Default limits: warning 240 s, breach 300 s; supervisor 600 s, manager 1200 s.
  const all = run([ev.in(0)], 1300, config)
  const levels = (effects: Effect[], action: string) => effects.filter((e) => e.type === 'escalation' && e.action === action).map((e) => [(e as { level: string }).level, ((e as { moment: number }).moment - T0) / 1000])
  t.same(levels(all.effects, 'fire'), [['warning', 240], ['breach', 300], ['supervisor', 600], ['manager', 1200]])
  t.equal(project([all.engine], T0 + 1300_000).waiting[0]!.level, 'manager', 'the read model shows the highest level paged')
  // A reply at 1000 s: the manager is never paged, the three fired alerts resolve at 1000 s.
  const answered = run([ev.in(0), ev.out(1000, 'agent')], 2000, config)
  t.same(levels(answered.effects, 'fire'), [['warning', 240], ['breach', 300], ['supervisor', 600]])
  t.same(levels(answered.effects, 'resolve'), [['warning', 1000], ['breach', 1000], ['supervisor', 1000]])
  // The next waiting period starts the chain again.
  const again = run([ev.in(0), ev.out(1000, 'agent'), ev.in(1100)], 1100 + 700, config)
  t.same(levels(again.effects, 'fire').slice(3), [['warning', 1340], ['breach', 1400], ['supervisor', 1700]])
})

t.test('next-response and resolution misses', async (t) => {
  const config = parseConfig({ sla: { policies: [{ name: 'line1', match: { line: ['L1'] }, next_response: 60, resolution: 600 }] } })
  const { sla } = run(
    [
      ev.in(0),
      ev.out(10, 'agent'), // no first-response target in this policy: no outcome
      ev.in(20),
      ev.out(100, 'agent'), // 80 s > 60 s: missed at 80 s (+1 ms)
      ev.in(200),
      ev.out(230, 'agent'), // 30 s: hit
      ev.in(300), // unanswered: missed at 360 s (+1 ms); the resolution ends it with nothing more
      ev.resolved(700), // after the 600 s deadline: missed at 600 s, the resolution adds nothing
      ev.in(710), // reopened: a new waiting period, active (deadline 770 s); the resolution target was decided once
    ],
    720,
    config,
  )
  t.same(sla.line1, { first_response: none, next_response: { hit: 1, missed: 2, active: 1 }, resolution: { hit: 0, missed: 1, active: 0 } })
})

t.test('per-team calendars across a national holiday (date-holidays) and a configured closure', async (t) => {
  const week = { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] }
  const config = parseConfig({
    thresholds: { inactivity_close: 14 * DAY },
    lines: { L1: { team: 'billing' } },
    team_hours: {
      // Italy: 8 December is a public holiday (Immacolata); 9 December closed by the config.
      billing: { timezone: 'Europe/Rome', weekly: week, country: 'IT', holidays: ['2026-12-09'] },
      // The same, but open on 8 December.
      sales: { timezone: 'Europe/Rome', weekly: week, country: 'IT', open: ['2026-12-08'] },
    },
    sla: { policies: [{ name: 'hours', match: {}, first_response: 3600, business_hours: true }] },
  })
  // Monday 7 December 2026, 17:30 in Rome (16:30 UTC): 30 min open that day.
  const mon1730 = (Date.parse('2026-12-07T16:30:00Z') - T0) / 1000
  const at = (iso: string) => (Date.parse(iso) - T0) / 1000
  const events = [
    ev.in(mon1730, { c: 'billing' }),
    ev.in(mon1730, { c: 'sales' }),
    ev.assigned(mon1730 + 60, 'a9', { c: 'sales', team: 'sales' }),
  ]
  // billing: 30 min on Monday, then Thursday 10 December 09:00–09:30 (Tuesday a holiday, Wednesday closed).
  // sales: 30 min on Monday, then Tuesday 8 December 09:00–09:30.
  const tue0931 = run(events, at('2026-12-08T08:31:00Z'), config).sla.hours!
  t.same(tue0931.first_response, { hit: 0, missed: 1, active: 1 }, 'sales missed at Tuesday 09:30; billing still running')
  const thu0929 = run([...events, ev.out(at('2026-12-10T08:29:00Z'), 'agent', { c: 'billing' })], at('2026-12-10T08:30:00Z'), config).sla.hours!
  t.same(thu0929.first_response, { hit: 1, missed: 1, active: 0 }, 'billing answered Thursday 09:29, within its hour')
  const thu0931 = run([...events, ev.out(at('2026-12-10T08:31:00Z'), 'agent', { c: 'billing' })], at('2026-12-10T08:32:00Z'), config).sla.hours!
  t.same(thu0931.first_response, { hit: 0, missed: 2, active: 0 }, 'billing answered Thursday 09:31: missed')
})

t.test('reassignment hint: the online agent of the team with the most spare capacity', async (t) => {
  const agents = [
    { agent: 'a1', team: 'billing', online: true, active: 2, capacity: 3, load: 2 / 3 },
    { agent: 'a2', team: 'billing', online: true, active: 1, capacity: 4, load: 0.25 },
    { agent: 'a3', team: 'billing', online: false, active: 0, capacity: 9, load: 0 },
    { agent: 'a4', team: 'sales', online: true, active: 0, capacity: 9, load: 0 },
    { agent: 'a5', team: 'billing', online: true, active: 5, capacity: 5, load: 1 },
  ]
  t.equal(reassignmentHint(agents, 'billing', null), 'a2', 'spare 3 beats spare 1; offline and other teams left out')
  t.equal(reassignmentHint(agents, 'billing', 'a2'), 'a1', 'not the chat own agent')
  t.equal(reassignmentHint(agents, 'support', null), null)
})

t.test('a checkpoint from before SLA policies restores (normal, default policy, matched again)', async (t) => {
  const engine = createEngine(vipConfig)
  for (const e of [ev.in(0), ev.in(0, { c: 'c2' })]) engine.apply(e)
  engine.drainEffects()
  engine.drainChanged()
  const state = structuredClone(engine.exportState())
  delete state.sla
  for (const c of state.convs as unknown as Array<{ sla?: number }>) delete c.sla
  delete (state.tallies as { sla?: unknown }).sla
  const restored = createEngine(vipConfig, state)
  restored.apply(ev.prioritised(5, 'urgent', { c: 'c2', tier: 'vip' }))
  restored.advance(T0 + 70_000)
  const sla = summarise(restored, T0 + 70_000).sla as Record<string, Record<string, { missed: number }>>
  t.equal(sla['vip-urgent']!.first_response!.missed, 1, 'c2 VIP after restore: missed at 30 s')
  t.equal(sla.default!.first_response!.missed, 1, 'c1 default: missed at 60 s')
})

t.test('bad SLA config stops start-up naming the field', async (t) => {
  const bad = (input: unknown, field: RegExp) => {
    try {
      parseConfig(input)
      t.fail(`accepted: ${JSON.stringify(input)}`)
    } catch (err) {
      t.ok(err instanceof ConfigError, 'a ConfigError')
      t.match((err as Error).message, field)
    }
  }
  bad({ sla: { policies: [{ name: 'p', match: {}, frist_response: 30 }] } }, /sla\.policies\.0/)
  bad({ sla: { policies: [{ name: 'p', match: { prio: ['high'] } }] } }, /sla\.policies\.0\.match/)
  bad({ sla: { escalation_steps: [{ name: 'supervisor', after: 900 }, { name: 'manager', after: 300 }] } }, /sla\.escalation_steps\.1\.after: must be greater/)
  bad({ team_hours: { billing: { timezone: 'Europe/Rome', weekly: {}, country: 'IT', region: 'XX' } } }, /team_hours\.billing\.region: date-holidays does not know the region "XX" of IT/)
  bad({ lines: { L1: { business_hours: { timezone: 'Europe/Rome', weekly: {}, country: 'ZZ' } } } }, /lines\.L1\.business_hours\.country/)
  bad({ sla: { policies: [{ name: 'default', match: {} }] } }, /sla\.policies\.0\.name/)
  bad({ sla: { escalation_steps: [{ name: 'breach', after: 10 }] } }, /sla\.escalation_steps\.0\.name/)
})
