/**
 * `deskpulse notify`: a small Alertmanager webhook receiver that prints each alert as one line
 * (or JSON), so a demo or a first deployment can see escalations arrive before Slack or
 * PagerDuty are wired (alerting/alertmanager.yml's `deskpulse-notify` receiver).
 */
import type { Command } from 'commander'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'

/** The part of Alertmanager's webhook payload (version 4) this receiver reads. */
const Payload = Type.Object({
  status: Type.String(),
  alerts: Type.Array(
    Type.Object({
      status: Type.String(),
      labels: Type.Record(Type.String(), Type.String()),
      annotations: Type.Record(Type.String(), Type.String(), { default: {} }),
      startsAt: Type.String(),
      endsAt: Type.Optional(Type.String()),
    }),
  ),
})
type Payload = Static<typeof Payload>
type Alert = Payload['alerts'][number]

/** `FIRING   HelpdeskChatEscalation breach  line=… (name) team=… agent=… since …: summary`. */
export function formatAlert(a: Alert): string {
  const l = a.labels
  const what = [l.alertname, l.level].filter(Boolean).join(' ')
  // A named line (lines.<id>.name, the line_name annotation) is shown with its name beside the id.
  const lineName = a.annotations.line_name ? ` (${a.annotations.line_name})` : ''
  const where = ['line', 'team', 'agent', 'conversation'].filter((k) => l[k]).map((k) => `${k}=${l[k]}${k === 'line' ? lineName : ''}`)
  const since = a.annotations.waiting_since ? ` waiting since ${a.annotations.waiting_since}` : ''
  const summary = a.annotations.summary ? `: ${a.annotations.summary}` : ''
  // A conversation id carries the customer's 64-hex hash: its first 12 digits tell chats apart on a terminal.
  return `${a.status.toUpperCase().padEnd(8)} ${what.padEnd(30)} ${where.join(' ').replace(/\|([0-9a-f]{12})[0-9a-f]{20,}#/g, '|$1…#')}${since}${summary}`
}

/** `channels`: print only the alerts posted to these (`/alerts/page`: deskpulse demo prints pages alone); the rest are acknowledged quietly. */
export function createNotifyServer(print: (line: string) => void, opts: { json?: boolean; channels?: readonly string[] } = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 })
  // `/alerts/page`, `/alerts/chat`…: the receivers of alerting/alertmanager.yml, shown as a tag.
  const receive = async (req: { body: Payload; params: { channel?: string } }) => {
    const channel = req.params.channel ?? ''
    const tag = channel ? `[${channel}] ` : ''
    if (opts.channels && !opts.channels.includes(channel)) return { received: req.body.alerts.length }
    for (const a of req.body.alerts) print(opts.json ? JSON.stringify({ received_at: new Date().toISOString(), channel: channel || null, ...a }) : `${new Date().toISOString()} ${tag}${formatAlert(a)}`)
    return { received: req.body.alerts.length }
  }
  app.post<{ Body: Payload }>('/alerts', { schema: { body: Payload } }, (req) => receive({ body: req.body, params: {} }))
  app.post<{ Body: Payload; Params: { channel: string } }>('/alerts/:channel', { schema: { body: Payload } }, receive)
  app.get('/healthz', async () => ({ status: 'ok' }))
  return app
}

export function registerNotify(program: Command): void {
  program
    .command('notify')
    .description('receive Alertmanager webhooks (POST /alerts) and print each alert: see escalations arrive')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '9095')
    .option('--json', 'one JSON object per alert instead of a line')
    .action(async (o: { host: string; port: string; json?: boolean }) => {
      const app = createNotifyServer((line) => process.stdout.write(`${line}\n`), { json: o.json ?? false })
      const address = await app.listen({ host: o.host, port: Number(o.port) })
      process.stderr.write(`deskpulse notify: listening on ${address}/alerts\n`)
      const stop = () => void app.close().then(() => process.exit(0))
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
}
