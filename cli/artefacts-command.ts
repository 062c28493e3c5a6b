/**
 * `deskpulse rules` and `deskpulse dashboards`: the Prometheus rules and the Grafana dashboards
 * built from the deployment config the processor reads (DESKPULSE_CONFIG, JSON or YAML):
 * thresholds, SLO objective and window, load band, runbook base URL, job names and the
 * dashboards' time zone (schemas/config.ts). Without a config file they are the committed
 * artefacts (`npm run rules`, `npm run dashboards`); with one, `--out DIR` says where the
 * deployment's copies go, so that the repository's files stay those of the default config.
 */
import type { Command } from 'commander'
import path from 'node:path'
import { packageRoot } from '../runtime/package-root.js'
import { loadConfig } from '../schemas/config.js'
import { writeRuleFile, type ArtefactOutcome } from '../alerting/src/write.js'
import { writeDashboards } from '../grafana/src/write.js'
import { UsageError } from './report-command.js'

interface ArtefactOptions {
  config?: string
  out?: string
  check?: boolean
  forImport?: boolean
}

const repository = (dir: string) => path.join(packageRoot(), dir)

/** The config file (--config, else DESKPULSE_CONFIG) and the output directory. */
function resolve(opts: ArtefactOptions, committedDir: string, command: string) {
  const file = opts.config ?? process.env.DESKPULSE_CONFIG
  if (file && !opts.out) {
    throw new UsageError(`${command}: with a config file, give --out DIR (${committedDir} holds the default config's files, checked by the drift tests)`)
  }
  return { config: loadConfig(file), dir: path.resolve(opts.out ?? repository(committedDir)), file }
}

/** One line per file; exit code 1 when a file differs (--check) or does not render. */
function report(outcomes: ArtefactOutcome[], check: boolean, command: string): void {
  for (const o of outcomes) {
    const name = path.relative(process.cwd(), o.file) || o.file
    if (o.status === 'invalid') process.stderr.write(`${name}: ${o.detail}\n`)
    else if (o.status === 'differs') process.stderr.write(`${name} differs from what the config generates: run deskpulse ${command} without --check\n`)
    else if (o.status === 'written') process.stdout.write(`wrote ${name}\n`)
    else if (!check) process.stdout.write(`${name} is up to date\n`)
  }
  if (outcomes.some((o) => o.status === 'invalid' || o.status === 'differs')) process.exitCode = 1
}

export function registerArtefacts(program: Command, fail: (err: unknown) => never): void {
  const options = (c: Command) =>
    c
      .option('-c, --config <file>', 'deployment config, JSON or YAML (default: DESKPULSE_CONFIG, else the defaults)')
      .option('-o, --out <dir>', 'output directory (required with a config file; default: the committed directory)')
      .option('--check', 'write nothing; exit 1 when a file differs from what the config generates')

  options(program.command('rules').description('build the Prometheus rules (deskpulse.rules.yml) from the deployment config')).action(async (opts: ArtefactOptions) => {
    try {
      const { config, dir } = resolve(opts, 'alerting/rules', 'rules')
      report([await writeRuleFile(config, dir, !!opts.check)], !!opts.check, 'rules')
    } catch (err) {
      fail(err)
    }
  })

  options(program.command('dashboards').description('build the Grafana dashboards (*.json) from the deployment config'))
    .option('--for-import', "Grafana's export-for-sharing form, with __inputs, for the Import dialog (default directory grafana/import)")
    .action(async (opts: ArtefactOptions) => {
    try {
      const { config, dir } = resolve(opts, opts.forImport ? 'grafana/import' : 'grafana/dashboards', 'dashboards')
      report(await writeDashboards(config, dir, !!opts.check, !!opts.forImport), !!opts.check, 'dashboards')
    } catch (err) {
      fail(err)
    }
  })
}
