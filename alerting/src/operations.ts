/**
 * Alerts about the monitoring itself and the WhatsApp account (docs/alerting.md): the Watchdog
 * (dead man's switch), the processor's posts to Alertmanager failing, a line gone silent where its
 * own history says it should have traffic, and Meta's account webhooks an operator must act on.
 */
import { alert, lastWindow, percent, spoken, text, type AlertingRule, type RuleGroup } from './rule.js'
import type { RuleThresholds } from './thresholds.js'

const watchdog = ({ runbookBase }: RuleThresholds): AlertingRule =>
  alert(runbookBase, {
    alert: 'Watchdog',
    comment: text(
      'Always firing: the whole alerting path (Prometheus evaluating, Alertmanager receiving and',
      'notifying) is alive while a dead man\'s switch keeps receiving it (alerting/alertmanager.yml',
      'routes it to the deadmans-switch receiver, nowhere else).',
    ),
    expr: 'vector(1)',
    labels: { severity: 'none' },
    annotations: {
      summary: 'Alerting pipeline is alive (always firing)',
      description: text(
        'This alert fires all the time, so that a dead man\'s switch outside this stack notices when it',
        'stops arriving: Prometheus, its rules or Alertmanager are down or cannot notify.',
      ),
    },
  })

const alertmanagerPostsFailing = ({ runbookBase, alertmanagerPosts: a }: RuleThresholds): AlertingRule =>
  alert(runbookBase, {
    alert: 'DeskpulseAlertmanagerPostsFailing',
    comment: text(
      'The per-chat HelpdeskChatEscalation alerts go from the processor to Alertmanager directly',
      '(ALERTMANAGER_URL); when those posts fail, chats breach without a page (alerting/src/thresholds.ts alertmanagerPosts).',
    ),
    expr: `sum by (job, instance) (rate(deskpulse_alertmanager_posts_total{result="error"}[${a.window}]))
  / sum by (job, instance) (rate(deskpulse_alertmanager_posts_total[${a.window}]))
> ${a.failedShare}
`,
    for: a.for,
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Processor {{ $labels.instance }} failing to post {{ $value | humanizePercentage }} of its alerts to Alertmanager',
      description: text(
        `The processor {{ $labels.instance }} failed {{ $value | humanizePercentage }} of its posts to Alertmanager over ${lastWindow(a.window)}`,
        `(more than ${percent(a.failedShare)} for ${spoken(a.for)}): per-chat escalations are not being paged. Check ALERTMANAGER_URL and`,
        "Alertmanager's health; the processor's log names the error.",
      ),
    },
  })

const lineSilent = ({ runbookBase, lineSilence: s }: RuleThresholds): AlertingRule =>
  alert(runbookBase, {
    alert: 'HelpdeskLineSilent',
    comment: text(
      `No inbound message on a line for ${spoken(s.window)}, where the same ${spoken(s.window)} ${spoken(s.lookback)} earlier`,
      `had at least ${s.minExpected}: judged from the line's own history, so a quiet line or a quiet hour never alerts.`,
      'Meta has stopped delivering webhooks (subscription, app secret, the number), or the helpdesk has (alerting/src/thresholds.ts lineSilence).',
    ),
    expr: `sum by (line) (increase(helpdesk_messages_total{direction="in"}[${s.window}])) == 0
and
sum by (line) (increase(helpdesk_messages_total{direction="in"}[${s.window}] offset ${s.lookback})) >= ${s.minExpected}
`,
    for: s.for,
    labels: { severity: 'warning' },
    annotations: {
      summary: 'No inbound messages on line {{ $labels.line }} for ' + spoken(s.window),
      description: text(
        `Line {{ $labels.line }} has received no customer message for ${spoken(s.window)}, while the same`,
        `${spoken(s.window)} ${spoken(s.lookback)} ago brought at least ${s.minExpected}. Webhooks from Meta (or the helpdesk)`,
        'have probably stopped arriving: check the app\'s webhook subscription and the ingest\'s rejections.',
      ),
    },
  })

const ACCOUNT = 'deskpulse_whatsapp_account_updates_total'

const qualityDowngraded = ({ runbookBase, accountUpdates: u }: RuleThresholds): AlertingRule =>
  alert(runbookBase, {
    alert: 'WhatsappNumberQualityDowngraded',
    comment: text(
      "Meta's phone_number_quality_update webhook: a number flagged (quality rating Low) or its messaging",
      `limit lowered. It comes once; the alert stays for ${spoken(u.window)} after it.`,
    ),
    expr: `sum by (event) (increase(${ACCOUNT}{field="phone_number_quality_update",event=~"FLAGGED|DOWNGRADE"}[${u.window}])) > 0
`,
    labels: { severity: 'warning' },
    annotations: {
      summary: 'A WhatsApp number was {{ $labels.event | toLower }} by Meta',
      description: text(
        'Meta sent phone_number_quality_update {{ $labels.event }}: a business number\'s quality rating fell',
        '(FLAGGED) or its messaging limit was lowered (DOWNGRADE). Check the number\'s quality in WhatsApp',
        'Manager and what customers reported (blocks, spam reports) before it is restricted further.',
      ),
    },
  })

const templateBlocked = ({ runbookBase, accountUpdates: u }: RuleThresholds): AlertingRule =>
  alert(runbookBase, {
    alert: 'WhatsappTemplateBlocked',
    comment: text(
      "Meta's message_template_status_update webhook: a template paused, rejected or disabled, so",
      `messages sent with it (outside the 24-hour window) fail. The alert stays for ${spoken(u.window)} after it.`,
    ),
    expr: `sum by (event) (increase(${ACCOUNT}{field="message_template_status_update",event=~"PAUSED|REJECTED|DISABLED"}[${u.window}])) > 0
`,
    labels: { severity: 'warning' },
    annotations: {
      summary: 'A WhatsApp message template was {{ $labels.event | toLower }}',
      description: text(
        'Meta sent message_template_status_update {{ $labels.event }}: a message template can no longer be',
        'sent. Replies outside the 24-hour window that use it fail; see the template in WhatsApp Manager',
        '(the reason is there) and switch flows to another template.',
      ),
    },
  })

export const operationsAlertsGroup = (t: RuleThresholds): RuleGroup => ({
  name: 'deskpulse-operations-alerts',
  comment: 'The alerting path itself, traffic that stopped, and the WhatsApp account (docs/alerting.md).',
  rules: [watchdog(t), alertmanagerPostsFailing(t), lineSilent(t), qualityDowngraded(t), templateBlocked(t)],
})
