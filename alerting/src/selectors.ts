/**
 * Label matchers added to every series selector of a PromQL expression — the monitoring-mixin
 * convention of one configurable selector in every rule and panel, applied in one place (the rule
 * groups in alerting/src/index.ts, the dashboards in grafana/src/conventions.ts) rather than
 * written into each expression. Recording rules (`level:metric:operation`, with colons), `up`,
 * `ALERTS` and anything not matched by `matchersFor` are left as they are.
 */

/** The job whose /metrics exports a deskpulse series; null for anything else. */
export function jobOf(metric: string): 'ingest' | 'processor' | null {
  if (metric.includes(':')) return null
  if (/^deskpulse_(ingest|whatsapp)_/.test(metric)) return 'ingest'
  if (/^(helpdesk|deskpulse)_/.test(metric)) return 'processor'
  return null
}

/** Node's default metrics, on both jobs' /metrics (runtime/default-metrics.ts). */
export const isNodeDefault = (metric: string): boolean => /^(process|nodejs)_/.test(metric)

const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y

/**
 * `expr` with `matchersFor(metric)` (e.g. `job="deskpulse-processor"`) added inside the braces of
 * each selector of a metric it names. A selector that already matches on `job` keeps its own.
 * Strings, label matchers and ranges are skipped, so only metric names are rewritten; function
 * names (followed by `(`) and label lists (`by (le)`) never name a deskpulse metric.
 */
export function withMatchers(expr: string, matchersFor: (metric: string) => string | null): string {
  let out = ''
  let i = 0
  while (i < expr.length) {
    const c = expr[i]!
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' ? 2 : 1
      out += expr.slice(i, j + 1)
      i = j + 1
      continue
    }
    if (c === '[') {
      const j = expr.indexOf(']', i)
      out += expr.slice(i, j + 1)
      i = j + 1
      continue
    }
    if (c === '{') {
      const j = expr.indexOf('}', i)
      out += expr.slice(i, j + 1)
      i = j + 1
      continue
    }
    IDENT.lastIndex = i
    const m = /[\w:.$]/.test(expr[i - 1] ?? ' ') ? null : IDENT.exec(expr)
    if (!m) {
      out += c
      i++
      continue
    }
    const name = m[0]
    out += name
    i += name.length
    let k = i
    while (expr[k] === ' ') k++
    const matchers = expr[k] === '(' ? null : matchersFor(name)
    if (!matchers) continue
    if (expr[k] === '{') {
      const end = expr.indexOf('}', k)
      const inside = expr.slice(k + 1, end)
      if (/(^|,)\s*job\s*(=|!=|=~|!~)/.test(inside)) continue
      out += `{${matchers}${inside.trim() ? `,${inside}` : ''}}`
      i = end + 1
    } else out += `{${matchers}}`
  }
  return out
}

/** `a="x"` and `b="y"` joined into one matcher list, empty parts left out. */
export const joinMatchers = (...parts: string[]): string => parts.map((p) => p.trim()).filter(Boolean).join(',')
