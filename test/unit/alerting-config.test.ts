/**
 * One deployment config drives the generated artefacts (docs/alerting.md "Runbook links", issue 15):
 * a config with other values gives rules and dashboards carrying those values (worked out by
 * hand below), every runbook_url — the rules' and the processor's per-chat alert's — names a
 * heading of docs/alerting.md, and `deskpulse rules` / `deskpulse dashboards` write and check a
 * deployment's copies.
 */
import t from 'tap'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { GROUPS, buildRuleGroups, type AlertingRule, type RecordingRule, type RuleGroup } from '../../alerting/src/index.js'
import { DASHBOARDS, renderDashboard } from '../../grafana/src/index.js'
import { dashboardThresholds } from '../../grafana/src/config.js'
import { chatRunbookUrl } from '../../processor/sinks/alertmanager.js'
import { ConfigError, defaultConfig, parseConfig } from '../../schemas/config.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** A deployment that differs from the defaults in every key the artefacts read. */
const deployment = {
  thresholds: { escalate_after: 120, escalate_after_negative: 90, warn_before: 30, frt_target: 45, load_band: { low: 0.7, high: 0.8 } },
  slo: { objective: 0.95, window_days: 7 },
  monitoring: {
    runbook_base: 'https://runbooks.example.com/deskpulse',
    grafana_url: 'https://grafana.example.com',
    selector: 'namespace="helpdesk"',
    jobs: { ingest: 'hd-ingest', processor: 'hd-processor' },
    dashboard_timezone: 'America/New_York',
  },
}
const config = parseConfig(deployment)

const rulesOf = (groups: readonly RuleGroup[]) => groups.flatMap((g) => g.rules)
const rules = rulesOf(buildRuleGroups(config))
const record = (name: string) => (rules.find((r) => 'record' in r && r.record === name) as RecordingRule | undefined)?.expr
const alertOf = (name: string, severity: string) => rules.find((r): r is AlertingRule => 'alert' in r && r.alert === name && r.labels.severity === severity)!

t.test("a deployment's config gives rules with its values", async (t) => {
  t.equal(record('overall:helpdesk_slo_objective:ratio'), 'max(helpdesk_slo_objective_ratio{job="hd-processor",namespace="helpdesk"}) or vector(0.95)', 'objective fallback 0.95')
  t.ok(buildRuleGroups(config).some((g) => g.name === 'deskpulse-first-response-slo-7d'), 'the SLO window group is 7d')
  t.equal(record('line_team:helpdesk_first_responses:increase7d'), 'sum by (line, team) (increase(helpdesk_first_response_seconds_count{job="hd-processor",namespace="helpdesk"}[7d]))')
  t.equal(alertOf('DeskpulseProcessorLagging', 'critical').expr, 'max by (job, instance) (deskpulse_processor_lag_seconds{job="hd-processor",namespace="helpdesk"}) > 120', 'critical lag at escalate_after = 120 s, on the configured job and selector')
  t.match(alertOf('DeskpulseProcessorLagging', 'critical').annotations.description, 'later than the escalation limit (escalate_after, 2 minutes) promises.')
  t.match(
    alertOf('HelpdeskChatUnansweredFiveMinutes', 'critical').annotations.description,
    'waited longer than the escalation limit (escalate_after: 2 minutes; 90 seconds for a negative chat) without',
  )
  const overloaded = alertOf('HelpdeskAgentsOverloaded', 'warning')
  t.equal(overloaded.expr, 'max by (team) (helpdesk_agent_load_ratio{job="hd-processor",namespace="helpdesk"}) > 0.8', 'above load_band.high')
  t.match(overloaded.annotations.description, 'above 80 % of their capacity')
  t.match(overloaded.annotations.description, 'target band 70-80 %')
  t.equal(
    alertOf('DeskpulseDown', 'critical').expr,
    'up{job=~"hd-ingest|hd-processor",namespace="helpdesk"} == 0\nor absent(up{job="hd-ingest",namespace="helpdesk"})\nor absent(up{job="hd-processor",namespace="helpdesk"})\n',
    'the job names of monitoring.jobs and the selector',
  )
  t.match(alertOf('DeskpulseDown', 'critical').annotations.description, '{{ if eq $labels.job "hd-processor" }}')
  for (const a of rules.filter((r): r is AlertingRule => 'alert' in r)) {
    t.equal(a.annotations.runbook_url, `https://runbooks.example.com/deskpulse#${a.alert.toLowerCase()}`, `${a.alert}: runbook under monitoring.runbook_base`)
  }
  t.equal(chatRunbookUrl(config), 'https://runbooks.example.com/deskpulse#helpdeskchatescalation', 'the per-chat alert links under the same base')
  t.equal(alertOf('HelpdeskAgentsOverloaded', 'warning').annotations.dashboard_url, 'https://grafana.example.com/d/deskpulse-agents?var-team={{ $labels.team }}', 'dashboard_url under monitoring.grafana_url, with the team the alert names')
  t.equal(alertOf('DeskpulseDown', 'critical').annotations.dashboard_url, 'https://grafana.example.com/d/deskpulse-pipeline')
  t.match(alertOf('WhatsappTemplateBlocked', 'warning').expr, 'deskpulse_whatsapp_account_updates_total{job="hd-ingest",namespace="helpdesk",field="message_template_status_update"', 'ingest series on the ingest job')
})

interface Panel { type: string; title: string; description: string; targets: Array<{ expr?: string; rawSql?: string }>; fieldConfig: { defaults: { thresholds: { steps: Array<{ value: number | null }> } } }; panels?: Panel[] }
interface Dashboard { panels: Panel[]; templating: { list: Array<{ name: string; query?: string; current?: { value: string } }> } }

const built = new Map(DASHBOARDS.map((d) => [d.file, JSON.parse(renderDashboard(d, dashboardThresholds(config))) as Dashboard]))
const panel = (file: string, title: string) => {
  const p = built.get(file)!.panels.flatMap((x) => (x.type === 'row' ? (x.panels ?? []) : [x])).find((x) => x.title === title)
  if (!p) throw new Error(`${file}: no panel ${title}`)
  return p
}
const steps = (p: Panel) => p.fieldConfig.defaults.thresholds.steps.map((s) => s.value)

t.test("a deployment's config gives dashboards with its values", async (t) => {
  t.same(steps(panel('live-operations.json', 'Oldest waiting')), [null, 90, 120], 'warning at 120 − 30 = 90 s, breach at 120 s')
  t.match(panel('live-operations.json', 'Oldest waiting').description, 'orange from the 90 s warning, red from the 120 s breach (escalate_after)')
  t.same(steps(panel('live-operations.json', 'Oldest waiting, by line and team')), [null, 90, 120])
  t.match(panel('live-operations.json', 'Chats past the escalation limit').description, 'escalate_after: 120 s; 90 s for a negative chat')
  t.same(steps(panel('live-operations.json', 'Agent load')), [null, 0.7, 0.8], 'the load band 0.7–0.8')
  t.match(panel('live-operations.json', 'Agent load').description, 'Target band 70–80 % (thresholds.load_band)')
  t.same(steps(panel('live-operations.json', 'First response time p50 / p90 / p99')), [null, 45, 120], 'FRT: orange past 45 s, red past 120 s')
  t.same(steps(panel('live-operations.json', 'Service level (1 h)')), [null, 0.95])
  t.match(JSON.stringify(panel('live-operations.json', 'Error budget remaining (7 d)').targets), 'increase7d', 'the SLO window recording rules of 7 days')
  t.match(JSON.stringify(panel('live-operations.json', 'Error budget remaining (7 d) by line and team').targets), 'error_budget_remaining:ratio7d')
  t.match(panel('conversations.json', 'Service level').targets[0]!.rawSql, 'countIf(frt_seconds <= 45)')
  const tz = built.get('conversations.json')!.templating.list.find((v) => v.name === 'tz')!
  t.equal(tz.query, 'America/New_York', 'tz defaults to monitoring.dashboard_timezone')
  t.equal(panel('pipeline.json', 'Targets up').targets[0]!.expr, 'min by (job) (up{job=~"hd-ingest|hd-processor"})')
  t.same(steps(panel('pipeline.json', 'Processor lag')), [null, 60, 120], 'lag: 60 s warning, escalate_after critical')
})

t.test('the default config gives the committed artefacts', async (t) => {
  const committed = await readFile(path.join(root, 'alerting/rules/deskpulse.rules.yml'), 'utf8')
  const { renderRules } = await import('../../alerting/src/index.js')
  t.equal(renderRules(buildRuleGroups(defaultConfig())), committed)
  for (const d of DASHBOARDS) t.equal(renderDashboard(d, dashboardThresholds(defaultConfig())), await readFile(path.join(root, 'grafana/dashboards', d.file), 'utf8'), d.file)
})

/** GitHub's heading anchors: lowercase, punctuation other than - and _ dropped, spaces to -. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')

t.test('every runbook_url names a heading of docs/alerting.md', async (t) => {
  const doc = await readFile(path.join(root, 'docs/alerting.md'), 'utf8')
  const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)))
  const urls = [...new Set(rulesOf(GROUPS).filter((r): r is AlertingRule => 'alert' in r).map((a) => a.annotations.runbook_url)), chatRunbookUrl(defaultConfig())]
  t.ok(urls.length >= 9, `${urls.length} runbook links`)
  for (const url of urls) {
    const [file, anchor] = url.split('#')
    t.equal(file, 'https://github.com/deskpulse/deskpulse/blob/main/docs/alerting.md', `${url}: an absolute URL of docs/alerting.md`)
    t.ok(anchors.has(anchor!), `${url}: docs/alerting.md has the heading`)
  }
  t.match(doc, /^### HelpdeskChatEscalation\n[\s\S]*?\*\*Meaning\.\*\*[\s\S]*?\*\*Check\.\*\*[\s\S]*?\*\*Act\.\*\*/m, 'the per-chat alert has meaning, check and act')
})

t.test('the config keys are validated with the field named', async (t) => {
  t.same(defaultConfig().thresholds.load_band, { low: 0.85, high: 0.9 })
  t.same(defaultConfig().monitoring, {
    runbook_base: 'https://github.com/deskpulse/deskpulse/blob/main/docs/alerting.md',
    grafana_url: 'http://localhost:3000',
    selector: '',
    jobs: { ingest: 'deskpulse-ingest', processor: 'deskpulse-processor' },
    dashboard_timezone: 'Europe/Rome',
  })
  t.throws(() => parseConfig({ monitoring: { runbook_base: 'docs/alerting.md' } }), /invalid config field monitoring\.runbook_base/, 'a runbook base must be an absolute URL')
  t.throws(() => parseConfig({ monitoring: { selector: 'namespace=helpdesk' } }), /invalid config field monitoring\.selector/, 'matchers must be PromQL label matchers')
  t.throws(() => parseConfig({ thresholds: { load_band: { low: 0.95, high: 0.9 } } }), new ConfigError('invalid config field thresholds.load_band.low: must not be above thresholds.load_band.high'))
  t.throws(() => parseConfig({ thresholds: { load_band: { high: 1.2 } } }), /invalid config field thresholds\.load_band\.high/)
  t.throws(() => parseConfig({ monitoring: { dashboard_timezone: 'Mars/Olympus' } }), /invalid config field monitoring\.dashboard_timezone: unknown time zone/)
  t.throws(() => parseConfig({ monitoring: { jobs: { ingest: 'a b' } } }), /invalid config field monitoring\.jobs\.ingest/)
})

t.test('deskpulse rules and deskpulse dashboards write and check a deployment\'s copies', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'deskpulse-artefacts-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'deskpulse.yml')
  const { writeFile } = await import('node:fs/promises')
  await writeFile(file, 'thresholds:\n  escalate_after: 120\n')
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [path.join(root, 'bin/deskpulse.js'), ...args], { cwd: root, env: { ...process.env, DESKPULSE_CONFIG: '' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    )
  const out = path.join(dir, 'out')
  const refused = await run('rules', '--config', file)
  t.equal(refused.code, 1)
  t.match(refused.stderr, 'give --out DIR', 'the committed files are not overwritten by a deployment config')
  t.equal((await run('rules', '--config', file, '--out', out)).code, 0)
  t.match(await readFile(path.join(out, 'deskpulse.rules.yml'), 'utf8'), 'max by (job, instance) (deskpulse_processor_lag_seconds{job="deskpulse-processor"}) > 120\n')
  t.equal((await run('rules', '--config', file, '--out', out, '--check')).code, 0, 'up to date')
  t.equal((await run('dashboards', '--config', file, '--out', out)).code, 0)
  t.equal((await run('dashboards', '--config', file, '--out', out, '--check')).code, 0)
  await writeFile(file, 'thresholds:\n  escalate_after: 150\n')
  const stale = await run('dashboards', '--config', file, '--out', out, '--check')
  t.equal(stale.code, 1, 'a changed config: the copies differ')
  t.match(stale.stderr, 'live-operations.json differs from what the config generates')
  t.equal((await run('rules', '--check')).code, 0, 'without a config file: the committed rules, up to date')
})
