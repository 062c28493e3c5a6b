import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { startManagedProcess, type ManagedProcess } from './managed-process.js'

export interface PrometheusOptions {
  dir: string
  port: number
  /** prometheus.yml contents. */
  config: string
  /** Extra files written beside the config (rule files), by name. */
  files?: Record<string, string>
}

export interface Prometheus extends ManagedProcess {
  url: string
}

/** Debian's prometheus on loopback with its TSDB under `dir`. */
export async function startPrometheus(opts: PrometheusOptions): Promise<Prometheus> {
  await mkdir(path.join(opts.dir, 'data'), { recursive: true })
  await writeFile(path.join(opts.dir, 'prometheus.yml'), opts.config)
  for (const [name, body] of Object.entries(opts.files ?? {})) await writeFile(path.join(opts.dir, name), body)
  const url = `http://127.0.0.1:${opts.port}`
  const proc = await startManagedProcess({
    command: 'prometheus',
    args: [
      `--config.file=${path.join(opts.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(opts.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    readyUrl: `${url}/-/ready`,
  })
  return { ...proc, url }
}
