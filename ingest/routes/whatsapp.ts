import type { FastifyPluginAsync } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { ERRORS, ingestError } from '../errors.js'
import { verifySignature } from '../whatsapp/signature.js'
import { normaliseWebhook, type TextAnalyser } from '../whatsapp/normalise.js'
import type { CustomerKeyer } from '../pii.js'
import type { Publisher } from '../publish.js'

/** Meta's maximum webhook body is 3 MB. */
export const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024

export interface WhatsappRouteOptions {
  appSecrets: readonly string[]
  verifyToken: string | undefined
  storeText: boolean
  keyCustomer: CustomerKeyer
  publisher: Publisher
  analyseText?: TextAnalyser
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

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
    return reply.type('text/plain; charset=utf-8').send(challenge)
  })

  app.post('/webhooks/whatsapp', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    verifySignature(raw, req.headers['x-hub-signature-256'], opts.appSecrets)
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
      ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
    })
    const result = await opts.publisher.publishAll(events)
    return reply.send({ accepted: events.length, duplicates: result.duplicates })
  })
}
