import t from 'tap'
import fc from 'fast-check'
import { startNats } from '../helpers/harness.js'
import { startIngest, streamCount } from '../helpers/ingest.js'
import { postSigned, TEST_SECRET } from '../helpers/webhooks.js'
import { loadFixtures } from '../helpers/fixtures.js'

const payloads = loadFixtures().flatMap(({ raw }) => {
  try {
    return [JSON.parse(raw.toString()) as unknown]
  } catch {
    return []
  }
})

type Json = unknown
/** Every path into a JSON value, so a mutation can land anywhere in a real payload. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix]
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])))
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]))
  return out
}
function mutate(base: Json, edits: [number, Json | undefined][]): Json {
  let doc = structuredClone(base)
  for (const [n, value] of edits) {
    const all = paths(doc)
    const path = all[n % all.length]!
    if (path.length === 0) {
      doc = value
      continue
    }
    let parent = doc as Record<string | number, Json>
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>
    const last = path.at(-1)!
    if (value === undefined) delete parent[last]
    else parent[last] = value
  }
  return doc
}

const mutatedPayload = fc
  .tuple(fc.constantFrom(...payloads), fc.array(fc.tuple(fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined })), { maxLength: 4 }))
  .map(([base, edits]) => JSON.stringify(mutate(base, edits)) ?? 'null')
const anyBody = fc.oneof(mutatedPayload, fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')))
const headerValue = fc.stringMatching(/^[\x21-\x7e]{0,80}$/)
const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=utf-8')

t.test('thousands of mutated and random requests: no crash, no 5xx, nothing unsigned published', async (t) => {
  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc)

  await t.test('unsigned or forged: always 4xx, nothing published', async (t) => {
    const before = await streamCount(nats.nc)
    await fc.assert(
      fc.asyncProperty(anyBody, fc.option(headerValue), contentType, async (body, signature, type) => {
        const headers: Record<string, string> = { 'content-type': type }
        if (signature !== null) headers['x-hub-signature-256'] = signature.startsWith('sha256=') ? signature : `sha256=${signature}`
        const res = await fetch(`${url}/webhooks/whatsapp`, { method: 'POST', headers, body })
        await res.arrayBuffer()
        return res.status >= 400 && res.status < 500
      }),
      { numRuns: 2_000 },
    )
    t.equal(await streamCount(nats.nc), before, 'the stream did not move')
  })

  await t.test('signed, mutated real payloads and random JSON: 200 or 400, never 5xx', async (t) => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const res = await postSigned(url, body, TEST_SECRET)
        await res.arrayBuffer()
        if (res.status === 200) accepted++
        return res.status === 200 || res.status === 400
      }),
      { numRuns: 1_500 },
    )
    t.ok(accepted > 100, `many mutated payloads are still accepted (${accepted})`)
  })

  t.equal((await fetch(`${url}/healthz`)).status, 200, 'the server is still up')
})
