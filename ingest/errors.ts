/** Coded errors of the ingest: one place for every status and message it answers with. */
export interface IngestErrorDef {
  code: string
  status: number
  /** Bounded reason label for deskpulse_ingest_rejected_total. */
  reason: string
}

export const ERRORS = {
  SIGNATURE_MISSING: { code: 'DESKPULSE_ERR_SIGNATURE_MISSING', status: 401, reason: 'signature_missing' },
  SIGNATURE: { code: 'DESKPULSE_ERR_SIGNATURE', status: 401, reason: 'signature_invalid' },
  NOT_CONFIGURED: { code: 'DESKPULSE_ERR_NOT_CONFIGURED', status: 401, reason: 'not_configured' },
  /** A Chatwoot X-Chatwoot-Timestamp outside the replay window (or not Unix seconds). */
  SIGNATURE_STALE: { code: 'DESKPULSE_ERR_SIGNATURE_STALE', status: 401, reason: 'signature_stale' },
  TOKEN: { code: 'DESKPULSE_ERR_TOKEN', status: 401, reason: 'token_invalid' },
  VERIFY: { code: 'DESKPULSE_ERR_VERIFY', status: 403, reason: 'verify_failed' },
  NOT_JSON: { code: 'DESKPULSE_ERR_NOT_JSON', status: 400, reason: 'not_json' },
  NOT_WHATSAPP: { code: 'DESKPULSE_ERR_NOT_WHATSAPP', status: 400, reason: 'not_whatsapp' },
  /** JSON that is not a Chatwoot webhook event of the shape its `event` names. */
  NOT_CHATWOOT: { code: 'DESKPULSE_ERR_NOT_CHATWOOT', status: 400, reason: 'not_chatwoot' },
  INVALID_EVENT: { code: 'DESKPULSE_ERR_INVALID_EVENT', status: 400, reason: 'invalid_event' },
  TOO_LARGE: { code: 'DESKPULSE_ERR_BODY_TOO_LARGE', status: 413, reason: 'too_large' },
  /** JSON nested deeper than ingest/limits.ts MAX_JSON_DEPTH: refused before parsing. */
  TOO_DEEP: { code: 'DESKPULSE_ERR_TOO_DEEP', status: 400, reason: 'too_deep' },
  /** An id or wamid that is too long or holds a control character (CR/LF would split a header). */
  INVALID_ID: { code: 'DESKPULSE_ERR_INVALID_ID', status: 400, reason: 'invalid_id' },
  /** A line (phone_number_id) that is too long or not printable: it becomes a metric label. */
  INVALID_LINE: { code: 'DESKPULSE_ERR_INVALID_LINE', status: 400, reason: 'invalid_line' },
  /** One canonical event larger than the bus takes in one message: no retry can cure it. */
  EVENT_TOO_LARGE: { code: 'DESKPULSE_ERR_EVENT_TOO_LARGE', status: 413, reason: 'event_too_large' },
  /** A helpdesk event dated further in the future than ingest.max_future_skew_seconds. */
  EVENT_TIME: { code: 'DESKPULSE_ERR_EVENT_TIME', status: 422, reason: 'event_time' },
  /** A Twilio business number missing from config adapters.twilio.numbers: it has no line. */
  UNKNOWN_NUMBER: { code: 'DESKPULSE_ERR_UNKNOWN_NUMBER', status: 422, reason: 'unknown_number' },
  UNAVAILABLE: { code: 'DESKPULSE_ERR_BUS_UNAVAILABLE', status: 503, reason: 'bus_unavailable' },
} as const satisfies Record<string, IngestErrorDef>

export class IngestError extends Error {
  readonly code: string
  readonly statusCode: number
  readonly reason: string
  constructor(def: IngestErrorDef, message: string) {
    super(message)
    this.code = def.code
    this.statusCode = def.status
    this.reason = def.reason
  }
}

export const ingestError = (def: IngestErrorDef, message: string) => new IngestError(def, message)
