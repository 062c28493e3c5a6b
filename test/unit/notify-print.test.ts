/** `deskpulse notify`'s printing: customer hashes shortened on a terminal, and the channel filter deskpulse demo uses. */
import t from 'tap'
import { createNotifyServer, formatAlert } from '../../cli/notify-command.js'

const hash = 'c43bd470e8648fe2c401369ba24031e66b514ec711d492b4151e583ff5863d14'
const alert = (severity: string) => ({
  status: 'firing',
  labels: { alertname: 'HelpdeskChatEscalation', level: severity === 'critical' ? 'breach' : 'warning', severity, line: 'L1', team: 'sales', agent: 'unassigned', conversation: `L1|${hash}#1796620690000` },
  annotations: { summary: 'Chat unanswered for 300 s on line L1 (team sales)' },
  startsAt: '2026-12-07T05:18:10.000Z',
})

t.test('a conversation is printed with the first 12 digits of its customer hash', async (t) => {
  const line = formatAlert(alert('critical'))
  t.match(line, /conversation=L1\|c43bd470e864…#1796620690000: Chat unanswered/)
  t.notMatch(line, hash, 'not the whole hash')
})

t.test('with channels, only those are printed; the others are acknowledged', async (t) => {
  const printed: string[] = []
  const app = createNotifyServer((l) => printed.push(l), { channels: ['page'] })
  t.teardown(() => app.close())
  const post = (url: string, a: ReturnType<typeof alert>) => app.inject({ method: 'POST', url, payload: { status: 'firing', alerts: [a] } })
  const chat = await post('/alerts/chat', alert('warning'))
  t.equal(chat.statusCode, 200)
  t.same(chat.json(), { received: 1 })
  const page = await post('/alerts/page', alert('critical'))
  t.equal(page.statusCode, 200)
  t.equal(printed.length, 1, 'the page alone')
  t.match(printed[0], /\[page\] FIRING\s+HelpdeskChatEscalation breach/)
})
