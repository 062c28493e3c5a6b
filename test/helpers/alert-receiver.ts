/** A webhook receiver for Alertmanager and the shipped Alertmanager configuration pointed at it. */
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import { freePort } from './harness.js'

const root = path.resolve(import.meta.dirname, '../..')

export interface Delivered {
  receivedAt: number
  /** The Alertmanager receiver the notification went to. */
  receiver: string
  status: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

/** Alertmanager webhook receiver: every alert of every notification, with when it arrived. */
export async function startReceiver(t: { teardown(fn: () => unknown): void }) {
  const delivered: Delivered[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const receivedAt = Date.now()
      const payload = JSON.parse(body) as { receiver: string; alerts: Array<Omit<Delivered, 'receivedAt' | 'receiver'>> }
      for (const a of payload.alerts) delivered.push({ receivedAt, receiver: payload.receiver, status: a.status, labels: a.labels, annotations: a.annotations })
      res.end('ok')
    })
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  return { url: `http://127.0.0.1:${port}/alerts`, delivered }
}

/**
 * The shipped alerting/alertmanager.yml with every receiver pointed at the test's webhook. The
 * per-chat escalation route keeps its own timings (the promise under test); the others wait
 * 1 s instead of tens of seconds so the test does not.
 */
export function alertmanagerConfig(receiverUrl: string): string {
  const config = parseYaml(readFileSync(path.join(root, 'alerting/alertmanager.yml'), 'utf8')) as Record<string, unknown> & { receivers: Array<{ name: string }>; route: Record<string, unknown> }
  config.receivers = config.receivers.map((r) => ({ name: r.name, webhook_configs: [{ url: receiverUrl, send_resolved: true }] }))
  const walk = (route: Record<string, unknown>, isRoot: boolean) => {
    const escalation = JSON.stringify(route.matchers ?? route.match ?? []).includes('HelpdeskChatEscalation')
    if (!escalation && (isRoot || route.group_wait !== undefined)) route.group_wait = '1s'
    if (!escalation && (isRoot || route.group_interval !== undefined)) route.group_interval = '1s'
    for (const child of (route.routes as Array<Record<string, unknown>> | undefined) ?? []) walk(child, false)
  }
  walk(config.route, true)
  return toYaml(config)
}

