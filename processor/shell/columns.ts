/**
 * Rows of one shape (the core's conversations and timers) as columns, for checkpoints.
 *
 * `v8.serialize` writes every property name of every object: a conversation (about 50 fields) took
 * ~780 bytes and the whole state at 100,000 open conversations 94 MB and 0.8 s of the main
 * thread per checkpoint (docs/processor.md "Checkpoints"). As columns, numbers and booleans go
 * into typed arrays (copied, not walked, by the serializer) and repeated strings (lines, teams,
 * agents) into a dictionary, so the size and time per conversation drop several-fold.
 *
 * Exact: every value comes back as it was (null, -0, NaN, nested arrays shared as they are). When
 * the rows do not all have the same fields in the same order (a checkpoint from an older version
 * restored into this one), they are kept as rows.
 */

type Column =
  /** The same value in every row (a field not used yet: all null). */
  | { t: 'const'; value: unknown }
  /** Numbers; `nulls[i] = 1` where the value was null (absent when none was). */
  | { t: 'num'; values: Float64Array; nulls?: Uint8Array }
  /** Booleans and nulls: 0 false, 1 true, 2 null. */
  | { t: 'bool'; values: Uint8Array }
  /** Strings and nulls with few distinct values: indexes into `dict`. */
  | { t: 'dict'; dict: Array<string | null>; index: Uint32Array }
  /** Anything else, as it is. */
  | { t: 'any'; values: unknown[] }

export interface Columns {
  columns: 1
  length: number
  fields: string[]
  data: Column[]
}

export const isColumns = (x: unknown): x is Columns => typeof x === 'object' && x !== null && (x as Columns).columns === 1

/** Distinct strings above this share of the rows: not worth a dictionary (conversation keys). */
const DICT_SHARE = 0.25

export function toColumns<T extends object>(rows: readonly T[]): Columns | T[] {
  const first = rows[0]
  if (!first) return rows.slice()
  const fields = Object.keys(first)
  const n = rows.length
  // Every row has exactly the first row's fields, in its order: otherwise rows. The values are
  // read once per row with Object.values: reading `row[field]` with the name in a variable is a
  // keyed lookup per cell, several times slower at 50 fields × 100,000 rows.
  // Transposed in one pass over the rows (each row's values are adjacent in memory), so that
  // each column is then read from one array rather than from 100,000 scattered rows.
  const cols = fields.map(() => new Array<unknown>(n))
  for (let r = 0; r < n; r++) {
    const row = rows[r]!
    let i = 0
    for (const k in row) if (k !== fields[i++]) return rows.slice()
    if (i !== fields.length) return rows.slice()
    const values = Object.values(row)
    for (let c = 0; c < values.length; c++) cols[c]![r] = values[c]
  }
  return { columns: 1, length: n, fields, data: cols.map(column) }
}

function column(values: readonly unknown[]): Column {
  const n = values.length
  const v0 = values[0]
  let same = v0 === null || typeof v0 !== 'object'
  let nums = true
  let bools = true
  let strs = true
  for (let r = 0; r < n; r++) {
    const v = values[r]
    if (same && !Object.is(v, v0)) same = false
    if (v === null) continue
    const t = typeof v
    if (t !== 'number') nums = false
    if (t !== 'boolean') bools = false
    if (t !== 'string') strs = false
    if (!(same || nums || bools || strs)) break
  }
  if (same) return { t: 'const', value: v0 }
  if (nums) {
    const out = new Float64Array(n)
    let nulls: Uint8Array | undefined
    for (let r = 0; r < n; r++) {
      const v = values[r] as number | null
      if (v === null) (nulls ??= new Uint8Array(n))[r] = 1
      else out[r] = v
    }
    return nulls ? { t: 'num', values: out, nulls } : { t: 'num', values: out }
  }
  if (bools) {
    const out = new Uint8Array(n)
    for (let r = 0; r < n; r++) {
      const v = values[r] as boolean | null
      out[r] = v === null ? 2 : v ? 1 : 0
    }
    return { t: 'bool', values: out }
  }
  if (strs) {
    const codes = new Map<string | null, number>()
    const index = new Uint32Array(n)
    const limit = Math.max(16, n * DICT_SHARE)
    let r = 0
    for (; r < n && codes.size <= limit; r++) {
      const v = values[r] as string | null
      let code = codes.get(v)
      if (code === undefined) codes.set(v, (code = codes.size))
      index[r] = code
    }
    if (r === n && codes.size <= limit) return { t: 'dict', dict: [...codes.keys()], index }
  }
  return { t: 'any', values: values as unknown[] }
}

/** Column i's value at row r, as an expression over `d` (the columns' data) and `r`. */
function cellExpression(c: Column, i: number): string {
  switch (c.t) {
    case 'const':
      return `d[${i}].value`
    case 'num':
      return c.nulls ? `(d[${i}].nulls[r] === 1 ? null : d[${i}].values[r])` : `d[${i}].values[r]`
    case 'bool':
      return `(d[${i}].values[r] === 2 ? null : d[${i}].values[r] === 1)`
    case 'dict':
      return `d[${i}].dict[d[${i}].index[r]]`
    case 'any':
      return `d[${i}].values[r]`
  }
}

export function fromColumns<T>(stored: Columns | T[]): T[] {
  if (!isColumns(stored)) return stored
  const { length: n, fields, data } = stored
  if (data.length !== fields.length || !data.every((c) => ['const', 'num', 'bool', 'dict', 'any'].includes(c.t))) throw new Error('checkpoint: malformed columns')
  // One object literal for every row (code built from the field names, each written as a JSON
  // string, so no name can be anything but a property name): every row gets the same hidden
  // class, as the core's own objects do, and no keyed store per cell.
  const literal = fields.map((f, i) => `${JSON.stringify(f)}: ${cellExpression(data[i]!, i)}`).join(', ')
  const make = new Function('d', 'r', `return { ${literal} }`) as (d: Column[], r: number) => T
  const rows = new Array<T>(n)
  for (let r = 0; r < n; r++) rows[r] = make(data, r)
  return rows
}
