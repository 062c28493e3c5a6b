/**
 * Writes (or, with `check`, compares) the rule file of one deployment config: shared by
 * `npm run rules` (alerting/build.ts, the default config into alerting/rules/) and
 * `deskpulse rules --config FILE --out DIR` (cli/artefacts-command.ts). The rendered YAML must
 * read back as exactly the rule objects (no value lost to quoting or folding).
 */
import { isDeepStrictEqual } from 'node:util'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'
import type { Config } from '../../schemas/config.js'
import { buildRuleGroups, renderRules } from './index.js'
import { plainRuleFile } from './plain.js'

/** The rule file's name in its directory (alerting/rules/ for the committed one). */
export const RULE_FILE_NAME = 'deskpulse.rules.yml'

export interface ArtefactOutcome {
  file: string
  /** `unchanged`: the file holds what the config generates; `written`; `differs` (check only); `invalid`: a rendering bug. */
  status: 'unchanged' | 'written' | 'differs' | 'invalid'
  detail?: string
}

export async function writeRuleFile(config: Config, dir: string, check: boolean): Promise<ArtefactOutcome> {
  const file = path.join(dir, RULE_FILE_NAME)
  const groups = buildRuleGroups(config)
  const yaml = renderRules(groups)
  if (!isDeepStrictEqual(parse(yaml), plainRuleFile(groups))) return { file, status: 'invalid', detail: 'the rendered YAML does not read back as the rules of alerting/src (a rendering bug)' }
  const current = await readFile(file, 'utf8').catch(() => null)
  if (current === yaml) return { file, status: 'unchanged' }
  if (check) return { file, status: 'differs' }
  await mkdir(dir, { recursive: true })
  await writeFile(file, yaml)
  return { file, status: 'written' }
}
