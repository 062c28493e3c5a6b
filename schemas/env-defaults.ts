/**
 * The value `loadEnv` gives a variable when it is unset, for people (docs/configuration.md, the
 * CLI's --help): the schema's default, else found by setting the variable and seeing which field
 * of the loaded environment moves. `undefined`: unset means off or none.
 */
import { EnvSchema, loadEnv, type Env } from './env.js'

interface VarSchema {
  default?: unknown
  anyOf?: Array<{ const?: unknown }>
  type?: string
  minimum?: number
  minLength?: number
}

export function envDefault(name: keyof typeof EnvSchema.properties): string | undefined {
  const s = EnvSchema.properties[name] as VarSchema
  if (s.default !== undefined) return String(s.default)
  const base = loadEnv({}) as unknown as Record<keyof Env, unknown>
  const sample = s.anyOf ? String(s.anyOf.find((a) => a.const !== undefined)?.const ?? 1) : s.type === 'integer' ? String((s.minimum ?? 0) + 2) : 'x'.repeat(Math.max(s.minLength ?? 1, 1))
  let moved: Record<string, unknown>
  try {
    moved = loadEnv({ [name]: sample }) as unknown as Record<string, unknown>
  } catch {
    return undefined
  }
  const field = (Object.keys(base) as Array<keyof Env>).find((k) => JSON.stringify(base[k]) !== JSON.stringify(moved[k]))
  const value = field === undefined ? undefined : base[field]
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined
  return String(value)
}
