#!/usr/bin/env node
// `npm test`: type check, lint, then the tap suite; ends with the line `N passed, N failed`
// (tap's own summary is not a line CI reads). Type check and lint count as one check each;
// tap's count is its test points one level inside each file (the named behaviours).
import { spawnSync } from 'node:child_process'

const steps = []
function run(name, cmd, args) {
  process.stdout.write(`\n== ${name}: ${cmd} ${args.join(' ')}\n`)
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  steps.push({ name, ok: r.status === 0 })
  return r.status === 0
}

const tapArgs = process.argv.slice(2)
run('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.'])
run('lint', 'npx', ['eslint', '.'])
const tapOk = run('tests', 'npx', ['tap', ...tapArgs])

// Count from the saved results of the run that just ended, in plain TAP.
const replay = spawnSync('npx', ['tap', 'replay', '--reporter=tap', ...tapArgs], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
let passed = 0
let failed = 0
let fileFailures = 0
let failuresInFile = 0
for (const line of (replay.stdout ?? '').split('\n')) {
  const inner = /^ {4}(not )?ok \d+/.exec(line)
  if (inner) {
    if (inner[1]) {
      failed++
      failuresInFile++
    } else passed++
    continue
  }
  const outer = /^(not )?ok \d+/.exec(line)
  if (outer) {
    // A file that failed with no failing test inside it (a crash, a timeout) still counts once.
    if (outer[1] && failuresInFile === 0) fileFailures++
    failuresInFile = 0
  }
}
failed += fileFailures
if (!tapOk && failed === 0) failed = 1
for (const s of steps.slice(0, 2)) {
  if (s.ok) passed++
  else failed++
}

process.stdout.write(`\n${steps.map((s) => `${s.name}: ${s.ok ? 'ok' : 'FAILED'}`).join(', ')}\n`)
process.stdout.write(`${passed} passed, ${failed} failed\n`)
process.exit(failed === 0 ? 0 : 1)
