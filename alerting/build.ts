/**
 * Writes the Prometheus rules generated from alerting/src into alerting/rules/deskpulse.rules.yml
 * (`npm run rules`); `--check` writes nothing and exits 1 when the committed file differs.
 * Either way the rendered YAML must read back as exactly the rule objects (no value lost to
 * quoting or folding).
 */
import { isDeepStrictEqual } from 'node:util'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { GROUPS, RULE_FILE, renderRules } from './src/index.js'
import { plainRuleFile } from './src/plain.js'

const file = fileURLToPath(new URL(`../${RULE_FILE}`, import.meta.url))
const check = process.argv.includes('--check')

const yaml = renderRules()
if (!isDeepStrictEqual(parse(yaml), plainRuleFile(GROUPS))) {
  process.stderr.write(`${RULE_FILE}: the rendered YAML does not read back as the rules of alerting/src (a rendering bug)\n`)
  process.exit(1)
}
const current = await readFile(file, 'utf8').catch(() => null)
if (current === yaml) {
  if (!check) process.stdout.write(`${RULE_FILE} is up to date\n`)
} else if (check) {
  process.stderr.write(`${RULE_FILE} differs from what alerting/src generates: run npm run rules\n`)
  process.exitCode = 1
} else {
  await writeFile(file, yaml)
  process.stdout.write(`wrote ${RULE_FILE}\n`)
}
