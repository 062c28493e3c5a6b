import '../../schemas/formats.js'
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { API_EVENT_SCHEMAS, MAX_EVENTS_PER_REQUEST, type ApiEvent, type ApiEventType } from '../../schemas/api-events.js'
import { ERRORS, ingestError } from '../errors.js'
import { helpdeskConversationProblem } from '../../schemas/helpdesk.js'

const checkers = new Map<string, TypeCheck<TSchema>>(
  Object.entries(API_EVENT_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema as TSchema)]),
)

const isType = (t: unknown): t is ApiEventType => typeof t === 'string' && Object.hasOwn(API_EVENT_SCHEMAS, t)

/** `/sender/kind` of event 3 → `events[3].sender.kind` */
const fieldName = (index: number, path: string) => `events[${index}]${path.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('')}`

/**
 * Validates a /v1/events body (one event or an array of at most 1,000). The first bad event
 * rejects the whole request with a 400 naming its index and field, so nothing is published.
 */
export function validateApiEvents(body: unknown): ApiEvent[] {
  const events = Array.isArray(body) ? body : [body]
  if (Array.isArray(body) && body.length === 0) throw ingestError(ERRORS.INVALID_EVENT, 'events: the array is empty')
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    throw ingestError(ERRORS.INVALID_EVENT, `events: at most ${MAX_EVENTS_PER_REQUEST} events per request, got ${events.length}`)
  }
  for (const [i, e] of events.entries()) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw ingestError(ERRORS.INVALID_EVENT, `events[${i}]: must be an object`)
    const type = (e as { type?: unknown }).type
    if (type === undefined) throw ingestError(ERRORS.INVALID_EVENT, `events[${i}].type: required`)
    if (!isType(type)) {
      throw ingestError(ERRORS.INVALID_EVENT, `events[${i}].type: unknown type ${JSON.stringify(type)}; expected one of ${Object.keys(API_EVENT_SCHEMAS).join(', ')}`)
    }
    const checker = checkers.get(type)!
    if (!checker.Check(e)) {
      const first = checker.Errors(e).First()!
      throw ingestError(ERRORS.INVALID_EVENT, `${fieldName(i, first.path)}: ${first.message}`)
    }
    // Beyond the schema: no phone number in the id, and not the customer's own (stored raw).
    // agent.status has no conversation: the field is not read there (ingest/helpdesk/normalise.ts).
    const { helpdesk_conversation: hc, customer } = e as { helpdesk_conversation?: string; customer?: string }
    const problem = hc === undefined || type === 'agent.status' ? null : helpdeskConversationProblem(hc, customer ?? null)
    if (problem) throw ingestError(ERRORS.INVALID_EVENT, `events[${i}].helpdesk_conversation: ${problem}`)
  }
  return events as ApiEvent[]
}
