// What dist/ is compiled from (tsconfig.build.json's include, and the files copied beside the
// JavaScript), and whether dist/ is older than any of it. Shared by scripts/build.mjs, which
// writes dist/, and bin/deskpulse.js, which runs dist/ only when it is up to date.
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

/** Source directories compiled into dist/ (tsconfig.build.json "include"). */
export const SOURCE_DIRS = ['runtime', 'cli', 'bus', 'store', 'ingest', 'processor', 'schemas', 'alerting/src', 'grafana/src']
/** Files read at run time beside the code, copied into dist/ at the same relative paths. */
export const ASSET_DIRS = ['schemas/clickhouse', 'processor/wallboard/page', 'cli/demo']
/** Written last by a successful build: its time is the build's. */
export const STAMP = 'dist/.build-stamp'

function newest(dir, floor) {
  let latest = floor
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) latest = newest(p, latest)
    else latest = Math.max(latest, statSync(p).mtimeMs)
  }
  return latest
}

/**
 * `missing` (no complete build), `stale` (a source, tsconfig or the lockfile is newer than the
 * build), `fresh`, or `no-sources` (an image that ships dist/ alone: nothing to compare with).
 */
export function distState(root) {
  const stamp = path.join(root, STAMP)
  if (!existsSync(stamp)) return 'missing'
  if (!existsSync(path.join(root, 'cli'))) return 'no-sources'
  const built = statSync(stamp).mtimeMs
  let latest = 0
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) if (existsSync(path.join(root, f))) latest = Math.max(latest, statSync(path.join(root, f)).mtimeMs)
  for (const dir of SOURCE_DIRS) latest = newest(path.join(root, dir), latest)
  return latest > built ? 'stale' : 'fresh'
}
