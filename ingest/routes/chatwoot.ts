import type { FastifyPluginAsync } from 'fastify'
import { ERRORS, ingestError } from '../errors.js'
import { assertJsonDepth } from '../limits.js'
import type { CustomerKeyer } from '../pii.js'
import type { Publisher } from '../publish.js'
import type { TextAnalyser } from '../whatsapp/normalise.js'
import { verifyChatwootSignature } from '../chatwoot/signature.js'
import { normaliseChatwoot, type IgnoredReason } from '../chatwoot/normalise.js'

/** Chatwoot posts one event per request; its payloads are a few KB. */
export const CHATWOOT_BODY_LIMIT = 1024 * 1024
/** X-Chatwoot-Delivery is a UUID; anything else in it is refused before it reaches a log line. */
const DELIVERY = /^[A-Za-z0-9._:-]{1,128}$/

export interface ChatwootRouteOptions {
  secrets: readonly string[]
  allowUnsigned: boolean
  toleranceSeconds: number
  inboxes: Readonly<Record<string, string>>
  storeText: boolean
  keyCustomer: CustomerKeyer
  publisher: Publisher
  analyseText?: TextAnalyser
  maxFutureSkewSeconds: number
  onTimestampClamped?: (reason: 'future' | 'invalid') => void
  onIgnored?: (reason: IgnoredReason) => void
}

export const chatwootRoutes: FastifyPluginAsync<ChatwootRouteOptions> = async (app, opts) => {
  // The signature covers the raw bytes: keep them as a Buffer, whatever the content type.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: CHATWOOT_BODY_LIMIT }, (_req, body, done) => done(null, body))

  app.post('/webhooks/chatwoot', { bodyLimit: CHATWOOT_BODY_LIMIT }, async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const receivedAt = new Date()
    verifyChatwootSignature(
      raw,
      { signature: req.headers['x-chatwoot-signature'], timestamp: req.headers['x-chatwoot-timestamp'] },
      { secrets: opts.secrets, allowUnsigned: opts.allowUnsigned, toleranceSeconds: opts.toleranceSeconds, nowMs: receivedAt.getTime() },
    )
    const delivery = req.headers['x-chatwoot-delivery']
    if (delivery !== undefined && (typeof delivery !== 'string' || !DELIVERY.test(delivery))) {
      throw ingestError(ERRORS.INVALID_ID, 'X-Chatwoot-Delivery: must be 1–128 letters, digits, ".", "_", ":" or "-"')
    }
    assertJsonDepth(raw)
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      throw ingestError(ERRORS.NOT_JSON, 'body is not valid JSON')
    }
    const outcome = normaliseChatwoot(body, {
      keyCustomer: opts.keyCustomer,
      storeText: opts.storeText,
      inboxes: opts.inboxes,
      receivedAt: receivedAt.toISOString(),
      maxFutureSkewSeconds: opts.maxFutureSkewSeconds,
      ...(opts.onTimestampClamped ? { onTimestampClamped: opts.onTimestampClamped } : {}),
      ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
    })
    if (outcome.ignored !== null) {
      // Answered 200: Chatwoot sends every inbox's events to an account webhook, and a 4xx for
      // the email inbox would only fill its logs and our rejection alert. Nothing is stored, and
      // the body says so.
      opts.onIgnored?.(outcome.ignored)
      return reply.send({ accepted: 0, duplicates: 0, ignored: outcome.ignored })
    }
    // Retries of one delivery (same X-Chatwoot-Delivery) carry the same payload, hence the same
    // event ids: JetStream's duplicate window and the processor's dedup store them once.
    const result = await opts.publisher.publishAll(outcome.events)
    return reply.send({ accepted: outcome.events.length, duplicates: result.duplicates, ignored: null })
  })
}
