import type { FastifyPluginAsync } from 'fastify'
import { timingSafeEqual, createHash } from 'node:crypto'
import { ApiEventsBody, ApiEventsReply, ApiErrorReply, type ApiEvent } from '../../schemas/api-events.js'
import { ERRORS, ingestError } from '../errors.js'
import { validateApiEvents } from '../helpdesk/validate.js'
import { normaliseApiEvent } from '../helpdesk/normalise.js'
import type { CustomerKeyer } from '../pii.js'
import type { Publisher } from '../publish.js'
import { assertJsonDepth } from '../limits.js'

export interface EventsRouteOptions {
  apiToken: string | undefined
  storeText: boolean
  keyCustomer: CustomerKeyer
  publisher: Publisher
  maxFutureSkewSeconds: number
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
const digest = (s: string) => createHash('sha256').update(s).digest()

export const eventsRoutes: FastifyPluginAsync<EventsRouteOptions> = async (app, opts) => {
  const expected = opts.apiToken ? digest(opts.apiToken) : undefined

  // Fastify's own JSON parser (prototype-poisoning checks included), after a depth check on the
  // bytes: 100,000 nested arrays would otherwise overflow the stack of the validator (a 500).
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      assertJsonDepth(body as Buffer)
    } catch (err) {
      done(err as Error, undefined)
      return
    }
    parseJson(req, (body as Buffer).toString('utf8'), done)
  })

  app.post(
    '/v1/events',
    {
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        summary: 'Report helpdesk events (one, or an array of at most 1,000)',
        security: [{ bearerAuth: [] }],
        body: ApiEventsBody,
        response: { 200: ApiEventsReply, 400: ApiErrorReply, 401: ApiErrorReply, 413: ApiErrorReply, 422: ApiErrorReply, 503: ApiErrorReply },
      },
      // The schema documents the route; validation is ours, to name the event index and field.
      validatorCompiler: () => (value) => ({ value }),
      // Before the body is read: an unauthenticated caller costs no parsing.
      onRequest: async (req) => {
        const header = req.headers.authorization
        const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined
        if (!expected) throw ingestError(ERRORS.NOT_CONFIGURED, 'no DESKPULSE_API_TOKEN is configured')
        if (token === undefined) throw ingestError(ERRORS.TOKEN, 'missing bearer token')
        if (!timingSafeEqual(digest(token), expected)) throw ingestError(ERRORS.TOKEN, 'invalid bearer token')
      },
    },
    async (req) => {
      const receivedAt = new Date().toISOString()
      const valid = validateApiEvents(req.body)
      assertNotFuture(valid, Date.parse(receivedAt) + opts.maxFutureSkewSeconds * 1000, opts.maxFutureSkewSeconds)
      const events = valid.map((e) => normaliseApiEvent(e, { keyCustomer: opts.keyCustomer, storeText: opts.storeText, receivedAt }))
      // One canonical event per API event, in order: index i of the body is index i here.
      const result = await opts.publisher.publishAll(events, (i) => `events[${i}]`)
      return { accepted: events.length, duplicates: result.duplicates }
    },
  )
}

/**
 * A helpdesk's clock may run a little ahead; an event beyond that would sit in the processor's
 * future (timers, reorder window) and skew every KPI, so the whole request is refused, naming it.
 */
function assertNotFuture(events: readonly ApiEvent[], latestMs: number, skewSeconds: number): void {
  for (const [i, e] of events.entries()) {
    if (Date.parse(e.at) > latestMs) {
      throw ingestError(ERRORS.EVENT_TIME, `events[${i}].at: ${e.at} is more than ${skewSeconds} s in the future (ingest.max_future_skew_seconds)`)
    }
  }
}
