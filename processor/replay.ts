/**
 * `deskpulse replay`: a recorded stream through the same normalisation and core as live, in
 * event time. Lines: {"webhook": <POST body as sent by Meta>}, {"event": <a /v1/events event>} or
 * {"chatwoot": <a Chatwoot webhook body>} (inboxes mapped by config `adapters.chatwoot.inboxes`).
 */
import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Config } from '../schemas/config.js'
import type { CanonicalEvent } from '../schemas/events.js'
import { normaliseWebhook, type TextAnalyser } from '../ingest/whatsapp/normalise.js'
import { validateApiEvents } from '../ingest/helpdesk/validate.js'
import { normaliseApiEvent } from '../ingest/helpdesk/normalise.js'
import { normaliseChatwoot } from '../ingest/chatwoot/normalise.js'
import { createCustomerKeyer } from '../ingest/pii.js'
import { createKpiPipeline, type KpiPipeline } from './core/pipeline.js'

export class ReplayError extends Error {
  readonly code = 'DESKPULSE_ERR_REPLAY'
}

export interface ReplayOptions {
  config: Config
  until?: number
  piiKey: string
  analyseText?: TextAnalyser
  /** Called with bytes read so far (for a progress bar). */
  onProgress?: (bytes: number) => void
  /**
   * Called after each stretch of lines (and once at the end) with the events read in it and the
   * line number reached: a sink writes rows here (the pipeline's engine has them to drain).
   */
  onBatch?: (pipeline: KpiPipeline, events: CanonicalEvent[], lineNo: number) => Promise<void> | void
}

/** Turns one replay line into canonical events, exactly as the ingest would. */
export function lineToEvents(
  line: string,
  lineNo: number,
  opts: { keyCustomer: ReturnType<typeof createCustomerKeyer>; receivedAt: string; analyseText?: TextAnalyser; chatwootInboxes?: Readonly<Record<string, string>> },
): CanonicalEvent[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    throw new ReplayError(`line ${lineNo}: not JSON`)
  }
  const rec = parsed as { webhook?: unknown; event?: unknown }
  try {
    if (rec && typeof rec === 'object' && 'webhook' in rec) {
      // A file's dates are taken as they are: the event-time guard is for live input only.
      return normaliseWebhook(rec.webhook, { keyCustomer: opts.keyCustomer, storeText: false, receivedAt: opts.receivedAt, maxFutureSkewSeconds: Infinity, ...(opts.analyseText ? { analyseText: opts.analyseText } : {}) })
    }
    if (rec && typeof rec === 'object' && 'chatwoot' in rec) {
      const outcome = normaliseChatwoot((rec as { chatwoot: unknown }).chatwoot, {
        keyCustomer: opts.keyCustomer,
        storeText: false,
        inboxes: opts.chatwootInboxes ?? {},
        receivedAt: opts.receivedAt,
        maxFutureSkewSeconds: Infinity,
        ...(opts.analyseText ? { analyseText: opts.analyseText } : {}),
      })
      return outcome.events
    }
    if (rec && typeof rec === 'object' && 'event' in rec) {
      return validateApiEvents([rec.event]).map((e) => normaliseApiEvent(e, { keyCustomer: opts.keyCustomer, storeText: false, receivedAt: opts.receivedAt }))
    }
  } catch (err) {
    throw new ReplayError(`line ${lineNo}: ${(err as Error).message}`)
  }
  throw new ReplayError(`line ${lineNo}: expected {"webhook": …}, {"event": …} or {"chatwoot": …}`)
}

export async function replayFile(path: string, opts: ReplayOptions): Promise<{ pipeline: KpiPipeline; until: number; lines: number }> {
  try {
    statSync(path)
  } catch {
    throw new ReplayError(`cannot read ${path}`)
  }
  const pipeline = createKpiPipeline(opts.config, opts.config.processing.replay_lateness_seconds * 1000)
  const keyCustomer = createCustomerKeyer(opts.piiKey, { cacheSize: 100_000 })
  const stream = createReadStream(path)
  const rl = createInterface({ input: stream, crlfDelay: Infinity })
  let lineNo = 0
  let receivedAt = new Date(0).toISOString()
  let sinceCatchUp = 0
  let read: CanonicalEvent[] = []
  for await (const line of rl) {
    lineNo++
    if (line.trim() === '') continue
    for (const e of lineToEvents(line, lineNo, { keyCustomer, receivedAt, chatwootInboxes: opts.config.adapters.chatwoot.inboxes, ...(opts.analyseText ? { analyseText: opts.analyseText } : {}) })) {
      receivedAt = e.at
      if (opts.until !== undefined && Date.parse(e.at) > opts.until) continue
      pipeline.push(e)
      if (opts.onBatch) read.push(e)
    }
    if (++sinceCatchUp >= 256) {
      sinceCatchUp = 0
      pipeline.catchUp()
      opts.onProgress?.(stream.bytesRead)
      if (opts.onBatch) {
        await opts.onBatch(pipeline, read, lineNo)
        read = []
      }
    }
  }
  // An empty file ends now (wall time, read here in the shell: the core reads no clock).
  const until = pipeline.finish(opts.until, Date.now())
  await opts.onBatch?.(pipeline, read, lineNo + 1)
  opts.onProgress?.(stream.bytesRead)
  return { pipeline, until, lines: lineNo }
}
