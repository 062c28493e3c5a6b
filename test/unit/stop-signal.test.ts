/**
 * cli/stop-signal.ts, in a child process as the CLI uses it: the first SIGINT runs the shutdown
 * and exits 0 when it is done; a second SIGINT while the shutdown hangs exits at once with 130.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const module = fileURLToPath(new URL('../../cli/stop-signal.ts', import.meta.url))
const logger = fileURLToPath(new URL('../../cli/logger.ts', import.meta.url))

/** A process whose shutdown takes `closeMs` (or never ends), printing "ready" and "closing". */
function child(closeMs: number | null) {
  const code = `
    import { onStopSignal } from ${JSON.stringify(module)}
    import { createLogger } from ${JSON.stringify(logger)}
    onStopSignal(createLogger('silent'), async () => {
      process.stdout.write('closing\\n')
      await new Promise((resolve) => ${closeMs === null ? 'void resolve' : `setTimeout(resolve, ${closeMs})`})
    })
    setInterval(() => {}, 1000)
    process.stdout.write('ready\\n')
  `
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const seen = (text: string) => new Promise<void>((resolve) => {
    const check = () => out.includes(text) && resolve()
    p.stdout.on('data', (b: Buffer) => ((out += b.toString()), check()))
    check()
  })
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })))
  return { p, seen, exit }
}

t.test('one SIGINT: the shutdown runs to its end, exit 0', async (t) => {
  const c = child(200)
  await c.seen('ready')
  c.p.kill('SIGINT')
  t.same(await c.exit, { code: 0, signal: null })
})

t.test('a second SIGINT during a shutdown that hangs: exit 130 at once', async (t) => {
  const c = child(null)
  t.teardown(() => void c.p.kill('SIGKILL'))
  await c.seen('ready')
  c.p.kill('SIGINT')
  await c.seen('closing')
  c.p.kill('SIGINT')
  t.same(await c.exit, { code: 130, signal: null })
})

t.test('SIGHUP (the terminal closed) stops as SIGINT does', async (t) => {
  const c = child(0)
  await c.seen('ready')
  c.p.kill('SIGHUP')
  t.same(await c.exit, { code: 0, signal: null })
})
