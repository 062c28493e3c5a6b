import type { FastifyPluginAsync } from 'fastify'
import { timingSafeEqual, createHash } from 'node:crypto'
import { ApiEventsBody, ApiEventsReply, ApiErrorReply } from '../../schemas/api-events.js'
import { ERRORS, ingestError } from '../errors.js'
import { validateApiEvents } from '../helpdesk/validate.js'
import { normaliseApiEvent } from '../helpdesk/normalise.js'
import type { CustomerKeyer } from '../pii.js'
import type { Publisher } from '../publish.js'

export interface EventsRouteOptions {
  apiToken: string | undefined
  storeText: boolean
  keyCustomer: CustomerKeyer
  publisher: Publisher
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
const digest = (s: string) => createHash('sha256').update(s).digest()

export const eventsRoutes: FastifyPluginAsync<EventsRouteOptions> = async (app, opts) => {
  const expected = opts.apiToken ? digest(opts.apiToken) : undefined

  app.post(
    '/v1/events',
    {
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        summary: 'Report helpdesk events (one, or an array of at most 1,000)',
        security: [{ bearerAuth: [] }],
        body: ApiEventsBody,
        response: { 200: ApiEventsReply, 400: ApiErrorReply, 401: ApiErrorReply, 503: ApiErrorReply },
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
      const events = validateApiEvents(req.body).map((e) =>
        normaliseApiEvent(e, { keyCustomer: opts.keyCustomer, storeText: opts.storeText, receivedAt }),
      )
      const result = await opts.publisher.publishAll(events)
      return { accepted: events.length, duplicates: result.duplicates }
    },
  )
}
