#!/usr/bin/env node
// The CLI runs TypeScript through tsx's loader: one loader for the engine, the tests and the
// benchmarks, so there is no build step between a clone and `npm start`.
import { register } from 'tsx/esm/api'

register()
await import('../cli/deskpulse.ts')
