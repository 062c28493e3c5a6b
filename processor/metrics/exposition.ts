/**
 * Prometheus text exposition (format 0.0.4) of many labelled series, written directly: with
 * 10 lines × 10 teams the KPI histograms alone are ~8,000 samples, which prom-client's generic
 * formatter renders in ~25 ms; this writer, with label strings built once per series, in a few.
 */
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

export const formatValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v))

/** `a="x",b="y"` for label names and values, cached by the values' key. */
export class LabelCache {
  private readonly cache = new Map<string, string>()
  constructor(private readonly names: readonly string[]) {}
  get(key: string, values: readonly string[]): string {
    let s = this.cache.get(key)
    if (s === undefined) {
      s = this.names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`).join(',')
      this.cache.set(key, s)
    }
    return s
  }
}

export class Exposition {
  private readonly parts: string[] = []
  /** A sample whose `name{labels} ` prefix is already built (histogram buckets: built once per series). */
  line(prefix: string, value: number) {
    this.parts.push(prefix + formatValue(value) + '\n')
  }
  header(name: string, help: string, type: 'counter' | 'gauge' | 'histogram') {
    this.parts.push(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`)
  }
  /** `labels` already formatted (LabelCache), without braces; '' for none. */
  sample(name: string, labels: string, value: number) {
    this.parts.push(labels ? `${name}{${labels}} ${formatValue(value)}\n` : `${name} ${formatValue(value)}\n`)
  }
  text(): string {
    return this.parts.join('')
  }
}
