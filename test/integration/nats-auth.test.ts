/**
 * NATS with credentials, as docker-compose.yml runs it (`--user deskpulse --pass $NATS_PASSWORD`):
 * the credentials travel in NATS_URL (`nats://user:pass@host:port`), a client without them or
 * with a wrong password is refused, and the URL shown on the terminal hides the password.
 */
import t from 'tap'
import { startNatsServer } from '../../runtime/nats-server.js'
import { connectBus } from '../../bus/connect.js'
import { ensureStream } from '../../bus/stream.js'
import { parseNatsServers, redactNatsUrls } from '../../bus/credentials.js'
import { freePort, tempDir } from '../helpers/harness.js'

t.test('a NATS server with a user and password takes deskpulse clients whose NATS_URL carries them', async (t) => {
  const [port, monitorPort] = [await freePort(), await freePort()]
  const server = await startNatsServer({ storeDir: await tempDir(t), port, monitorPort, auth: { user: 'deskpulse', pass: 's3cr/t:p@ss' } })
  t.teardown(() => server.stop())
  const url = `nats://deskpulse:${encodeURIComponent('s3cr/t:p@ss')}@127.0.0.1:${port}`

  const nc = await connectBus(url, 'auth-test')
  await ensureStream(nc)
  const js = (await import('@nats-io/jetstream')).jetstream(nc)
  const ack = await js.publish('deskpulse.ev.0.message.in', 'x')
  t.equal(ack.stream, 'DESKPULSE', 'published into the stream with the credentials')
  await nc.close()

  for (const [what, bad] of [['no credentials', `nats://127.0.0.1:${port}`], ['a wrong password', `nats://deskpulse:nope@127.0.0.1:${port}`]] as const) {
    const refused = await connectBus(bad, 'auth-test').then(
      async (c) => {
        // waitOnFirstConnect is off: the first connection's refusal is the rejection itself.
        await c.close()
        return null
      },
      (err: Error) => err,
    )
    t.match(String(refused), /Authorization Violation/i, `${what}: refused by the server`)
  }
})

t.test('credentials are read out of the URLs and hidden when shown', async (t) => {
  t.same(parseNatsServers('nats://u:p%40ss@n1:4222, nats://u:p%40ss@n2:4222'), { servers: ['nats://n1:4222', 'nats://n2:4222'], user: 'u', pass: 'p@ss' })
  t.same(parseNatsServers('nats://n1:4222,n2:4222'), { servers: ['nats://n1:4222', 'n2:4222'] })
  t.throws(() => parseNatsServers('nats://u:a@n1:4222,nats://u:b@n2:4222'), /the same credentials/)
  t.equal(redactNatsUrls('nats://deskpulse:hunter2@nats:4222,nats://deskpulse:hunter2@n2:4222'), 'nats://deskpulse:***@nats:4222,nats://deskpulse:***@n2:4222')
  t.equal(redactNatsUrls('nats://127.0.0.1:4222'), 'nats://127.0.0.1:4222')
})
