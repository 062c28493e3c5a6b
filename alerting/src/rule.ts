/**
 * The shape of a Prometheus rule file (https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/)
 * as typed objects, and the small helpers the rule modules are written with: durations, the
 * words the annotations use for them, and runbook links.
 */
import { runbookUrl } from '../../schemas/config.js'
/** A Prometheus duration as the rules write it: `5m`, `1h`, `28d`. */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`

/** Explanations carried into the generated YAML as comments (the "why", not the "what"). */
interface Commented {
  /** Comment lines written above the entry, without the `# `. */
  comment?: string
}

export interface RecordingRule extends Commented {
  record: string
  expr: string
}

export interface AlertingRule extends Commented {
  alert: string
  expr: string
  for?: Duration
  /** `none`: the Watchdog, which fires always and pages nobody. */
  labels: { severity: 'critical' | 'warning' | 'none' } & Record<string, string>
  /** `dashboard_url`: the Grafana dashboard to open first (filled in by alerting/src/links.ts). */
  annotations: { summary: string; description: string; runbook_url: string; dashboard_url?: string }
}

export type Rule = RecordingRule | AlertingRule

export interface RuleGroup extends Commented {
  name: string
  interval?: Duration
  rules: Rule[]
}

const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60, s: 1 } as const
const UNIT_WORDS = { d: 'day', h: 'hour', m: 'minute', s: 'second' } as const

/** The seconds of a duration: `seconds('1h')` is 3600. */
export function seconds(d: Duration): number {
  const m = /^(\d+)([smhd])$/.exec(d)
  if (!m) throw new Error(`not a single-unit Prometheus duration: ${d}`)
  return Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS]
}

/** The duration of a number of seconds, in the largest unit that divides it: 300 is `5m`. */
export function duration(s: number): Duration {
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) if (s > 0 && s % size === 0) return `${s / size}${unit}` as Duration
  throw new Error(`not a whole number of seconds: ${s}`)
}

function amount(s: number): { n: number; unit: string } {
  const d = duration(s)
  return { n: Number(d.slice(0, -1)), unit: UNIT_WORDS[d.slice(-1) as keyof typeof UNIT_WORDS] }
}

/** A duration in the annotations' words: 60 s is "a minute", 300 s "5 minutes", 1 h "an hour". */
export function spoken(d: Duration | number): string {
  const { n, unit } = amount(typeof d === 'number' ? d : seconds(d))
  if (n !== 1) return `${n} ${unit}s`
  return unit === 'hour' ? 'an hour' : `a ${unit}`
}

/** "the last hour", "the last 5 minutes". */
export function lastWindow(d: Duration): string {
  const { n, unit } = amount(seconds(d))
  return n === 1 ? `the last ${unit}` : `the last ${n} ${unit}s`
}

/** A ratio as the annotations write it: 0.9 is "90 %". */
export const percent = (ratio: number): string => `${Math.round(ratio * 1000) / 10} %`

export { runbookUrl }

/** An alert with its runbook link filled in from its name, under the config's runbook base. */
export function alert(
  runbookBase: string,
  rule: Omit<AlertingRule, 'annotations'> & { annotations: Omit<AlertingRule['annotations'], 'runbook_url'> },
): AlertingRule {
  return { ...rule, annotations: { ...rule.annotations, runbook_url: runbookUrl(runbookBase, rule.alert) } }
}

/** Annotation text written over several source lines, joined as YAML's folded style would. */
export const text = (...lines: string[]): string => lines.join(' ')
