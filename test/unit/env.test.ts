import t from 'tap'
import { loadEnv } from '../../schemas/env.js'

t.test('defaults follow docs/architecture.md', async (t) => {
  const env = loadEnv({})
  t.equal(env.port, 8080)
  t.equal(env.processorPort, 9464)
  t.equal(env.privateHost, '127.0.0.1', 'the private listeners on loopback by default')
  t.equal(env.ingestPrivatePort, 8081)
  t.equal(env.processorPrivatePort, 9465)
  t.equal(env.adminToken, undefined)
  t.same(env.wallboardOrigins, [])
  t.equal(env.dataDir, './data')
  t.equal(env.storeText, false)
  t.same(env.appSecrets, [])
  t.equal(env.natsUrl, undefined)
  t.equal(env.clickhouseUrl, undefined)
})

t.test('several app secrets are accepted for rotation', async (t) => {
  t.same(loadEnv({ WHATSAPP_APP_SECRET: 'old-secret, new-secret' }).appSecrets, ['old-secret', 'new-secret'])
})

t.test('Twilio and 360dialog secrets: several for rotation, none by default', async (t) => {
  t.same(loadEnv({}).twilioAuthTokens, [])
  t.same(loadEnv({}).dialog360Tokens, [])
  t.same(loadEnv({ TWILIO_AUTH_TOKEN: 'new-token, old-token' }).twilioAuthTokens, ['new-token', 'old-token'])
  t.same(loadEnv({ DIALOG360_WEBHOOK_TOKEN: '0123456789abcdef0123,fedcba9876543210fedc' }).dialog360Tokens, ['0123456789abcdef0123', 'fedcba9876543210fedc'])
  t.throws(() => loadEnv({ DIALOG360_WEBHOOK_TOKEN: '0123456789abcdef0123,short' }), { code: 'DESKPULSE_ERR_ENV', message: /DIALOG360_WEBHOOK_TOKEN/ }, 'every token at least 16 characters')
})

t.test('a wrong value stops start-up naming the variable', async (t) => {
  t.throws(() => loadEnv({ PORT: 'eighty' }), { name: 'Error', message: /PORT/ })
  t.throws(() => loadEnv({ DESKPULSE_STORE_TEXT: 'yes' }), /DESKPULSE_STORE_TEXT/)
  t.throws(() => loadEnv({ DESKPULSE_PARTITIONS: '0' }), /DESKPULSE_PARTITIONS/)
  t.throws(() => loadEnv({ DESKPULSE_API_TOKEN: 'short' }), { code: 'DESKPULSE_ERR_ENV', message: /DESKPULSE_API_TOKEN/ })
})

t.test('numbers and flags are converted', async (t) => {
  const env = loadEnv({ PORT: '18080', DESKPULSE_STORE_TEXT: 'true', DESKPULSE_PARTITIONS: '16' })
  t.equal(env.port, 18080)
  t.equal(env.storeText, true)
  t.equal(env.partitions, 16)
})
