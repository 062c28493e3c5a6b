/** `npm run manifests`: writes deploy/kubernetes/deskpulse.yaml; `--check` exits 1 when it differs. */
import { readFile, writeFile } from 'node:fs/promises'
import { renderManifests } from './src/manifests.js'

const file = new URL('./deskpulse.yaml', import.meta.url)
const text = renderManifests()
const current = await readFile(file, 'utf8').catch(() => null)
if (current === text) process.stdout.write('deploy/kubernetes/deskpulse.yaml is up to date\n')
else if (process.argv.includes('--check')) {
  process.stderr.write('deploy/kubernetes/deskpulse.yaml differs from what deploy/kubernetes/src generates: run npm run manifests\n')
  process.exitCode = 1
} else {
  await writeFile(file, text)
  process.stdout.write('wrote deploy/kubernetes/deskpulse.yaml\n')
}
