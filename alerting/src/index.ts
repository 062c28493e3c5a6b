/**
 * The deskpulse Prometheus rules, built for one deployment config (`deskpulse rules --config
 * FILE`), and the header the rule file carries. The committed alerting/rules/deskpulse.rules.yml
 * is the default config's (`npm run rules`).
 */
import { defaultConfig, type Config } from '../../schemas/config.js'
import { BACKLOG_GROUP, helpdeskAlertsGroup } from './helpdesk.js'
import { pipelineAlertsGroup } from './pipeline.js'
import { forecastAlertsGroup } from './forecast.js'
import { balanceAlertsGroup } from './balance.js'
import { operationsAlertsGroup } from './operations.js'
import { withConventions } from './links.js'
import { renderRuleFile } from './render.js'
import type { RuleGroup } from './rule.js'
import { sloRecordingGroups } from './slo.js'
import { ruleThresholds } from './thresholds.js'

/** Recording groups first: Prometheus evaluates groups concurrently, the order is for the reader. */
export function buildRuleGroups(config: Config): RuleGroup[] {
  const t = ruleThresholds(config)
  return withConventions([...sloRecordingGroups(t), BACKLOG_GROUP, helpdeskAlertsGroup(t), pipelineAlertsGroup(t), operationsAlertsGroup(t), forecastAlertsGroup(config), balanceAlertsGroup(config)], t)
}

/** The rules of the default config, as committed. */
export const GROUPS: readonly RuleGroup[] = buildRuleGroups(defaultConfig())

/** The file alerting/build.ts writes, relative to the repository. */
export const RULE_FILE = 'alerting/rules/deskpulse.rules.yml'

const HEADER = `GENERATED from alerting/src/*.ts by alerting/build.ts: do not edit. Regenerate with \`npm run rules\`; \`npm run rules -- --check\` fails when this file differs from what the code generates.

deskpulse Prometheus rules: recording rules for the first-response SLO and the waiting backlog, and the alerts of docs/architecture.md "Alerts". Thresholds: the deployment config (schemas/config.ts; this file is built from the defaults, \`deskpulse rules --config FILE\` builds a deployment's) and alerting/src/thresholds.ts (docs/alerting.md "Thresholds"). Runbooks: docs/alerting.md, one section per alert (the runbook_url prefix is the config's monitoring.runbook_base; dashboard_url under monitoring.grafana_url). Every series selector carries the job of monitoring.jobs and the matchers of monitoring.selector (alerting/src/links.ts). Unit tests: alerting/tests/*.test.yml (\`promtool test rules alerting/tests/*.test.yml\`).

Naming: level:metric:operation (Prometheus recording-rule convention). \`line_team:\` series keep the line and team labels (summed over processor instances); \`overall:\` series have no labels.`

/** The YAML of the rule file. */
export const renderRules = (groups: readonly RuleGroup[] = GROUPS): string => renderRuleFile(groups, HEADER)

export type { AlertingRule, RecordingRule, Rule, RuleGroup } from './rule.js'
export { THRESHOLDS, RUNBOOK_BASE, ruleThresholds, type RuleThresholds } from './thresholds.js'
