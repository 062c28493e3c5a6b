/**
 * Writes the dashboards of the default config into grafana/dashboards/*.json (provisioned by
 * docker-compose.yml) and grafana/import/*.json (for Grafana's Import dialog, with `__inputs`)
 * (`npm run dashboards`); `--check` writes nothing and exits 1 when a committed file differs. A
 * deployment's own dashboards: `deskpulse dashboards --config FILE --out DIR` (docs/grafana.md).
 */
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { defaultConfig } from '../schemas/config.js'
import { writeDashboards } from './src/write.js'

const check = process.argv.includes('--check')

for (const [sub, forImport] of [['dashboards', false], ['import', true]] as const) {
  for (const o of await writeDashboards(defaultConfig(), fileURLToPath(new URL(`./${sub}/`, import.meta.url)), check, forImport)) {
    const name = `grafana/${sub}/${path.basename(o.file)}`
    if (o.status === 'invalid') process.stderr.write(`${name}: ${o.detail}\n`)
    else if (o.status === 'differs') process.stderr.write(`${name} differs from what grafana/src generates: run npm run dashboards\n`)
    else if (o.status === 'written') process.stdout.write(`wrote ${name}\n`)
    if (o.status === 'invalid' || o.status === 'differs') process.exitCode = 1
  }
}
