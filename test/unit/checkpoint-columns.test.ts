import t from 'tap'
import { serialize, deserialize } from 'node:v8'
import { fromColumns, isColumns, toColumns, type Columns } from '../../processor/shell/columns.js'
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../processor/shell/checkpoints.js'
import { createKpiPipeline } from '../../processor/core/pipeline.js'
import { parseConfig } from '../../schemas/config.js'

/** Through the serializer too, as a checkpoint goes. */
const roundTrip = <T extends object>(rows: T[]): T[] => fromColumns(deserialize(serialize(toColumns(rows))) as Columns | T[])

t.test('every kind of value comes back as it was', async (t) => {
  const shared = [3, 4]
  const rows = [
    { n: 1, maybe: null, neg: -0, nan: NaN, flag: true, tri: null, line: 'L1', key: 'k0', list: shared, obj: { a: 1 } },
    { n: 2.5, maybe: 7, neg: -1, nan: 0, flag: false, tri: true, line: 'L2', key: 'k1', list: null, obj: null },
    { n: -3, maybe: null, neg: 1e300, nan: Infinity, flag: true, tri: false, line: null, key: 'k2', list: [], obj: { b: [1] } },
  ]
  const packed = toColumns(rows)
  t.ok(isColumns(packed), 'rows of one shape become columns')
  const back = roundTrip(rows)
  t.same(back, rows)
  t.ok(Object.is(back[0]!.neg, -0), '-0 stays -0')
  t.ok(Number.isNaN(back[0]!.nan), 'NaN stays NaN')
  t.equal(back[0]!.maybe, null, 'null numbers stay null, not 0 or NaN')
  t.equal(back[2]!.tri, false, 'false stays false next to nulls')
  t.equal(back[2]!.line, null, 'a null string stays null')
  t.same(Object.keys(back[1]!), Object.keys(rows[1]!), 'fields in their order')
})

t.test('numbers and booleans go into typed arrays, repeated strings into a dictionary', async (t) => {
  const rows = Array.from({ length: 1_000 }, (_, i) => ({ key: `L1|c${i}`, line: i % 2 ? 'L1' : 'L2', at: i * 1_000, open: i % 3 === 0, agent: i % 7 === 0 ? null : `a${i % 5}`, team: 'support' }))
  const packed = toColumns(rows) as Columns
  const kinds = Object.fromEntries(packed.fields.map((f, i) => [f, packed.data[i]!.t]))
  // 1,000 distinct keys: no dictionary; 2 lines and 5 agents + null: a dictionary.
  t.same(kinds, { key: 'any', line: 'dict', at: 'num', open: 'bool', agent: 'dict', team: 'const' })
  const agent = packed.data[4] as Extract<Columns['data'][number], { t: 'dict' }>
  t.equal(agent.dict.length, 6, 'a0..a4 and null')
  t.same(roundTrip(rows), rows)
  const asRows = serialize(rows).length
  const asColumns = serialize(packed).length
  // Five short fields: the names saved per row are a third of it; 50-field conversations save more (checkpoint.test.ts).
  t.ok(asColumns < 0.7 * asRows, `columns ${asColumns} bytes against rows ${asRows}`)
})

t.test('rows of different shapes are kept as rows', async (t) => {
  const missing = [{ a: 1, b: 2 }, { a: 1 }]
  const extra = [{ a: 1 }, { a: 1, b: 2 }]
  const reordered = [{ a: 1, b: 2 }, { b: 2, a: 1 }]
  for (const rows of [missing, extra, reordered]) {
    const packed = toColumns(rows)
    t.notOk(isColumns(packed), JSON.stringify(rows))
    t.same(roundTrip(rows), rows)
  }
  t.same(roundTrip([]), [], 'no rows')
})

t.test('a checkpoint is written as version 2 and read back to the state it was; version 1 is still read', async (t) => {
  const config = parseConfig({})
  const p = createKpiPipeline(config, 0)
  const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 9, 0, s)).toISOString()
  const base = (s: number, id: string) => ({ v: 1 as const, id, at: at(s), received_at: at(s), source: 'api' as const, line: 'L1', customer: 'c1' })
  p.push({ ...base(0, 'e1'), kind: 'message.in', message_id: 'm1', message_type: 'text', reply_id: null, context_id: null, digit: null, sentiment: 0, errors: [] })
  p.push({ ...base(5, 'e2'), kind: 'conversation.assigned', agent_id: 'a1', team: 'support' })
  p.catchUp()
  p.engine.drainEffects()
  p.engine.drainChanged()
  const state = p.exportState()
  const cp: Checkpoint = { v: 1, seq: 9, takenAt: at(6), pipeline: state }
  const bytes = encodeCheckpoint(cp)
  const raw = deserialize(bytes) as Checkpoint
  t.equal(raw.v, 2)
  t.ok(isColumns(raw.pipeline.engine.convs) && isColumns(raw.pipeline.engine.timers), 'conversations and timers as columns')
  const back = decodeCheckpoint(bytes)
  t.same(back.pipeline, state)
  t.equal(back.pipeline.engine.convs[0]!.agent, 'a1')
  t.same(decodeCheckpoint(serialize(cp)).pipeline, state, 'a version 1 checkpoint (rows) is read as it is')
  t.throws(() => decodeCheckpoint(serialize({ ...cp, v: 3 }), 'processor'), /processor: unknown checkpoint version 3/)
})
