import { collectDefaultMetrics, type Registry } from 'prom-client'

/**
 * Node's default metrics, unprefixed (`process_cpu_seconds_total`, `nodejs_eventloop_lag_p99_seconds`
 * …) as every Node.js exporter names them, so stock process and Node.js dashboards and alerts work;
 * the scrape's `job` label tells the ingest from the processor. Less prom-client's gauges named
 * `*_total`, which fail `promtool check metrics` (the suffix is for counters); each is the sum of
 * its unsuffixed by-type gauge, so nothing is lost.
 */
export function collectNodeMetrics(registry: Registry) {
  collectDefaultMetrics({ register: registry })
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name)
}
