/**
 * Writes the dashboards generated from grafana/src into grafana/dashboards/*.json
 * (`npm run dashboards`); `--check` writes nothing and exits 1 when a committed file differs.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { DASHBOARDS, renderDashboard } from './src/index.js'
import { schemaErrors } from './src/schema.js'

const dir = fileURLToPath(new URL('./dashboards/', import.meta.url))
const check = process.argv.includes('--check')
let failed = false

for (const d of DASHBOARDS) {
  const json = renderDashboard(d)
  const errors = schemaErrors(JSON.parse(json))
  if (errors.length) {
    process.stderr.write(`${d.file}: not a valid dashboard:\n  ${errors.slice(0, 20).join('\n  ')}\n`)
    failed = true
    continue
  }
  const file = `${dir}${d.file}`
  const current = await readFile(file, 'utf8').catch(() => null)
  if (current === json) continue
  if (check) {
    process.stderr.write(`grafana/dashboards/${d.file} differs from what grafana/src generates: run npm run dashboards\n`)
    failed = true
  } else {
    await writeFile(file, json)
    process.stdout.write(`wrote grafana/dashboards/${d.file}\n`)
  }
}
if (failed) process.exitCode = 1
