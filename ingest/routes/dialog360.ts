import type { FastifyPluginAsync } from 'fastify'
import { createHash, timingSafeEqual } from 'node:crypto'
import { ERRORS, ingestError } from '../errors.js'
import { normaliseWebhook, type TextAnalyser } from '../whatsapp/normalise.js'
import type { CustomerKeyer } from '../pii.js'
import type { Publisher } from '../publish.js'
import { assertJsonDepth } from '../limits.js'
import { WEBHOOK_BODY_LIMIT } from './whatsapp.js'

export interface Dialog360RouteOptions {
  /**
   * DIALOG360_WEBHOOK_TOKEN, split: the bearer token set as a custom header of the webhook with
   * 360dialog's API (docs/connect-360dialog.md); several during a rotation. None: every POST is a 401.
   */
  tokens: readonly string[]
  storeText: boolean
  keyCustomer: CustomerKeyer
  publisher: Publisher
  analyseText?: TextAnalyser
  maxFutureSkewSeconds: number
  onTimestampClamped?: (reason: 'future' | 'invalid') => void
}

/** Digests of both sides: equal lengths, so timing tells nothing of a token's content or length. */
const digest = (s: string) => createHash('sha256').update(s).digest()

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * 360dialog forwards the Cloud API's webhooks as Meta sends them, but not Meta's signature
 * (`X-Hub-Signature-256` is made with the app secret of 360dialog's app, not yours): the
 * webhook is authenticated by a bearer token 360dialog sends as a custom header instead.
 */
export const dialog360Routes: FastifyPluginAsync<Dialog360RouteOptions> = async (app, opts) => {
  const expected = opts.tokens.map(digest)
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body))

  app.post(
    '/webhooks/360dialog',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      // Before the body is read: an unauthenticated caller costs no parsing.
      onRequest: async (req) => {
        if (expected.length === 0) throw ingestError(ERRORS.NOT_CONFIGURED, 'no 360dialog webhook token is configured (DIALOG360_WEBHOOK_TOKEN)')
        const header = req.headers.authorization
        const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined
        if (token === undefined) throw ingestError(ERRORS.TOKEN, 'missing bearer token (Authorization: Bearer <DIALOG360_WEBHOOK_TOKEN>)')
        const given = digest(token)
        let ok = false
        for (const e of expected) ok = timingSafeEqual(given, e) || ok
        if (!ok) throw ingestError(ERRORS.TOKEN, 'invalid bearer token')
      },
    },
    async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      assertJsonDepth(raw)
      let body: unknown
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        throw ingestError(ERRORS.NOT_JSON, 'body is not valid JSON')
      }
      // The On-Premise API's shape (messages/statuses at the top, no entry[] and no
      // phone_number_id to name the line): Meta retired that API in October 2025.
      if (isObj(body) && body.object === undefined && (Array.isArray(body.messages) || Array.isArray(body.statuses))) {
        throw ingestError(ERRORS.NOT_WHATSAPP, 'an On-Premise API payload (messages/statuses at the top level): only Cloud API numbers are supported; move the number to the Cloud API in 360dialog')
      }
      const events = normaliseWebhook(body, {
        keyCustomer: opts.keyCustomer,
        storeText: opts.storeText,
        receivedAt: new Date().toISOString(),
        maxFutureSkewSeconds: opts.maxFutureSkewSeconds,
        source: '360dialog',
        ...(opts.onTimestampClamped ? { onTimestampClamped: opts.onTimestampClamped } : {}),
        ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
      })
      const result = await opts.publisher.publishAll(events)
      return reply.send({ accepted: events.length, duplicates: result.duplicates })
    },
  )
}
