import t from 'tap'
import { twilioSignature, verifyTwilioSignature, signedUrlForms } from '../../ingest/twilio/signature.js'
import { formMap } from '../helpers/twilio.js'

/**
 * Expected values computed by Twilio, not by this code: the worked example of Twilio's webhook
 * security docs, and the vector of twilio-node's own tests (test/fixtures/README.md).
 */
const DOC_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2'
const DOC_PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' }
const NODE_PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' }

t.test("Twilio's documented examples give Twilio's signatures", async (t) => {
  t.equal(twilioSignature('12345', DOC_URL, formMap(DOC_PARAMS)), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', 'twilio.com/docs/usage/webhooks/webhooks-security')
  t.equal(twilioSignature('12345', DOC_URL, formMap(NODE_PARAMS)), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'twilio-node spec/validation.spec.js')
  // Parameter order as posted does not matter: Twilio sorts by name.
  t.equal(twilioSignature('12345', DOC_URL, formMap(Object.entries(DOC_PARAMS).reverse())), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=')
})

t.test('verification: the documented signature passes; anything else is a coded 401', async (t) => {
  const form = formMap(DOC_PARAMS)
  t.doesNotThrow(() => verifyTwilioSignature('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', DOC_URL, form, ['12345']))
  t.doesNotThrow(() => verifyTwilioSignature('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', DOC_URL, form, ['rotated-new-token', '12345']), 'any token of a rotation')
  t.throws(() => verifyTwilioSignature('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', DOC_URL, form, ['54321']), { code: 'DESKPULSE_ERR_SIGNATURE' })
  t.throws(() => verifyTwilioSignature('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', DOC_URL.replace('foo=1', 'foo=2'), form, ['12345']), { code: 'DESKPULSE_ERR_SIGNATURE' }, 'another URL')
  t.throws(() => verifyTwilioSignature('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', DOC_URL, formMap({ ...DOC_PARAMS, Digits: '1235' }), ['12345']), { code: 'DESKPULSE_ERR_SIGNATURE' }, 'a changed value')
  t.throws(() => verifyTwilioSignature('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', DOC_URL, formMap({ ...DOC_PARAMS, Extra: '' }), ['12345']), { code: 'DESKPULSE_ERR_SIGNATURE' }, 'an added parameter, even empty')
  t.throws(() => verifyTwilioSignature(undefined, DOC_URL, form, ['12345']), { code: 'DESKPULSE_ERR_SIGNATURE_MISSING' })
  t.throws(() => verifyTwilioSignature('', DOC_URL, form, ['12345']), { code: 'DESKPULSE_ERR_SIGNATURE_MISSING' })
  t.throws(() => verifyTwilioSignature('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', DOC_URL, form, []), { code: 'DESKPULSE_ERR_NOT_CONFIGURED' })
  // Buffer.from(…, 'base64') skips what is not base64: the right digest with junk must still fail.
  for (const junk of ['0/KCTR6DLpKmkAf8muzZqo1nDgQ=x', '0/KCTR6DLpKmkAf8muzZqo1nDgQ', ' 0/KCTR6DLpKmkAf8muzZqo1nDgQ=', '0/KCTR6DLpKmkAf8muzZqo1nDgQ==']) {
    t.throws(() => verifyTwilioSignature(junk, DOC_URL, form, ['12345']), { code: 'DESKPULSE_ERR_SIGNATURE' }, JSON.stringify(junk))
  }
})

t.test("the URL is tried with and without the scheme's default port, as twilio-node does", async (t) => {
  t.same(signedUrlForms('https://example.com/path?test=param'), ['https://example.com/path?test=param', 'https://example.com:443/path?test=param'])
  t.same(signedUrlForms('https://example.com:443/path'), ['https://example.com:443/path', 'https://example.com/path'])
  t.same(signedUrlForms('http://example.com/p'), ['http://example.com/p', 'http://example.com:80/p'])
  t.same(signedUrlForms('https://example.com:8443/p'), ['https://example.com:8443/p'], 'another port is part of the URL')
  const withPort = twilioSignature('12345', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', formMap(DOC_PARAMS))
  t.doesNotThrow(() => verifyTwilioSignature(withPort, DOC_URL, formMap(DOC_PARAMS), ['12345']), 'signed with :443, configured without')
  t.doesNotThrow(() => verifyTwilioSignature('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', formMap(DOC_PARAMS), ['12345']), 'signed without, configured with :443')
})

t.test('a parameter sent twice is signed once per distinct value, sorted (twilio-node)', async (t) => {
  const twice = formMap([['A', '2'], ['A', '1'], ['A', '2'], ['B', 'x']])
  const once = formMap([['A', '1'], ['A', '2'], ['B', 'x']])
  t.equal(twilioSignature('k', 'https://e.example/x', twice), twilioSignature('k', 'https://e.example/x', once))
})
