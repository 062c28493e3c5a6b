/**
 * Issue 22's proof: `deskpulse demo` from a fresh clone of the branch. A nats-server a crashed
 * demo left on the data directory is stopped and reported; the demo plays the simulated evening
 * until the local Alertmanager's receiver prints a breach (with the line's name from the demo
 * config); then SIGINT goes to the whole process group, as a terminal's Ctrl-C does, and every
 * process the demo started is gone within 2 s with nothing logged at warning level meanwhile.
 */
import t from 'tap'
import { spawn, execFileSync } from 'node:child_process'
import { mkdir, readFile, readdir, realpath, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import { startNatsServer } from '../../runtime/nats-server.js'
import { onPath } from '../../cli/demo/alerting.js'
import { freePort, tempDir, eventually } from '../helpers/harness.js'

const root = path.resolve(import.meta.dirname, '../..')

/** Linux /proc: a live process (a zombie waiting to be reaped is gone for this purpose). */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Every descendant of `pid`, with its command name. */
async function descendants(pid: number): Promise<Map<number, string>> {
  const parent = new Map<number, number>()
  const comm = new Map<number, string>()
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      comm.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close))
      parent.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]))
    } catch {
      // gone meanwhile
    }
  }
  const out = new Map<number, string>()
  const visit = (p: number) => {
    for (const [child, ppid] of parent) {
      if (ppid !== p || out.has(child)) continue
      out.set(child, comm.get(child) ?? '?')
      visit(child)
    }
  }
  visit(pid)
  return out
}

t.test('deskpulse demo from a fresh clone: a breach printed by the local receiver, then Ctrl-C stops everything within 2 s, quietly', async (t) => {
  t.setTimeout(900_000)
  for (const c of ['prometheus', 'prometheus-alertmanager', 'nats-server']) t.ok(onPath(c), `${c} is installed (scripts/bootstrap.sh)`)

  // A fresh clone of the committed branch, node_modules linked (never installed twice).
  const dir = await tempDir(t, 'deskpulse-demo-clone-')
  const clone = path.join(dir, 'deskpulse')
  const branch = execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
  execFileSync('git', ['clone', '--quiet', '--branch', branch, root, clone])
  await symlink(await realpath(path.join(root, 'node_modules')), path.join(clone, 'node_modules'))

  const ports = { PORT: 0, PROCESSOR_PORT: 0, INGEST_PRIVATE_PORT: 0, PROCESSOR_PRIVATE_PORT: 0, NATS_PORT: 0, NATS_MONITOR_PORT: 0 }
  for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort()
  const [prometheusPort, alertmanagerPort, notifyPort] = [await freePort(), await freePort(), await freePort()]

  // A crashed demo's nats-server, still running on the demo's data directory.
  const dataDir = path.join(clone, 'data/demo')
  await mkdir(dataDir, { recursive: true })
  await writeFile(path.join(dataDir, '.deskpulse-demo'), '')
  const orphan = await startNatsServer({ storeDir: path.join(dataDir, 'nats'), port: ports.NATS_PORT, monitorPort: ports.NATS_MONITOR_PORT })
  t.teardown(() => orphan.kill())

  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'info', NATS_URL: 'nats://127.0.0.1:1', DESKPULSE_DATA_DIR: '' }
  for (const [k, v] of Object.entries(ports)) env[k] = String(v)
  // Detached: its own process group, which then gets the SIGINT, as a terminal's foreground group does.
  const demo = spawn(
    process.execPath,
    ['bin/deskpulse.js', 'demo', '--prometheus-port', String(prometheusPort), '--alertmanager-port', String(alertmanagerPort), '--notify-port', String(notifyPort)],
    { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  demo.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
  demo.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
  let exitedAt = 0
  const exited = new Promise<number | null>((resolve) =>
    demo.once('exit', (code) => {
      exitedAt = performance.now()
      resolve(code)
    }),
  )
  t.teardown(() => {
    if (demo.exitCode === null) process.kill(-demo.pid!, 'SIGKILL')
  })

  const banner = await eventually(async () => /\n {2}wallboard\s+(\S+)/.exec(stdout)?.[1], 180_000, `the demo's banner (stderr: ${stderr.slice(-500)})`)
  t.notOk(await running(orphan.pid!), "the earlier demo's nats-server was stopped")
  t.match(stdout, /"msg":"stopped a nats-server an earlier demo left running"/, 'and reported')
  t.match(banner, new RegExp(`^http://127\\.0\\.0\\.1:${ports.PROCESSOR_PORT}/\\?token=[0-9a-f]{24}$`), 'the wallboard URL carries its token')
  t.match(stdout, `prometheus    http://127.0.0.1:${prometheusPort}/alerts`)
  t.match(stdout, `alertmanager  http://127.0.0.1:${alertmanagerPort}`)
  t.match(stdout, `metrics       http://127.0.0.1:${ports.PROCESSOR_PRIVATE_PORT}/metrics`)

  // The wallboard names the lines of the demo config.
  const token = new URL(banner).searchParams.get('token')!
  const snapshot = await new Promise<{ lineNames: Record<string, string> }>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${ports.PROCESSOR_PORT}/live?token=${token}`)
    ws.once('message', (m) => (ws.close(), resolve(JSON.parse(m.toString()))))
    ws.once('error', reject)
  })
  t.same(snapshot.lineNames, { '106540352242921': 'Customer care', '106540352242922': 'Billing', '106540352242923': 'Sales' })

  // A chat breaches and the page is printed here, its line named.
  const page = await eventually(async () => /^page {2}\S+ \[page\] FIRING\s+HelpdeskChatEscalation breach\s+line=\d+ \((Customer care|Billing|Sales)\) .*$/m.exec(stdout)?.[0], 600_000, 'a breach printed by the local receiver')
  t.comment(page)
  t.pass('a breach went from the simulated traffic through the processor and Alertmanager to the terminal')

  // Ctrl-C once the backfill is in and the evening plays live, as a person watching would press it.
  await eventually(async () => (/^backfill: \d+ of \d+ lines sent .*; now live/m.test(stdout) ? true : undefined), 600_000, 'the backfill sent')
  const started = await descendants(demo.pid!)
  // /proc's command names are cut at 15 characters.
  const names = [...started.values()]
  for (const c of ['nats-server', 'prometheus', 'prometheus-alertmanager']) t.ok(names.includes(c.slice(0, 15)), `${c} runs under the demo`)
  await sleep(5_000)

  const before = stdout.length
  const sentAt = performance.now()
  process.kill(-demo.pid!, 'SIGINT')
  t.equal(await exited, 0, 'exits 0 on Ctrl-C')
  let goneAt = exitedAt
  for (;;) {
    const left = []
    for (const pid of started.keys()) if (await running(pid)) left.push(pid)
    if (!left.length) break
    if (performance.now() - sentAt > 10_000) {
      t.fail(`still running 10 s after SIGINT: ${left.map((p) => `${p} ${started.get(p)}`).join(', ')}`)
      break
    }
    await sleep(20)
    goneAt = performance.now()
  }
  const ms = Math.round(Math.max(exitedAt, goneAt) - sentAt)
  t.comment(`Ctrl-C to the last process gone: ${ms} ms (the demo exited after ${Math.round(exitedAt - sentAt)} ms)`)
  t.ok(ms < 2_000, `everything stopped within 2 s of the SIGINT (${ms} ms)`)

  const shutdown = stdout.slice(before).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string })
  t.ok(shutdown.some((r) => r.msg === 'shutting down'), 'the shutdown is logged')
  t.same(shutdown.filter((r) => r.level >= 40), [], 'nothing at warning level or above during the shutdown')
  t.equal(stderr.trim(), '', 'nothing on stderr')
})
