/**
 * Writes the dashboards of the default config into grafana/dashboards/*.json
 * (`npm run dashboards`); `--check` writes nothing and exits 1 when a committed file differs. A
 * deployment's own dashboards: `deskpulse dashboards --config FILE --out DIR` (docs/grafana.md).
 */
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { defaultConfig } from '../schemas/config.js'
import { writeDashboards } from './src/write.js'

const dir = fileURLToPath(new URL('./dashboards/', import.meta.url))
const check = process.argv.includes('--check')

for (const o of await writeDashboards(defaultConfig(), dir, check)) {
  const name = `grafana/dashboards/${path.basename(o.file)}`
  if (o.status === 'invalid') process.stderr.write(`${name}: ${o.detail}\n`)
  else if (o.status === 'differs') process.stderr.write(`${name} differs from what grafana/src generates: run npm run dashboards\n`)
  else if (o.status === 'written') process.stdout.write(`wrote ${name}\n`)
  if (o.status === 'invalid' || o.status === 'differs') process.exitCode = 1
}
