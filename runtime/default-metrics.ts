import { collectDefaultMetrics, type Registry } from 'prom-client'

/**
 * Node's default metrics under `prefix`, less prom-client's gauges named `*_total`, which fail
 * `promtool check metrics` (the suffix is for counters); each is the sum of its unsuffixed
 * by-type gauge, so nothing is lost.
 */
export function collectNodeMetrics(registry: Registry, prefix: string) {
  collectDefaultMetrics({ register: registry, prefix })
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(prefix + name)
}
