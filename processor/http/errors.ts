/** The processor's HTTP errors, coded as the ingest's (ingest/errors.ts): status, code, reason. */
export const ERRORS = {
  ADMIN_TOKEN: { status: 401, code: 'DESKPULSE_ERR_ADMIN_TOKEN', reason: 'admin_token', message: 'a valid Authorization: Bearer <DESKPULSE_ADMIN_TOKEN> is required' },
  FORECAST_PENDING: { status: 503, code: 'DESKPULSE_ERR_FORECAST_PENDING', reason: 'forecast_pending', message: 'no forecast computed yet' },
  FORECAST_DISABLED: { status: 404, code: 'DESKPULSE_ERR_FORECAST_DISABLED', reason: 'forecast_disabled', message: 'forecast.enabled is false in the configuration' },
} as const

export type ProcessorErrorName = keyof typeof ERRORS

export class ProcessorHttpError extends Error {
  readonly statusCode: number
  readonly code: string
  readonly reason: string
  constructor(name: ProcessorErrorName, message: string = ERRORS[name].message) {
    super(message)
    const e = ERRORS[name]
    this.statusCode = e.status
    this.code = e.code
    this.reason = e.reason
  }
}
