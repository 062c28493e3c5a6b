/** A start-up that cannot go on (a missing secret, a port in use): printed without a stack. */
export class StartupError extends Error {
  readonly code = 'DESKPULSE_ERR_STARTUP'
}
