import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { CustomerKeyer } from '../pii.js'
import type { Publisher } from '../publish.js'
import type { TextAnalyser } from '../whatsapp/normalise.js'
import { parseForm } from '../twilio/form.js'
import { verifyTwilioSignature } from '../twilio/signature.js'
import { normaliseTwilio } from '../twilio/normalise.js'
import { ERRORS, ingestError } from '../errors.js'

/**
 * A Twilio webhook is one message's form: a WhatsApp text of 4,096 characters percent-encoded as
 * UTF-8 is under 37 KB. The limit leaves room for media URLs and ChannelMetadata.
 */
export const TWILIO_BODY_LIMIT = 256 * 1024

export interface TwilioRouteOptions {
  /** TWILIO_AUTH_TOKEN, split: every one is tried (a rotation). None: every POST is a 401. */
  authTokens: readonly string[]
  /** config adapters.twilio.public_url: the URL Twilio calls, without query string. */
  publicUrl: string | undefined
  /** config adapters.twilio.numbers. */
  numbers: Readonly<Record<string, string>>
  storeText: boolean
  keyCustomer: CustomerKeyer
  publisher: Publisher
  analyseText?: TextAnalyser
}

/** An empty TwiML answer: Twilio reads the reply to an inbound message as instructions; deskpulse sends none. */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

/**
 * The URL Twilio signed: the configured public URL (a proxy or TLS terminator in front changes
 * scheme, host or path) or the request's own, with the request's query string as received.
 */
function signedUrl(req: FastifyRequest, publicUrl: string | undefined): string {
  const q = req.url.indexOf('?')
  const query = q === -1 ? '' : req.url.slice(q)
  if (publicUrl !== undefined) return publicUrl + query
  return `${req.protocol}://${req.headers.host ?? ''}${req.url}`
}

export const twilioRoutes: FastifyPluginAsync<TwilioRouteOptions> = async (app, opts) => {
  // The signature covers the parameters as posted: keep the raw bytes, whatever the content type.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: TWILIO_BODY_LIMIT }, (_req, body, done) => done(null, body))

  app.post('/webhooks/twilio', { bodyLimit: TWILIO_BODY_LIMIT }, async (req, reply) => {
    // Webhooks Rules sign with another key and algorithm (HMAC-SHA256 under a shared key); an
    // answer naming that saves an operator from hunting a wrong Auth Token.
    if (req.headers['x-twilio-webhooks-signature-settings'] !== undefined) {
      throw ingestError(ERRORS.SIGNATURE, 'X-Twilio-Webhooks-Signature-Settings: Webhooks Rules signatures are not supported; sign with the Auth Token (no Webhooks Rule on this URL)')
    }
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const form = parseForm(raw)
    verifyTwilioSignature(req.headers['x-twilio-signature'], signedUrl(req, opts.publicUrl), form, opts.authTokens)
    const events = normaliseTwilio(form, {
      keyCustomer: opts.keyCustomer,
      storeText: opts.storeText,
      receivedAt: new Date().toISOString(),
      numbers: opts.numbers,
      ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
    })
    await opts.publisher.publishAll(events)
    return reply.type('text/xml; charset=utf-8').send(EMPTY_TWIML)
  })
}
