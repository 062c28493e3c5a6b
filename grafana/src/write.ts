/**
 * Writes (or, with `check`, compares) the dashboards of one deployment config: shared by
 * `npm run dashboards` (grafana/build.ts, the default config into grafana/dashboards/) and
 * `deskpulse dashboards --config FILE --out DIR` (cli/artefacts-command.ts). Each dashboard must
 * be valid against Grafana's dashboard schema (grafana/src/schema.ts).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../../schemas/config.js'
import type { ArtefactOutcome } from '../../alerting/src/write.js'
import { dashboardThresholds } from './config.js'
import { DASHBOARDS, renderDashboard, renderDashboardForImport } from './index.js'
import { schemaErrors } from './schema.js'

/**
 * `forImport`: Grafana's export-for-sharing form (`__inputs`, `__requires`: grafana/import/), for
 * Grafana's Import dialog; otherwise the provisioned form (grafana/dashboards/).
 */
export async function writeDashboards(config: Config, dir: string, check: boolean, forImport = false): Promise<ArtefactOutcome[]> {
  const s = dashboardThresholds(config)
  const outcomes: ArtefactOutcome[] = []
  for (const d of DASHBOARDS) {
    const file = path.join(dir, d.file)
    const json = forImport ? renderDashboardForImport(d, s) : renderDashboard(d, s)
    const errors = schemaErrors(JSON.parse(json))
    if (errors.length) {
      outcomes.push({ file, status: 'invalid', detail: `not a valid dashboard:\n  ${errors.slice(0, 20).join('\n  ')}` })
      continue
    }
    const current = await readFile(file, 'utf8').catch(() => null)
    if (current === json) outcomes.push({ file, status: 'unchanged' })
    else if (check) outcomes.push({ file, status: 'differs' })
    else {
      await mkdir(dir, { recursive: true })
      await writeFile(file, json)
      outcomes.push({ file, status: 'written' })
    }
  }
  return outcomes
}
