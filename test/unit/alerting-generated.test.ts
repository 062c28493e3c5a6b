/**
 * The Prometheus rules as code (alerting/src, docs/alerting.md "Thresholds"): the committed
 * alerting/rules/deskpulse.rules.yml is exactly what the code generates, the YAML reads back as
 * the rule objects, and each figure of alerting/src/thresholds.ts lands in the rule it tunes,
 * with the processor's configuration defaults and the dashboards' load band where they share it.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { GROUPS, RULE_FILE, RUNBOOK_BASE, THRESHOLDS, renderRules, type AlertingRule, type RecordingRule } from '../../alerting/src/index.js'
import { plainRuleFile } from '../../alerting/src/plain.js'
import { duration, lastWindow, seconds, spoken } from '../../alerting/src/rule.js'
import { THRESHOLDS as DASHBOARD_THRESHOLDS } from '../../grafana/src/config.js'
import { defaultConfig } from '../../schemas/config.js'

const config = defaultConfig()
const rules = GROUPS.flatMap((g) => g.rules)
const record = (name: string) => (rules.find((r) => 'record' in r && r.record === name) as RecordingRule | undefined)?.expr
const alertsNamed = (name: string) => rules.filter((r): r is AlertingRule => 'alert' in r && r.alert === name)
const bySeverity = (name: string, severity: string) => alertsNamed(name).find((a) => a.labels.severity === severity)

t.test('the committed rules are what alerting/src generates (run npm run rules)', async (t) => {
  const committed = await readFile(new URL(`../../${RULE_FILE}`, import.meta.url), 'utf8')
  t.equal(committed, renderRules(), `${RULE_FILE} is up to date`)
  t.match(committed, /^# GENERATED from alerting\/src.*\n.*npm run rules/, 'the file says it is generated and how to regenerate it')
})

t.test('the YAML reads back as exactly the rule objects', async (t) => {
  t.same(parse(renderRules()), plainRuleFile(GROUPS))
  const names = rules.map((r) => ('record' in r ? r.record : `${r.alert}/${r.labels.severity}`))
  t.same(names.filter((n, i) => names.indexOf(n) !== i), [], 'no rule defined twice')
})

t.test('the SLO rules follow the configuration defaults', async (t) => {
  t.equal(record('overall:helpdesk_slo_objective:ratio'), `max(helpdesk_slo_objective_ratio{job="${config.monitoring.jobs.processor}"}) or vector(${config.slo.objective})`, 'fallback objective is slo.objective')
  const window = duration(config.slo.window_days * 86_400)
  const windowGroup = GROUPS.find((g) => g.name === `deskpulse-first-response-slo-${window}`)
  t.ok(windowGroup, `the SLO window group follows slo.window_days (${window})`)
  t.match(record(`line_team:helpdesk_first_responses:increase${window}`), `[${window}]`)
})

t.test('the burn-rate tiers take their factors, windows and volume guard from thresholds.ts', async (t) => {
  for (const [tier, severity] of [['page', 'critical'], ['ticket', 'warning']] as const) {
    const { burnRate, longWindow, shortWindow, minFirstResponses } = THRESHOLDS.slo[tier]
    t.equal(record(`overall:helpdesk_first_response_slo_${tier}:error_ratio_threshold`), `clamp_max(${burnRate} * overall:helpdesk_first_response_error_budget:ratio, 1)`)
    const a = bySeverity('HelpdeskFirstResponseSLOBurn', severity)!
    t.equal(a.labels.long_window, longWindow, `${tier}: long_window label`)
    t.match(a.expr, `ratio_rate${longWindow}\n`, `${tier}: long window`)
    t.match(a.expr, `ratio_rate${shortWindow}\n`, `${tier}: short window`)
    t.match(a.expr, `rate${longWindow} * ${seconds(longWindow)} >= ${minFirstResponses})`, `${tier}: volume guard`)
    t.match(a.annotations.description, `over ${lastWindow(longWindow)}, and over ${lastWindow(shortWindow)}`)
    for (const w of [longWindow, shortWindow]) t.ok(record(`overall:helpdesk_first_response_errors:ratio_rate${w}`), `the ${w} window is recorded`)
  }
})

t.test('each alert takes its thresholds and for from thresholds.ts', async (t) => {
  const { unanswered, backlog, agentLoad, ingestRejection, processorLag, down } = THRESHOLDS
  const chat = bySeverity('HelpdeskChatUnansweredFiveMinutes', 'critical')!
  t.equal(chat.for, unanswered.for)
  t.equal(unanswered.escalateAfterSeconds, config.thresholds.escalate_after)
  t.match(chat.annotations.description, `(escalate_after: ${spoken(config.thresholds.escalate_after)}; ${spoken(config.thresholds.escalate_after_negative)} for a negative chat)`)

  const growing = bySeverity('HelpdeskBacklogGrowing', 'warning')!
  t.match(growing.expr, `[${backlog.slopeWindow}]) * 60 > ${backlog.growthPerMinute}\n`)
  t.match(growing.expr, `>= ${backlog.minWaiting}\n`)
  t.equal(growing.for, backlog.for)

  const overloaded = bySeverity('HelpdeskAgentsOverloaded', 'warning')!
  t.match(overloaded.expr, new RegExp(`> ${agentLoad.band.high}$`))
  t.equal(overloaded.for, agentLoad.for)
  t.same(agentLoad.band, DASHBOARD_THRESHOLDS.loadBand, 'the alert and the dashboards draw the same load band')
  t.same(agentLoad.band, config.thresholds.load_band, 'the band is the config\'s thresholds.load_band')

  const rejecting = bySeverity('DeskpulseIngestRejecting', 'warning')!
  t.match(rejecting.expr, `\n> ${ingestRejection.share}\n`)
  t.match(rejecting.expr, `[${ingestRejection.window}])) >= ${ingestRejection.minRequests}\n`)
  t.equal(rejecting.for, ingestRejection.for)

  const lagWarning = bySeverity('DeskpulseProcessorLagging', 'warning')!
  const lagCritical = bySeverity('DeskpulseProcessorLagging', 'critical')!
  t.match(lagWarning.expr, new RegExp(`> ${processorLag.warningSeconds}$`))
  t.match(lagCritical.expr, new RegExp(`> ${config.thresholds.escalate_after}$`), 'critical lag is the escalation limit')
  t.equal(lagWarning.for, processorLag.for)
  t.equal(lagCritical.for, processorLag.for)

  t.equal(bySeverity('DeskpulseDown', 'critical')!.for, down.for)
})

t.test('every alert links its runbook under RUNBOOK_BASE', async (t) => {
  for (const a of rules.filter((r): r is AlertingRule => 'alert' in r)) t.equal(a.annotations.runbook_url, `${RUNBOOK_BASE}#${a.alert.toLowerCase()}`, a.alert)
})

t.test('durations in the rules and in the annotations', async (t) => {
  t.equal(seconds('6h'), 21_600)
  t.equal(duration(28 * 86_400), '28d')
  t.equal(duration(90), '90s')
  t.same([spoken(60), spoken(300), spoken('1h'), spoken('15m')], ['a minute', '5 minutes', 'an hour', '15 minutes'])
  t.same([lastWindow('1h'), lastWindow('30m')], ['the last hour', 'the last 30 minutes'])
  t.throws(() => seconds('1h30m' as never), /single-unit/)
})

t.test('the operations alerts use their thresholds', async (t) => {
  const alertOf = (name: string) => rules.find((r): r is AlertingRule => 'alert' in r && r.alert === name)!
  const { alertmanagerPosts, lineSilence, accountUpdates } = THRESHOLDS
  const posts = alertOf('DeskpulseAlertmanagerPostsFailing')
  t.match(posts.expr, `[${alertmanagerPosts.window}]`)
  t.match(posts.expr, new RegExp(`> ${alertmanagerPosts.failedShare}\\n$`))
  t.equal(posts.for, alertmanagerPosts.for)
  const silent = alertOf('HelpdeskLineSilent')
  t.match(silent.expr, `[${lineSilence.window}])) == 0`)
  t.match(silent.expr, `[${lineSilence.window}] offset ${lineSilence.lookback})) >= ${lineSilence.minExpected}`)
  t.equal(silent.for, lineSilence.for)
  for (const name of ['WhatsappNumberQualityDowngraded', 'WhatsappTemplateBlocked']) t.match(alertOf(name).expr, `[${accountUpdates.window}])) > 0`)
  t.equal(alertOf('Watchdog').expr, 'vector(1)')
})
