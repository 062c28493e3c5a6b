import t from 'tap'
import { createHmac } from 'node:crypto'
import { createCustomerKeyer } from '../../ingest/pii.js'

const hmac = (input: string) => createHmac('sha256', 'secret-key').update(input).digest('hex')

t.test('the cached keyer (deskpulse replay) gives the HMAC of line:id, before and after its cache empties', async (t) => {
  const cached = createCustomerKeyer('secret-key', { cacheSize: 3 })
  const plain = createCustomerKeyer('secret-key')
  const inputs: Array<[string | null, string]> = [['L1', '393331'], ['L2', '393331'], [null, '393331'], ['L1', '393331'], ['L1', '393332'], ['L2', '393331'], ['L1', '393331']]
  for (const [line, id] of inputs) {
    const expected = hmac(`${line ?? ''}:${id}`)
    t.equal(cached(line, id), expected, `${line}:${id}`)
    t.equal(plain(line, id), expected)
  }
  t.not(cached('L1', '393331'), cached('L2', '393331'), 'one number on two lines is two customers')
})
