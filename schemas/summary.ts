/**
 * The KPI summary of docs/architecture.md "Replay and simulation": printed by `deskpulse replay
 * --json`, served live at GET /v1/summary, recomputed by `deskpulse report` from ClickHouse.
 * Durations in seconds; a timing with no samples has null figures.
 */
import { Type, type Static } from '@sinclair/typebox'

const N = Type.Number()
const NullableNumber = Type.Union([Type.Number(), Type.Null()])

export const Timing = Type.Object({ count: Type.Integer(), mean: NullableNumber, p50: NullableNumber, p90: NullableNumber, p99: NullableNumber })
export type Timing = Static<typeof Timing>

const Outcomes = Type.Object({ hit: N, missed: N, active: N })
/** docs/sla.md "Outcomes": per policy name (`default`: the thresholds), per target. */
export const SlaSummary = Type.Record(Type.String(), Type.Object({ first_response: Outcomes, next_response: Outcomes, resolution: Outcomes }))
export type SlaSummary = Static<typeof SlaSummary>

export const SummarySchema = Type.Object({
  until: Type.String({ format: 'date-time' }),
  conversations: Type.Object({ opened: N, resolved: N, open: N, reopened: N }),
  messages: Type.Object({ in: N, out: N }),
  backlog: Type.Object({ bot: N, unassigned: N, awaiting_agent: N, awaiting_customer: N }),
  oldest_waiting_seconds: NullableNumber,
  first_response_seconds: Timing,
  next_response_seconds: Timing,
  assignment_seconds: Timing,
  resolution_seconds: Timing,
  escalations: Type.Object({ warnings: N, breaches: N }),
  csat: Type.Object({ responses: N, percent: NullableNumber, mean: NullableNumber }),
  bot: Type.Object({ conversations: N, contained: N, handoffs: N }),
  fcr: Type.Object({ final: N, fcr: N, pending: N }),
  /** Share of FRT samples at most frt_target, 0–1; null with no samples. */
  service_level: NullableNumber,
  /** Extras beyond docs/architecture.md's minimum (optional so other views may omit them). */
  missed: Type.Optional(N),
  window_closing_soon: Type.Optional(N),
  sla: Type.Optional(SlaSummary),
})
export type Summary = Static<typeof SummarySchema>

export const emptyTiming = (): Timing => ({ count: 0, mean: null, p50: null, p90: null, p99: null })
