import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { startManagedProcess, type ManagedProcess } from './managed-process.js'

export interface AlertmanagerOptions {
  dir: string
  port: number
  /** alertmanager.yml contents. */
  config: string
}

export interface Alertmanager extends ManagedProcess {
  url: string
}

/** Debian's prometheus-alertmanager on loopback, alone (no cluster gossip). */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<Alertmanager> {
  await mkdir(path.join(opts.dir, 'data'), { recursive: true })
  await writeFile(path.join(opts.dir, 'alertmanager.yml'), opts.config)
  const url = `http://127.0.0.1:${opts.port}`
  const proc = await startManagedProcess({
    command: 'prometheus-alertmanager',
    args: [
      `--config.file=${path.join(opts.dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(opts.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    readyUrl: `${url}/-/ready`,
  })
  return { ...proc, url }
}
