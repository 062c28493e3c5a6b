/**
 * Node's default metrics under their stock names in both registries (docs/metrics.md "Node.js
 * process"), so stock process and Node.js dashboards and alerts work with a `job` matcher.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { createIngestMetrics } from '../../ingest/metrics.js'
import { createProcessorMetrics } from '../../processor/metrics/registry.js'

const names = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!))

for (const [part, registry] of [
  ['ingest', createIngestMetrics().registry],
  ['processor', createProcessorMetrics({ series: () => [], live: () => null, frtTargetSeconds: 60, sloObjective: 0.95 }).registry],
] as const) {
  t.test(`${part}: process_* and nodejs_* unprefixed, and promtool accepts the page`, async (t) => {
    const text = await registry.metrics()
    const all = names(text)
    for (const n of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) t.ok(all.has(n), n)
    t.same([...all].filter((n) => /^deskpulse_\w*(process|nodejs)_/.test(n)), [], 'no prefixed copy')
    t.notOk(all.has('nodejs_active_handles_total'), 'no gauge named *_total')
    // promtool exits non-zero on a malformed page or a lint error.
    t.doesNotThrow(() => execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] }), 'promtool check metrics')
  })
}
