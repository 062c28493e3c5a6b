import type { FastifyPluginAsync } from 'fastify'
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ERRORS, ingestError } from '../errors.js'
import { verifySignature } from '../whatsapp/signature.js'
import { normaliseWebhook, type TextAnalyser } from '../whatsapp/normalise.js'
import type { CustomerKeyer } from '../pii.js'
import type { Publisher } from '../publish.js'
import { assertJsonDepth } from '../limits.js'

/** Meta's maximum webhook body is 3 MB. */
export const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024

export interface WhatsappRouteOptions {
  appSecrets: readonly string[]
  verifyToken: string | undefined
  storeText: boolean
  keyCustomer: CustomerKeyer
  publisher: Publisher
  analyseText?: TextAnalyser
  maxFutureSkewSeconds: number
  onTimestampClamped?: (reason: 'future' | 'invalid') => void
}

/**
 * Compares HMACs of both values under a key made at start-up: equal-length digests, so the time
 * taken tells nothing of the token's content or length (a length check first would).
 */
const compareKey = randomBytes(32)
const mac = (s: string) => createHmac('sha256', compareKey).update(s).digest()
const sameSecret = (given: string, expected: string) => timingSafeEqual(mac(given), mac(expected))

export const whatsappRoutes: FastifyPluginAsync<WhatsappRouteOptions> = async (app, opts) => {
  // The signature covers the raw bytes: keep them as a Buffer, whatever the content type.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body))

  app.get('/webhooks/whatsapp', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>
    const token = q['hub.verify_token']
    const challenge = q['hub.challenge']
    if (
      q['hub.mode'] !== 'subscribe' ||
      opts.verifyToken === undefined ||
      typeof token !== 'string' ||
      typeof challenge !== 'string' ||
      !sameSecret(token, opts.verifyToken)
    ) {
      throw ingestError(ERRORS.VERIFY, 'verification failed: hub.mode must be subscribe with the configured hub.verify_token')
    }
    // Echoed verbatim as Meta requires: plain text that no browser may sniff into HTML.
    return reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(challenge)
  })

  app.post('/webhooks/whatsapp', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    verifySignature(raw, req.headers['x-hub-signature-256'], opts.appSecrets)
    assertJsonDepth(raw)
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      throw ingestError(ERRORS.NOT_JSON, 'body is not valid JSON')
    }
    const events = normaliseWebhook(body, {
      keyCustomer: opts.keyCustomer,
      storeText: opts.storeText,
      receivedAt: new Date().toISOString(),
      maxFutureSkewSeconds: opts.maxFutureSkewSeconds,
      ...(opts.onTimestampClamped ? { onTimestampClamped: opts.onTimestampClamped } : {}),
      ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
    })
    const result = await opts.publisher.publishAll(events)
    return reply.send({ accepted: events.length, duplicates: result.duplicates })
  })
}
