/**
 * Writes the Prometheus rules of the default config into alerting/rules/deskpulse.rules.yml
 * (`npm run rules`); `--check` writes nothing and exits 1 when the committed file differs. A
 * deployment's own rules: `deskpulse rules --config FILE --out DIR` (docs/alerting.md).
 */
import { fileURLToPath } from 'node:url'
import { defaultConfig } from '../schemas/config.js'
import { RULE_FILE } from './src/index.js'
import { writeRuleFile } from './src/write.js'

const dir = fileURLToPath(new URL('./rules/', import.meta.url))
const check = process.argv.includes('--check')

const outcome = await writeRuleFile(defaultConfig(), dir, check)
if (outcome.status === 'invalid') {
  process.stderr.write(`${RULE_FILE}: ${outcome.detail}\n`)
  process.exitCode = 1
} else if (outcome.status === 'differs') {
  process.stderr.write(`${RULE_FILE} differs from what alerting/src generates: run npm run rules\n`)
  process.exitCode = 1
} else if (outcome.status === 'written') process.stdout.write(`wrote ${RULE_FILE}\n`)
else if (!check) process.stdout.write(`${RULE_FILE} is up to date\n`)
