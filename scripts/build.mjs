#!/usr/bin/env node
// `npm run build`: compiles the runtime sources to JavaScript in dist/ (tsc with
// tsconfig.build.json), copies the files read at run time beside the code (ClickHouse migrations,
// the wallboard page), then stamps the build. `--if-stale` builds only when dist/ is missing or
// older than a source (scripts/bootstrap.sh, so `npm start` after a clone or a pull runs fresh code).
import { spawnSync } from 'node:child_process'
import { cpSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { ASSET_DIRS, STAMP, distState } from './build-sources.mjs'

const root = fileURLToPath(new URL('../', import.meta.url))
if (process.argv.includes('--if-stale')) {
  const state = distState(root)
  if (state === 'fresh' || state === 'no-sources') process.exit(0)
  process.stderr.write(`bootstrap: compiling TypeScript into dist/ (${state})\n`)
}
rmSync(path.join(root, STAMP), { force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
if (r.status !== 0) process.exit(r.status ?? 1)
for (const dir of ASSET_DIRS) cpSync(path.join(root, dir), path.join(root, 'dist', dir), { recursive: true, filter: (src) => !src.endsWith('.ts') })
writeFileSync(path.join(root, STAMP), `${new Date().toISOString()}\n`)
