#!/usr/bin/env node
// The bytes each image target adds on top of the Node base image (docs/deployment.md "The
// image"), worked out without a Docker engine: the packages the lockfile marks as production
// dependencies (what `npm install --omit=dev` installs), measured on this machine's node_modules,
// plus dist/. `slim` is that without chdb and @chdb/*; `full` with them; `dev` is every package
// (what the build stage and a clone's `npm install` hold). Packages of other platforms are not in
// node_modules and count nothing, as in the image.
import { readFileSync, readdirSync, lstatSync, existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'))

/** Bytes of a directory, without the node_modules nested in it (those are lockfile entries of their own). */
function bytes(dir) {
  if (!existsSync(dir)) return 0
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') n += bytes(p)
    } else n += lstatSync(p).size
  }
  return n
}

const entries = Object.entries(lock.packages).filter(([k]) => k.startsWith('node_modules/'))
const sizes = entries.map(([k, v]) => ({ name: k.slice(k.lastIndexOf('node_modules/') + 13), dev: Boolean(v.dev), size: bytes(path.join(root, k)) }))
const isChdb = (name) => name === 'chdb' || name.startsWith('@chdb/')
const sum = (list) => list.reduce((n, p) => n + p.size, 0)
const dist = bytes(path.join(root, 'dist'))
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`
const prod = sizes.filter((p) => !p.dev)
const rows = [
  ['slim (ingest, processor with CLICKHOUSE_URL)', sum(prod.filter((p) => !isChdb(p.name))), prod.filter((p) => !isChdb(p.name)).length],
  ['full (default: + embedded ClickHouse)', sum(prod), prod.length],
  ['dev (build stage, a clone)', sum(sizes), sizes.length],
]
for (const [target, n, count] of rows) process.stdout.write(`${target.padEnd(46)} node_modules ${mb(n).padStart(9)} (${count} packages)\n`)
process.stdout.write(`${'dist/ (compiled JavaScript, source maps)'.padEnd(46)} ${mb(dist).padStart(22)}\n`)
const largest = prod.sort((a, b) => b.size - a.size).slice(0, 5)
process.stdout.write(`largest production packages: ${largest.map((p) => `${p.name} ${mb(p.size)}`).join(', ')}\n`)
