/**
 * The alerting half of `deskpulse demo`, when Prometheus and Alertmanager are installed (the
 * bootstrap installs Debian's): `deskpulse notify` in this process, printing each notification;
 * an Alertmanager with the project's routing (alerting/alertmanager.yml), its receivers pointed at
 * that printer; later a Prometheus scraping the engine with the rules built from the demo's config.
 */
import { readFile } from 'node:fs/promises'
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import type { Config } from '../../schemas/config.js'
import { buildRuleGroups, renderRules } from '../../alerting/src/index.js'
import { RULE_FILE_NAME } from '../../alerting/src/write.js'
import { startAlertmanager, type Alertmanager } from '../../runtime/alertmanager.js'
import { startPrometheus, type Prometheus } from '../../runtime/prometheus.js'
import { createNotifyServer } from '../notify-command.js'

/** The commands the demo's alerting needs (runtime/prometheus.ts, runtime/alertmanager.ts). */
export const ALERTING_COMMANDS = ['prometheus', 'prometheus-alertmanager'] as const

/** Whether `command` is an executable file on PATH. */
export function onPath(command: string, pathVar = process.env.PATH ?? ''): boolean {
  return pathVar.split(path.delimiter).some((dir) => {
    if (!dir) return false
    try {
      accessSync(path.join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

const committedAlertmanagerYml = fileURLToPath(new URL('../../alerting/alertmanager.yml', import.meta.url))

/** The example receiver's address in alerting/alertmanager.yml (docker-compose's deskpulse-notify service). */
const COMPOSE_NOTIFY = 'http://deskpulse-notify:9095'

/**
 * alerting/alertmanager.yml with every webhook of the example receiver moved to `notifyUrl`:
 * the routes, grouping and inhibitions are the project's own, only the destination changes.
 */
export async function demoAlertmanagerConfig(notifyUrl: string): Promise<string> {
  const doc = parseYaml(await readFile(committedAlertmanagerYml, 'utf8')) as { receivers: Array<{ webhook_configs?: Array<{ url: string }> }> }
  for (const r of doc.receivers) for (const w of r.webhook_configs ?? []) w.url = w.url.replace(COMPOSE_NOTIFY, notifyUrl)
  return toYaml(doc)
}

export interface DemoAlerting {
  alertmanager: Alertmanager
  notifyUrl: string
  /** Starts Prometheus once the engine's /metrics listen. */
  startPrometheus(targets: { processor: string; ingest: string }): Promise<Prometheus>
  prometheus: Prometheus | undefined
  /** Prometheus first (it scrapes the engine), then, after the engine, Alertmanager and the printer. */
  stopPrometheus(): Promise<void>
  stopRest(): Promise<void>
}

export async function startDemoAlerting(
  opts: { dir: string; config: Config; alertmanagerPort: number; prometheusPort: number; notifyPort: number },
  print: (line: string) => void,
): Promise<DemoAlerting> {
  // Pages only (breaches and critical alerts, alerting/alertmanager.yml's oncall-pager): warnings would flood a terminal.
  const notify = createNotifyServer(print, { channels: ['page'] })
  await notify.listen({ host: '127.0.0.1', port: opts.notifyPort })
  const notifyUrl = `http://127.0.0.1:${opts.notifyPort}`
  let alertmanager: Alertmanager
  try {
    alertmanager = await startAlertmanager({ dir: path.join(opts.dir, 'alertmanager'), port: opts.alertmanagerPort, config: await demoAlertmanagerConfig(notifyUrl) })
  } catch (err) {
    await notify.close()
    throw err
  }
  const handle: DemoAlerting = {
    alertmanager,
    notifyUrl,
    prometheus: undefined,
    async startPrometheus(targets) {
      const host = (url: string) => new URL(url).host
      handle.prometheus = await startPrometheus({
        dir: path.join(opts.dir, 'prometheus'),
        port: opts.prometheusPort,
        config: toYaml({
          // Faster than production's 15 s, so a demo's breach shows within seconds.
          global: { scrape_interval: '5s', evaluation_interval: '5s' },
          rule_files: [RULE_FILE_NAME],
          alerting: { alertmanagers: [{ static_configs: [{ targets: [host(alertmanager.url)] }] }] },
          scrape_configs: [
            { job_name: opts.config.monitoring.jobs.processor, static_configs: [{ targets: [host(targets.processor)] }] },
            { job_name: opts.config.monitoring.jobs.ingest, static_configs: [{ targets: [host(targets.ingest)] }] },
          ],
        }),
        files: { [RULE_FILE_NAME]: renderRules(buildRuleGroups(opts.config)) },
      })
      return handle.prometheus
    },
    async stopPrometheus() {
      await handle.prometheus?.stop()
    },
    async stopRest() {
      await alertmanager.stop()
      await notify.close()
    },
  }
  return handle
}
