import t from 'tap'
import { createNotifyServer } from '../../cli/notify-command.js'
import { startAlertmanagerFixture, freePort, eventually } from '../helpers/harness.js'

t.test('deskpulse notify prints what a real Alertmanager delivers, and refuses a body that is not a webhook', async (t) => {
  const lines: string[] = []
  const app = createNotifyServer((l) => lines.push(l))
  const port = await freePort()
  await app.listen({ host: '127.0.0.1', port })
  t.teardown(() => app.close())

  const am = await startAlertmanagerFixture(
    t,
    `route:\n  receiver: notify\n  group_wait: 0s\n  group_interval: 1s\nreceivers:\n  - name: notify\n    webhook_configs:\n      - url: http://127.0.0.1:${port}/alerts/page\n        send_resolved: true\n`,
  )
  const alert = {
    labels: { alertname: 'HelpdeskChatEscalation', level: 'breach', line: 'L1', team: 'billing', agent: 'a-7', conversation: 'L1|ab12#1764000000000' },
    annotations: { summary: 'Chat unanswered for 300 s on line L1 (team billing)', waiting_since: '2026-11-26T10:00:00.000Z' },
    startsAt: new Date(Date.now() - 1000).toISOString(),
    endsAt: new Date(Date.now() + 60_000).toISOString(),
  }
  const res = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([alert]) })
  t.equal(res.status, 200)
  const line = await eventually(async () => lines.find((l) => l.includes('FIRING')), 15_000, 'the printed alert')
  t.match(line, /^\S+Z \[page\] FIRING\s+HelpdeskChatEscalation breach\s+line=L1 team=billing agent=a-7 conversation=L1\|ab12#1764000000000 waiting since 2026-11-26T10:00:00.000Z: Chat unanswered for 300 s/)

  const bad = await fetch(`http://127.0.0.1:${port}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'firing', alerts: 'nope' }) })
  t.equal(bad.status, 400)
  t.match(await bad.text(), /alerts/, 'the error names the field')
})
