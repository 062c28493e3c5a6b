import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import '../../schemas/formats.js'
import { CanonicalEvent } from '../../schemas/events.js'
import { startNats } from '../helpers/harness.js'
import { startIngest, streamEvents, streamCount } from '../helpers/ingest.js'
import { postSigned } from '../helpers/webhooks.js'
import { loadFixtures, expectedKinds } from '../helpers/fixtures.js'

const sortCount = (kinds: string[]) => kinds.slice().sort().join(',')

t.test('every real fixture, signed and POSTed, gives exactly its events in JetStream', async (t) => {
  const nats = await startNats(t)
  const { url } = await startIngest(t, nats.nc)
  let lastSeq = 0
  let posted = 0
  for (const { file, raw } of loadFixtures()) {
    let payload: unknown
    try {
      payload = JSON.parse(raw.toString())
    } catch {
      const before = await streamCount(nats.nc)
      const res = await postSigned(url, raw)
      t.equal(res.status, 400, `${file}: invalid JSON is a 400`)
      t.match(await res.json(), { error: 'DESKPULSE_ERR_NOT_JSON' })
      t.equal(await streamCount(nats.nc), before, `${file}: nothing published`)
      continue
    }
    posted++
    const expected = expectedKinds(payload as never)
    const res = await postSigned(url, raw)
    t.equal(res.status, 200, `${file}: 200`)
    const reply = (await res.json()) as { accepted: number; duplicates: number }
    t.equal(reply.accepted, expected.length, `${file}: ${expected.length} events acknowledged`)
    // Fixtures from one project reuse ids (wamid.ID …): those the stream already holds are
    // dedup'd by Nats-Msg-Id, and the reply says how many.
    const added = await streamEvents(nats.nc, lastSeq)
    lastSeq = added.at(-1)?.seq ?? lastSeq
    t.equal(added.length + reply.duplicates, expected.length, `${file}: stored + duplicates = items`)
    if (reply.duplicates === 0) t.equal(sortCount(added.map((a) => a.event.kind)), sortCount(expected), `${file}: kinds`)
    for (const a of added) {
      t.ok(Value.Check(CanonicalEvent, a.event), `${file}: ${a.event.kind} fits the schema`)
      t.equal(a.msgId, a.event.id, 'Nats-Msg-Id is the event id')
      t.ok(a.subject.endsWith(`.${a.event.kind}`), 'subject ends with the kind')
    }
  }
  t.equal(posted, 128)
})
