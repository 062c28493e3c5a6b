/**
 * runtime/nats-server.ts after a crash: a nats-server left running on the store by a run that
 * died (its handle dropped, never stopped) is stopped and replaced, not silently adopted; a port
 * held by anything else is an error naming the port.
 */
import t from 'tap'
import { createServer } from 'node:net'
import { startNatsServer, pidFileOf } from '../../runtime/nats-server.js'
import { connectBus } from '../../bus/connect.js'
import { tempDir, freePort } from '../helpers/harness.js'
import { readFile } from 'node:fs/promises'

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('a nats-server left running by a crashed run is stopped and replaced by a new one, which stops on close', async (t) => {
  const storeDir = await tempDir(t, 'deskpulse-nats-orphan-')
  const opts = { storeDir, port: await freePort(), monitorPort: await freePort() }
  // The crashed run: started, then its handle dropped without stop() (as when the parent is SIGKILLed).
  const orphan = await startNatsServer(opts)
  const orphanPid = orphan.pid!
  t.teardown(() => orphan.kill())
  t.equal((await readFile(pidFileOf(storeDir), 'utf8')).trim(), String(orphanPid), 'the pid is recorded in the store')

  const server = await startNatsServer(opts)
  t.teardown(() => server.stop())
  t.notOk(alive(orphanPid), 'the old nats-server is gone')
  t.equal(server.replacedOrphan, orphanPid, 'the replacement is reported (deskpulse start logs it)')
  t.not(server.pid, orphanPid, 'a new process')
  t.equal((await readFile(pidFileOf(storeDir), 'utf8')).trim(), String(server.pid), 'the new pid is recorded')
  const nc = await connectBus(server.url, 'orphan-test')
  t.ok(nc.info?.jetstream, 'the new server answers with JetStream')
  await nc.close()

  const pid = server.pid!
  await server.stop()
  t.notOk(alive(pid), 'the new one is stopped on close')
  await t.rejects(readFile(pidFileOf(storeDir), 'utf8'), 'the pid file is removed on a clean stop')
})

t.test('a port held by a process deskpulse did not start fails start-up with an error naming the port', async (t) => {
  const storeDir = await tempDir(t, 'deskpulse-nats-foreign-')
  const foreign = createServer((s) => s.end())
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((r) => foreign.close(r)))
  const port = (foreign.address() as { port: number }).port
  await t.rejects(startNatsServer({ storeDir, port, monitorPort: await freePort() }), { code: 'DESKPULSE_ERR_NATS_PORT_IN_USE', message: new RegExp(`port ${port} on 127\\.0\\.0\\.1 \\(NATS_PORT\\) is in use`) })
  await t.rejects(startNatsServer({ storeDir, port: await freePort(), monitorPort: port }), { message: /NATS_MONITOR_PORT/ }, 'the monitor port too: a foreign server there would answer the readiness poll')
})
