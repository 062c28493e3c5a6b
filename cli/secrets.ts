import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Env } from '../schemas/env.js'

const GENERATED = ['WHATSAPP_APP_SECRET', 'WHATSAPP_VERIFY_TOKEN', 'DESKPULSE_API_TOKEN', 'DESKPULSE_PII_KEY'] as const

/** The secrets stored in DATA_DIR/secrets.env (empty when there is no such file). */
export async function readLocalSecrets(dataDir: string): Promise<Record<string, string>> {
  const stored: Record<string, string> = {}
  try {
    for (const line of (await readFile(path.join(dataDir, 'secrets.env'), 'utf8')).split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim())
      if (m) stored[m[1]!] = m[2]!
    }
  } catch {
    // none yet
  }
  return stored
}

/**
 * Single-machine mode (`deskpulse start`) must run with no setup, so secrets missing from the
 * environment are generated once into DATA_DIR/secrets.env (mode 0600) and reused after;
 * the customer hashes stay stable across restarts. Production sets them in the environment.
 */
export async function withLocalSecrets(env: Env): Promise<{ env: Env; file: string; generated: string[] }> {
  const file = path.join(env.dataDir, 'secrets.env')
  const stored = await readLocalSecrets(env.dataDir)
  const current: Record<(typeof GENERATED)[number], string | undefined> = {
    WHATSAPP_APP_SECRET: env.appSecrets.length ? env.appSecrets.join(',') : undefined,
    WHATSAPP_VERIFY_TOKEN: env.verifyToken,
    DESKPULSE_API_TOKEN: env.apiToken,
    DESKPULSE_PII_KEY: env.piiKey,
  }
  const generated: string[] = []
  for (const name of GENERATED) {
    if (current[name] !== undefined) continue
    if (!stored[name]) {
      stored[name] = randomBytes(24).toString('hex')
      generated.push(name)
    }
    current[name] = stored[name]
  }
  if (generated.length) {
    await mkdir(env.dataDir, { recursive: true })
    const body = Object.entries(stored).map(([k, v]) => `${k}=${v}`).join('\n') + '\n'
    await writeFile(file, body, { mode: 0o600 })
  }
  return {
    file,
    generated,
    env: {
      ...env,
      appSecrets: current.WHATSAPP_APP_SECRET!.split(','),
      verifyToken: current.WHATSAPP_VERIFY_TOKEN,
      apiToken: current.DESKPULSE_API_TOKEN,
      piiKey: current.DESKPULSE_PII_KEY,
    },
  }
}
