/**
 * When bin/deskpulse.js runs the compiled dist/ and when scripts/bootstrap.sh rebuilds it
 * (scripts/build-sources.mjs): never code older than the sources beside it.
 */
import t from 'tap'
import { mkdir, writeFile, utimes } from 'node:fs/promises'
import path from 'node:path'
import { distState, SOURCE_DIRS, STAMP } from '../../scripts/build-sources.mjs'
import { tempDir } from '../helpers/harness.js'

t.test('dist/ is missing, stale, fresh, or alone in an image', async (t) => {
  const root = await tempDir(t)
  for (const dir of SOURCE_DIRS) {
    await mkdir(path.join(root, dir), { recursive: true })
    await writeFile(path.join(root, dir, 'a.ts'), 'export {}\n')
  }
  const old = new Date(Date.UTC(2026, 0, 1))
  const later = new Date(Date.UTC(2026, 0, 2))
  for (const dir of SOURCE_DIRS) await utimes(path.join(root, dir, 'a.ts'), old, old)
  t.equal(distState(root), 'missing', 'no build stamp: never built (a fresh clone)')
  await mkdir(path.join(root, 'dist'))
  await writeFile(path.join(root, STAMP), 'x\n')
  await utimes(path.join(root, STAMP), later, later)
  t.equal(distState(root), 'fresh', 'built after every source')
  const edited = path.join(root, 'processor', 'deep', 'b.ts')
  await mkdir(path.dirname(edited), { recursive: true })
  await writeFile(edited, 'export {}\n')
  t.equal(distState(root), 'stale', 'a source (in a subdirectory) edited after the build')
  await utimes(edited, old, old)
  t.equal(distState(root), 'fresh')
  await writeFile(path.join(root, 'tsconfig.build.json'), '{}\n')
  t.equal(distState(root), 'stale', 'the build config changed')
  const image = await tempDir(t)
  await mkdir(path.join(image, 'dist'))
  await writeFile(path.join(image, STAMP), 'x\n')
  t.equal(distState(image), 'no-sources', 'an image with dist/ and no sources runs dist/')
})
