import t from 'tap'
import { parseConfig } from '../../schemas/config.js'

t.test('adapters.twilio: defaults, and a wrong value stops start-up naming the field', async (t) => {
  t.same(parseConfig({}).adapters.twilio, { numbers: {} })
  const ok = parseConfig({ adapters: { twilio: { public_url: 'https://hooks.example.com/deskpulse/webhooks/twilio', numbers: { 'whatsapp:+14155238886': '106540352242922' } } } })
  t.same(ok.adapters.twilio.numbers, { 'whatsapp:+14155238886': '106540352242922' })
  t.throws(() => parseConfig({ adapters: { twilio: { numbers: { '+14155238886': 'L1' } } } }), { code: 'DESKPULSE_ERR_CONFIG', message: /adapters\.twilio\.numbers/ }, 'a key without whatsapp:')
  t.throws(() => parseConfig({ adapters: { twilio: { numbers: { 'whatsapp:+14155238886': 'a line with spaces' } } } }), { message: /adapters\.twilio\.numbers/ }, 'a line that is not a label')
  t.throws(() => parseConfig({ adapters: { twilio: { numbers: { 'whatsapp:+14155238886': 'x'.repeat(33) } } } }), { message: /adapters\.twilio\.numbers/ }, 'a line over 32 characters')
  t.throws(() => parseConfig({ adapters: { twilio: { public_url: 'https://hooks.example.com/webhooks/twilio?x=1' } } }), { message: /adapters\.twilio\.public_url/ }, 'a query string in public_url')
  t.throws(() => parseConfig({ adapters: { twilio: { public_url: 'hooks.example.com/webhooks/twilio' } } }), { message: /adapters\.twilio\.public_url/ }, 'no scheme')
  t.throws(() => parseConfig({ adapters: { nope: {} } }), { message: /adapters/ }, 'an unknown adapter')
})
