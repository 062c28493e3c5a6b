/**
 * `node --import tsx bench/profile-summary.ts FILE.cpuprofile [top]`: the flat summary of a V8 CPU
 * profile (`node --cpu-prof`, or `BENCH_PROFILE=1 npm run bench:pipeline`): self time by area
 * (our top-level folders, each dependency, Node's internals, GC, idle) and by function.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const [file, topArg] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: profile-summary FILE.cpuprofile [top]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const top = Number(topArg ?? 25)
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
// Self time per node from the samples and their time deltas (µs).
const self = new Map<number, number>()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const total = [...self.values()].reduce((a, b) => a + b, 0)

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC'
  if (name === '(idle)') return 'idle'
  if (name === '(program)') return 'native (program)'
  if (!url) return 'native / builtins'
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (dep) return dep[1]!
  if (url.startsWith('node:')) return 'node internals'
  const ours = /\/(?:dist\/)?(ingest|processor|bus|schemas|cli|store|runtime|forecast|alerting)\//.exec(url)
  return ours ? `${ours[1]}/` : url
}

const areas = new Map<string, number>()
const functions = new Map<string, number>()
for (const [id, us] of self) {
  const n = byId.get(id)!
  const { functionName, url, lineNumber } = n.callFrame
  const a = area(url, functionName)
  areas.set(a, (areas.get(a) ?? 0) + us)
  const key = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*?(node_modules\/|\/work\/[^/]+\/)/, '')}:${lineNumber + 1}` : ''}`
  functions.set(key, (functions.get(key) ?? 0) + us)
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`
const busy = total - (areas.get('idle') ?? 0)
process.stdout.write(`${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (the main thread only)\n\nself time by area:\n`)
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) process.stdout.write(`  ${pct(us)}  ${a}\n`)
process.stdout.write(`\nself time by function:\n`)
for (const [f, us] of [...functions].sort((x, y) => y[1] - x[1]).slice(0, top)) process.stdout.write(`  ${pct(us)}  ${f}\n`)
