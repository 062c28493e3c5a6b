import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The repository (package) root, whether this code runs from its TypeScript sources (through
 * tsx) or compiled into dist/ (`npm run build`): the committed artefacts (alerting/rules,
 * grafana/dashboards) live in the root, not under dist/.
 */
export function packageRoot(): string {
  const up = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  return path.basename(up) === 'dist' && existsSync(path.join(up, '..', 'package.json')) ? path.dirname(up) : up
}
