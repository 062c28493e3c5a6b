#!/usr/bin/env node
// The CLI runs the JavaScript compiled into dist/ (`npm run build`; scripts/bootstrap.sh builds it
// before `npm start` when it is missing or older than a source). Without an up-to-date dist/ — a
// clone before its first build, sources edited since — it runs the TypeScript sources through
// tsx's loader instead (a dev dependency), so it never runs code older than the sources beside it.
// The image ships dist/ without the sources: always dist/ there.
import { fileURLToPath } from 'node:url'
import { distState } from '../scripts/build-sources.mjs'

const state = distState(fileURLToPath(new URL('../', import.meta.url)))
if (state === 'fresh' || state === 'no-sources') {
  await import('../dist/cli/deskpulse.js')
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../cli/deskpulse.ts')
}
