/**
 * The alerting of docs/architecture.md "Alerts" (alerting/, docs/alerting.md): the rules pass
 * `promtool check rules` and their unit tests (`promtool test rules alerting/tests/*.test.yml`),
 * the Alertmanager configuration passes `amtool check-config`, routes by severity and team and
 * inhibits as docs/alerting.md says (checked on a real Alertmanager), and every alert has its
 * severity, summary, description and a runbook section. The rule file is generated from
 * alerting/src (`npm run rules`); test/unit/alerting-generated.test.ts checks the figures.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { accessSync, constants, readdirSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { RULE_FILE, RUNBOOK_BASE, renderRules } from '../../alerting/src/index.js'
import { eventually, startAlertmanagerFixture, tempDir } from '../helpers/harness.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const at = (...p: string[]) => path.join(root, ...p)

// docs/architecture.md "Alerts": the names dashboards, runbooks and on-call rely on.
const ARCHITECTURE_ALERTS = [
  'HelpdeskChatUnansweredFiveMinutes',
  'HelpdeskFirstResponseSLOBurn',
  'HelpdeskBacklogGrowing',
  'HelpdeskAgentsOverloaded',
  'HelpdeskUnderstaffedSoon',
  'HelpdeskWorkloadImbalanced',
  'DeskpulseIngestRejecting',
  'DeskpulseProcessorLagging',
  'DeskpulseDown',
]
/**
 * Beyond docs/architecture.md's list: the store writers behind (issue 14: the live path no longer
 * waits for the store); the monitoring-mixin conventions (issue 20): the Watchdog, failed posts to
 * Alertmanager, a line gone silent, and Meta's account webhooks.
 */
const MORE_ALERTS = ['DeskpulseStoreBehind', 'Watchdog', 'DeskpulseAlertmanagerPostsFailing', 'HelpdeskLineSilent', 'WhatsappNumberQualityDowngraded', 'WhatsappTemplateBlocked']
const ALL_ALERTS = [...ARCHITECTURE_ALERTS, ...MORE_ALERTS]

/** The binary's path on PATH, or a test failure that names the Debian package to install. */
function binary(name: string, pkg: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {}
  }
  throw new Error(`${name} not found on PATH: install the Debian package ${pkg} (apt-get install ${pkg})`)
}

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' })
  if (r.error) throw r.error
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

interface Rule {
  record?: string
  alert?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
interface RuleFile {
  groups: { name: string; interval?: string; rules: Rule[] }[]
}

const ruleFiles = readdirSync(at('alerting/rules')).filter((f) => f.endsWith('.yml')).map((f) => path.join('alerting/rules', f))
const testFiles = readdirSync(at('alerting/tests')).filter((f) => f.endsWith('.test.yml')).map((f) => path.join('alerting/tests', f))
const rules: Rule[] = []
for (const f of ruleFiles) for (const g of (parse(await readFile(at(f), 'utf8')) as RuleFile).groups) rules.push(...g.rules)
const alerts = rules.filter((r) => r.alert)

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')

t.test('the rule file is what alerting/src generates (run npm run rules)', async (t) => {
  t.same(ruleFiles, [RULE_FILE], 'one rule file, the generated one')
  t.equal(await readFile(at(RULE_FILE), 'utf8'), renderRules(), `${RULE_FILE} is up to date`)
})

t.test('promtool accepts the rule files', async (t) => {
  t.ok(ruleFiles.length > 0, 'rule files under alerting/rules')
  const r = run(binary('promtool', 'prometheus'), ['check', 'rules', ...ruleFiles])
  t.equal(r.status, 0, r.output)
  t.match(r.output, /SUCCESS/)
})

t.test('the promtool unit tests of the rules pass', async (t) => {
  t.ok(testFiles.length > 0, 'unit tests under alerting/tests')
  const r = run(binary('promtool', 'prometheus'), ['test', 'rules', ...testFiles])
  t.equal(r.status, 0, r.output)
  t.equal(r.output.match(/^\s*SUCCESS\s*$/gm)?.length, testFiles.length, `one SUCCESS per test file:\n${r.output}`)
  t.notMatch(r.output, /FAILED/)
})

t.test('every rule has a unit test, firing and not firing', async (t) => {
  const tests = testFiles.map((f) => readFile(at(f), 'utf8'))
  const text = (await Promise.all(tests)).join('\n')
  for (const a of new Set(alerts.map((r) => r.alert!))) {
    const cases = [...text.matchAll(new RegExp(`- alertname: ${a}\\n\\s+eval_time: \\S+\\n(\\s+exp_alerts:)?`, 'g'))]
    t.ok(cases.some((c) => c[1]), `${a} has a firing case`)
    // The Watchdog fires always: there is no case where it does not.
    if (a !== 'Watchdog') t.ok(cases.some((c) => !c[1]), `${a} has a case where it does not fire`)
  }
  for (const r of rules.filter((r) => r.record)) t.match(text, `- expr: ${r.record}\n`, `${r.record} is checked`)
})

t.test('Prometheus loads the rules from where docker-compose mounts them', async (t) => {
  const compose = parse(await readFile(at('docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes?: string[] }> }
  t.ok(compose.services.prometheus?.volumes?.some((v) => v.startsWith('./alerting:/etc/prometheus/alerting')), 'docker-compose mounts ./alerting')
  const config = await readFile(at('alerting/prometheus.yml'), 'utf8')
  t.same((parse(config) as { rule_files: string[] }).rule_files, ['/etc/prometheus/alerting/rules/*.yml'])
  // The same configuration with the mount point replaced by this checkout: promtool checks the
  // rule files it finds through the glob, so an empty glob would show as 0 rules.
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'prometheus.yml'), config.replaceAll('/etc/prometheus/alerting', at('alerting')))
  const r = run(binary('promtool', 'prometheus'), ['check', 'config', path.join(dir, 'prometheus.yml')])
  t.equal(r.status, 0, r.output)
  t.match(r.output, new RegExp(`SUCCESS: ${rules.length} rules found`))
})

t.test('every alert of docs/architecture.md is defined with severity, summary, description and runbook', async (t) => {
  const docs = await readFile(at('docs/alerting.md'), 'utf8')
  const anchors = new Set([...docs.matchAll(/^#{1,6} +(.+)$/gm)].map((m) => anchor(m[1]!)))
  t.same([...new Set(alerts.map((a) => a.alert))].sort(), [...ALL_ALERTS].sort(), 'the alerts are the ones of docs/architecture.md and the store alert')
  for (const name of ALL_ALERTS) {
    const defs = alerts.filter((a) => a.alert === name)
    t.ok(defs.length > 0, `${name} is defined`)
    for (const a of defs) {
      t.match(a.labels?.severity, name === 'Watchdog' ? /^none$/ : /^(critical|warning)$/, `${name} has a severity`)
      t.ok(a.annotations?.summary?.trim(), `${name} has a summary`)
      t.ok(a.annotations?.description?.trim(), `${name} has a description`)
      t.equal(a.annotations?.runbook_url, `${RUNBOOK_BASE}#${name.toLowerCase()}`, `${name} links its runbook`)
      t.match(a.annotations?.runbook_url, /^https?:\/\//, `${name}: the runbook URL is absolute`)
      if (name !== 'Watchdog') t.match(a.annotations?.dashboard_url, /^https?:\/\/[^/]+\/d\/deskpulse-[a-z-]+/, `${name} links a dashboard`)
      t.ok(anchors.has(name.toLowerCase()), `docs/alerting.md has a heading for #${name.toLowerCase()}`)
    }
  }
  t.ok(anchors.has('detection-delay'), 'docs/alerting.md has the "Detection delay" section')
})

t.test('the rules use only the metrics of docs/metrics.md and recordings that exist', async (t) => {
  const contract = await readFile(at('docs/metrics.md'), 'utf8')
  const documented = new Set([...contract.matchAll(/`((?:helpdesk|deskpulse)_[a-z0-9_]+)`/g)].map((m) => m[1]!))
  const recorded = new Set(rules.filter((r) => r.record).map((r) => r.record!))
  const used = new Set<string>()
  const unknown: string[] = []
  for (const r of rules) {
    // Names in the expression (quoted label values and comments left out) and in the
    // annotations' template actions (their queries).
    const expr = r.expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$/gm, '')
    const actions = Object.values(r.annotations ?? {}).flatMap((a) => [...a.matchAll(/\{\{(.*?)\}\}/gs)].map((m) => m[1]!))
    for (const [name] of [expr, ...actions].join('\n').matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
      const known = name.includes(':')
        ? recorded.has(name)
        : !/^(helpdesk|deskpulse)_/.test(name) || documented.has(name) || documented.has(name.replace(/_(count|sum|bucket)$/, ''))
      if (!known) unknown.push(`${r.record ?? r.alert}: ${name}`)
      else if (/^(helpdesk|deskpulse)_/.test(name)) used.add(name)
    }
  }
  t.same(unknown, [], 'no metric outside docs/metrics.md, no recording that no rule records')
  t.ok(used.size >= 10, `the rules read the contract's metrics (${[...used].sort().join(', ')})`)
})

t.test('amtool accepts the Alertmanager configuration and its commented examples', async (t) => {
  const amtool = binary('amtool', 'prometheus-alertmanager')
  const r = run(amtool, ['check-config', 'alerting/alertmanager.yml'])
  t.equal(r.status, 0, r.output)
  t.match(r.output, /SUCCESS/)
  // The Slack and PagerDuty blocks, uncommented, are valid receivers too.
  const config = await readFile(at('alerting/alertmanager.yml'), 'utf8')
  const [head, receivers] = config.split(/^receivers:\n/m) as [string, string]
  const uncommented = `${head}receivers:\n${receivers.replace(/^( {4})# /gm, '$1')}`
  t.match(uncommented, /\n {4}slack_configs:/)
  t.match(uncommented, /\n {4}pagerduty_configs:/)
  t.match(uncommented, /- name: deadmans-switch\n {4}webhook_configs:/)
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'alertmanager.yml'), uncommented)
  const examples = run(amtool, ['check-config', path.join(dir, 'alertmanager.yml')])
  t.equal(examples.status, 0, examples.output)
})

t.test('alerts route by severity and team', async (t) => {
  const amtool = binary('amtool', 'prometheus-alertmanager')
  const receiverOf = (...labels: string[]) => {
    const r = run(amtool, ['config', 'routes', 'test', '--config.file=alerting/alertmanager.yml', ...labels])
    t.equal(r.status, 0, r.output)
    return r.output.replace(/^Warning:.*\n?/gm, '').trim()
  }
  t.equal(receiverOf('alertname=DeskpulseDown', 'severity=critical'), 'oncall-pager')
  t.equal(receiverOf('alertname=HelpdeskFirstResponseSLOBurn', 'severity=critical', 'line=L1', 'team=sales'), 'oncall-pager')
  t.equal(receiverOf('alertname=HelpdeskBacklogGrowing', 'severity=warning', 'line=L1', 'team=sales'), 'helpdesk-chat')
  t.equal(receiverOf('alertname=HelpdeskChatEscalation', 'severity=critical', 'level=breach', 'team=sales'), 'oncall-pager')
  t.equal(receiverOf('alertname=HelpdeskChatEscalation', 'severity=warning', 'level=warning', 'team=sales'), 'helpdesk-chat')
  t.equal(receiverOf('alertname=HelpdeskChatEscalation', 'severity=critical', 'level=breach', 'team=vip'), 'vip-pager')
  // The escalation chain (docs/sla.md): each step's level has its own receiver.
  t.equal(receiverOf('alertname=HelpdeskChatEscalation', 'severity=critical', 'level=supervisor', 'team=sales'), 'helpdesk-supervisors')
  t.equal(receiverOf('alertname=HelpdeskChatEscalation', 'severity=critical', 'level=manager', 'team=sales'), 'helpdesk-managers')
  t.equal(receiverOf('alertname=HelpdeskAgentsOverloaded', 'severity=warning', 'team=vip'), 'vip-chat')
  t.equal(receiverOf('alertname=Watchdog', 'severity=none'), 'deadmans-switch', "the Watchdog goes to the dead man's switch only")
  t.equal(receiverOf('alertname=DeskpulseAlertmanagerPostsFailing', 'severity=critical'), 'oncall-pager')
})

t.test('Alertmanager inhibits as documented', async (t) => {
  binary('prometheus-alertmanager', 'prometheus-alertmanager')
  const am = await startAlertmanagerFixture(t, await readFile(at('alerting/alertmanager.yml'), 'utf8'))
  const chat = { alertname: 'HelpdeskChatEscalation', line: 'L1', team: 'sales', agent: 'a1' }
  const sent: Record<string, Record<string, string>> = {
    breachC1: { ...chat, level: 'breach', severity: 'critical', conversation: 'c1' },
    warningC1: { ...chat, level: 'warning', severity: 'warning', conversation: 'c1' },
    warningC2: { ...chat, level: 'warning', severity: 'warning', conversation: 'c2' },
    warningOtherLine: { ...chat, line: 'L2', level: 'warning', severity: 'warning', conversation: 'c1' },
    // c3 climbed the chain: its manager page hides its supervisor page and its breach.
    breachC3: { ...chat, level: 'breach', severity: 'critical', conversation: 'c3' },
    supervisorC3: { ...chat, level: 'supervisor', severity: 'critical', conversation: 'c3' },
    managerC3: { ...chat, level: 'manager', severity: 'critical', conversation: 'c3' },
    // c4 is at the supervisor: its breach is hidden, not c3's or others'.
    breachC4: { ...chat, level: 'breach', severity: 'critical', conversation: 'c4' },
    supervisorC4: { ...chat, level: 'supervisor', severity: 'critical', conversation: 'c4' },
    aggregateL1: { alertname: 'HelpdeskChatUnansweredFiveMinutes', line: 'L1', team: 'sales', severity: 'critical' },
    aggregateL2: { alertname: 'HelpdeskChatUnansweredFiveMinutes', line: 'L2', team: 'support', severity: 'critical' },
    sloPage: { alertname: 'HelpdeskFirstResponseSLOBurn', line: 'L1', team: 'sales', severity: 'critical', long_window: '1h' },
    sloTicket: { alertname: 'HelpdeskFirstResponseSLOBurn', line: 'L1', team: 'sales', severity: 'warning', long_window: '6h' },
    sloTicketL2: { alertname: 'HelpdeskFirstResponseSLOBurn', line: 'L2', team: 'support', severity: 'warning', long_window: '6h' },
    backlog: { alertname: 'HelpdeskBacklogGrowing', line: 'L1', team: 'sales', severity: 'warning' },
    processorDown: { alertname: 'DeskpulseDown', job: 'deskpulse-processor', instance: 'p1', severity: 'critical' },
    lagging: { alertname: 'DeskpulseProcessorLagging', job: 'deskpulse-processor', instance: 'p2', severity: 'warning' },
  }
  const res = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Object.values(sent).map((labels) => ({ labels, annotations: { summary: 'test' }, startsAt: new Date().toISOString() }))),
  })
  t.equal(res.status, 200)
  const expectInhibited = new Set(['warningC1', 'aggregateL1', 'sloTicket', 'lagging', 'breachC3', 'supervisorC3', 'breachC4'])
  type Got = { labels: Record<string, string>; status: { inhibitedBy: string[] } }
  const key = (l: Record<string, string>) => JSON.stringify(Object.entries(l).sort())
  // The inhibitor learns of its source alerts asynchronously: poll until the picture is complete.
  const got = await eventually(async () => {
    const all = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as Got[]
    const inhibited = new Set(all.filter((a) => a.status.inhibitedBy.length > 0).map((a) => key(a.labels)))
    return all.length === Object.keys(sent).length && inhibited.size >= expectInhibited.size ? inhibited : undefined
  })
  for (const [name, labels] of Object.entries(sent)) t.equal(got.has(key(labels)), expectInhibited.has(name), `${name} ${expectInhibited.has(name) ? 'is' : 'is not'} inhibited`)
})
