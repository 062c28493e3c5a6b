/**
 * A line's `name` in the config (lines.<id>.name) is what people see for it: on the wallboard
 * (sent with the feed's snapshot), in the per-chat alerts (summary and line_name annotation) and
 * in `deskpulse notify`'s lines; the labels keep the line id.
 */
import t from 'tap'
import { EventEmitter } from 'node:events'
import type { WebSocket } from 'ws'
import { parseConfig, lineNames } from '../../schemas/config.js'
import { createLiveFeed } from '../../processor/wallboard/feed.js'
import { createAlertmanagerSink } from '../../processor/sinks/alertmanager.js'
import { createProcessorMetrics } from '../../processor/metrics/registry.js'
import { formatAlert } from '../../cli/notify-command.js'
import { createLogger } from '../../cli/logger.js'

const log = createLogger('silent')
const config = parseConfig({ lines: { '106540352242922': { name: 'Billing desk', team: 'billing' }, '106540352242923': { team: 'sales' } } })

t.test('lineNames: the named lines only', async (t) => {
  t.same(lineNames(config), { '106540352242922': 'Billing desk' })
  t.same(lineNames(parseConfig({})), {})
  t.throws(() => parseConfig({ lines: { x: { name: '' } } }), 'an empty name is refused')
})

t.test('the wallboard snapshot carries the names', async (t) => {
  const sent: string[] = []
  const screen = Object.assign(new EventEmitter(), { OPEN: 1, readyState: 1, bufferedAmount: 0, send: (x: string) => sent.push(x), close() {}, terminate() {} })
  const feed = createLiveFeed(() => null, log, { lineNames: lineNames(config), tickMs: 60_000 })
  feed.attach(screen as unknown as WebSocket)
  t.same(JSON.parse(sent[0]!).lineNames, { '106540352242922': 'Billing desk' })
  feed.close()
})

t.test('a breach on a named line says the name; the labels keep the id', async (t) => {
  const metrics = createProcessorMetrics({ series: () => [], live: () => null, frtTargetSeconds: 60, sloObjective: 0.9 })
  // Not started: nothing is posted, the held alert is inspected.
  const sink = createAlertmanagerSink({ url: 'http://127.0.0.1:9', pageMaxAgeMs: 900_000, lineNames: lineNames(config) }, { log, metrics })
  const now = Date.now()
  const base = { type: 'escalation', level: 'breach', action: 'fire', moment: now - 1_000, firedAt: now - 1_000, customer: 'c0ffee', team: 'billing', agent: null, waitingSince: now - 301_000 } as const
  sink.apply(0, [{ ...base, conversation: '106540352242922|c0ffee#1', line: '106540352242922' }, { ...base, conversation: '106540352242923|c0ffee#1', line: '106540352242923', team: 'sales' }])
  const [named, plain] = [...sink.held.values()]
  t.equal(named!.labels.line, '106540352242922', 'the label is the id')
  t.equal(named!.annotations.line_name, 'Billing desk')
  t.equal(named!.annotations.summary, 'Chat unanswered for 300 s on Billing desk (line 106540352242922, team billing)')
  t.notOk('line_name' in plain!.annotations, 'a line without a name has no line_name')
  t.equal(plain!.annotations.summary, 'Chat unanswered for 300 s on line 106540352242923 (team sales)')
  sink.close()

  const printed = formatAlert({ status: 'firing', labels: named!.labels, annotations: named!.annotations, startsAt: new Date(now).toISOString() })
  t.match(printed, /line=106540352242922 \(Billing desk\) team=billing agent=unassigned conversation=106540352242922\|c0ffee#1/)
})
