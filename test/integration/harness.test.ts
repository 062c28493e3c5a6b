import t from 'tap'
import { startPrometheusFixture, startAlertmanagerFixture, startNats } from '../helpers/harness.js'

const alive = (pid: number | undefined) => {
  try {
    process.kill(pid!, 0)
    return true
  } catch {
    return false
  }
}

t.test('Prometheus and Alertmanager start on free ports and are gone after the test', async (t) => {
  let promPid: number | undefined
  let amPid: number | undefined
  await t.test('start both', async (t) => {
    const prom = await startPrometheusFixture(t, () => 'global:\n  scrape_interval: 1s\n')
    const am = await startAlertmanagerFixture(t, 'route:\n  receiver: default\nreceivers:\n  - name: default\n')
    promPid = prom.pid
    amPid = am.pid
    const build = await (await fetch(`${prom.url}/api/v1/status/buildinfo`)).json()
    t.match(build, { status: 'success', data: { version: /^2\./ } })
    const status = await (await fetch(`${am.url}/api/v2/status`)).json()
    t.match(status, { versionInfo: { version: /^0\./ } })
  })
  t.notOk(alive(promPid), 'prometheus stopped at teardown')
  t.notOk(alive(amPid), 'alertmanager stopped at teardown')
})

t.test('a nats-server killed mid-test comes back on the same port and store', async (t) => {
  const nats = await startNats(t)
  const firstPid = nats.server.pid
  await nats.server.kill()
  t.notOk(alive(firstPid), 'killed')
  await nats.restart()
  t.not(nats.server.pid, firstPid)
  const res = await fetch(`http://127.0.0.1:${nats.monitorPort}/jsz`)
  t.match(await res.json(), { streams: 1 }, 'the JetStream store survived the crash')
})
