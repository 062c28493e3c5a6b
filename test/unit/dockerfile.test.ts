/**
 * The Dockerfile (issue 20), read stage by stage since no Docker engine runs here: TypeScript
 * compiled at build time and only JavaScript shipped, dependencies exactly the lockfile's, a
 * non-root user, a HEALTHCHECK, and a `slim` target without the embedded ClickHouse (chdb) that
 * docker-compose.yml builds for its deskpulse services. Also what the runtime stages rely on:
 * bin/deskpulse.js runs dist/ when there are no sources beside it.
 */
import t from 'tap'
import { readFile, mkdir, cp, writeFile, symlink } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { tempDir } from '../helpers/harness.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const text = await readFile(path.join(root, 'Dockerfile'), 'utf8')
// Instructions, continuation lines joined, comments dropped.
const lines = text.replace(/\s*\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
const stages = new Map<string, string[]>()
let current = ''
for (const l of lines) {
  const from = /^FROM\s+\S+\s+AS\s+(\S+)$/i.exec(l)
  if (from) {
    current = from[1]!
    stages.set(current, [l])
  } else if (current) stages.get(current)!.push(l)
}
const stage = (name: string) => stages.get(name) ?? []

t.test('multi-stage: dependencies, build, slim and full targets', async (t) => {
  t.same([...stages.keys()], ['deps', 'build', 'slim', 'full'])
  t.match(stage('full')[0]!, /^FROM slim AS full$/, 'full is slim plus chdb')
  t.equal(lines.filter((l) => /^FROM /.test(l)).at(-1), 'FROM slim AS full', 'the default target (the last stage) is full')
})

t.test('TypeScript is compiled in the build stage and only JavaScript is shipped', async (t) => {
  t.ok(stage('build').includes('RUN npm run build'), 'npm run build')
  for (const target of ['slim', 'full']) {
    const copies = stage(target).filter((l) => l.startsWith('COPY'))
    for (const c of copies) t.notMatch(c, /\b(cli|processor|ingest|store|bus|schemas|runtime)\b(?!.*dist)/, `${target}: no TypeScript source copied: ${c}`)
  }
  t.ok(stage('slim').includes('COPY --from=build /app/dist ./dist'), 'the compiled dist/')
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> }
  t.ok(pkg.devDependencies.tsx && !pkg.dependencies.tsx, 'tsx is a dev dependency')
  t.ok(pkg.devDependencies.typescript && !pkg.dependencies.typescript)
})

t.test('dependencies are exactly the lockfile\'s', async (t) => {
  for (const name of ['deps', 'build']) {
    const install = stage(name).find((l) => /npm install/.test(l))!
    t.match(install, /cp package-lock\.json \/tmp\/package-lock\.json && npm install .* && cmp package-lock\.json \/tmp\/package-lock\.json/, `${name}: npm install, then the lockfile compared with the committed one`)
  }
  t.match(stage('deps').join('\n'), /--omit=dev/, 'production dependencies only in the runtime')
})

t.test('the runtime stages run as a non-root user, with a HEALTHCHECK', async (t) => {
  const slim = stage('slim')
  const user = slim.findLastIndex((l) => /^USER /.test(l))
  t.equal(slim[user], 'USER node', 'the node user (uid 1000)')
  t.ok(user < slim.findIndex((l) => l.startsWith('ENTRYPOINT')), 'before the entrypoint')
  t.equal(stage('full').filter((l) => /^USER /.test(l)).at(-1), 'USER node', 'full switches back to node after copying chdb')
  t.match(slim.find((l) => l.startsWith('HEALTHCHECK')), /CMD \["node", "bin\/healthcheck\.js", "\/healthz"\]/)
  t.equal(slim.find((l) => l.startsWith('ENTRYPOINT')), 'ENTRYPOINT ["node", "bin/deskpulse.js"]')
})

t.test('slim has no embedded ClickHouse; docker-compose.yml builds slim for deskpulse', async (t) => {
  t.ok(stage('slim').some((l) => /rm -rf node_modules\/chdb node_modules\/@chdb/.test(l)), 'chdb removed')
  t.ok(stage('full').some((l) => /COPY --from=deps \/app\/node_modules\/chdb/.test(l)), 'full brings it back')
  const compose = parse(await readFile(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { build?: { target?: string } }> }
  const built = Object.entries(compose.services).filter(([, s]) => s.build)
  t.ok(built.length >= 4)
  for (const [name, s] of built) t.equal(s.build?.target, 'slim', `${name} runs the slim image`)
})

t.test('bin/deskpulse.js runs dist/ when the image has no sources beside it', async (t) => {
  // The slim image's layout: bin/, scripts/build-sources.mjs, dist/ (with its build stamp), package.json.
  const app = await tempDir(t)
  await cp(path.join(root, 'bin'), path.join(app, 'bin'), { recursive: true })
  await mkdir(path.join(app, 'scripts'))
  await cp(path.join(root, 'scripts/build-sources.mjs'), path.join(app, 'scripts/build-sources.mjs'))
  await cp(path.join(root, 'package.json'), path.join(app, 'package.json'))
  await mkdir(path.join(app, 'dist/cli'), { recursive: true })
  await writeFile(path.join(app, 'dist/.build-stamp'), 'now\n')
  await writeFile(path.join(app, 'dist/cli/deskpulse.js'), "process.stdout.write('compiled cli ran\\n')\n")
  await symlink(path.join(root, 'node_modules'), path.join(app, 'node_modules'))
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(app, 'bin/deskpulse.js')])
  t.equal(stdout, 'compiled cli ran\n')
})
