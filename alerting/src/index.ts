/**
 * The deskpulse Prometheus rules, as committed in alerting/rules/deskpulse.rules.yml
 * (`npm run rules`), and the header that file carries.
 */
import { BACKLOG_GROUP, HELPDESK_ALERTS_GROUP } from './helpdesk.js'
import { PIPELINE_ALERTS_GROUP } from './pipeline.js'
import { renderRuleFile } from './render.js'
import type { RuleGroup } from './rule.js'
import { SLO_RECORDING_GROUPS } from './slo.js'

/** Recording groups first: Prometheus evaluates groups concurrently, the order is for the reader. */
export const GROUPS: readonly RuleGroup[] = [...SLO_RECORDING_GROUPS, BACKLOG_GROUP, HELPDESK_ALERTS_GROUP, PIPELINE_ALERTS_GROUP]

/** The file alerting/build.ts writes, relative to the repository. */
export const RULE_FILE = 'alerting/rules/deskpulse.rules.yml'

const HEADER = `GENERATED from alerting/src/*.ts by alerting/build.ts: do not edit. Regenerate with \`npm run rules\`; \`npm run rules -- --check\` fails when this file differs from what the code generates.

deskpulse Prometheus rules: recording rules for the first-response SLO and the waiting backlog, and the alerts of ARCHITECTURE.md "Alerts". Thresholds: alerting/src/thresholds.ts (docs/alerting.md "Thresholds"). Runbooks: docs/alerting.md, one section per alert (the runbook_url prefix is RUNBOOK_BASE in alerting/src/thresholds.ts). Unit tests: alerting/tests/*.test.yml (\`promtool test rules alerting/tests/*.test.yml\`).

Naming: level:metric:operation (Prometheus recording-rule convention). \`line_team:\` series keep the line and team labels (summed over processor instances); \`overall:\` series have no labels.`

/** The YAML of the rule file. */
export const renderRules = (groups: readonly RuleGroup[] = GROUPS): string => renderRuleFile(groups, HEADER)

export type { AlertingRule, RecordingRule, Rule, RuleGroup } from './rule.js'
export { THRESHOLDS, RUNBOOK_BASE } from './thresholds.js'
