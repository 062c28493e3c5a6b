/**
 * Sends replay lines to a running ingest, one request per line, in file order: webhooks signed as
 * Meta signs them, events with the API bearer token. Paced at `rate` requests/s; a line is retried
 * on 503 (the ingest could not reach NATS) or 429 and on network errors, as WhatsApp would.
 */
import { SingleBar, Presets } from 'cli-progress'
import { signBody } from '../../ingest/whatsapp/signature.js'
import { signChatwoot } from '../../ingest/chatwoot/signature.js'

export interface SendOptions {
  /** Base URL of the ingest, e.g. http://127.0.0.1:8080 */
  target: string
  rate: number
  appSecret: string
  apiToken: string
  /** Signs `{"chatwoot": …}` lines (CHATWOOT_WEBHOOK_SECRET); unset: sent unsigned, as an old Chatwoot would. */
  chatwootSecret?: string
  /** Attempts per line before it is counted as failed. */
  attempts?: number
  /** When each line is due (ms, wall time; `--live`): replaces the pacing by `rate`. */
  due?: readonly number[]
  progress?: boolean
  /** Stops sending (deskpulse demo's Ctrl-C): the line in flight ends, no other is sent. */
  signal?: AbortSignal
}

export interface SendResult {
  lines: number
  webhooks: number
  events: number
  accepted: number
  rejected: number
  failed: number
  retries: number
  seconds: number
}

/** Meta serialises bodies with non-ASCII as \uXXXX and `/` as `\/`: sign the same kind of bytes. */
export function metaJson(body: unknown): string {
  return JSON.stringify(body)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\//g, '\\/')
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })

function requestOf(line: string, o: SendOptions): { url: string; init: RequestInit; kind: 'webhooks' | 'events' } {
  const parsed = JSON.parse(line) as { webhook?: unknown; event?: unknown; chatwoot?: unknown }
  const base = o.target.replace(/\/+$/, '')
  if (parsed.chatwoot !== undefined) {
    const raw = JSON.stringify(parsed.chatwoot)
    // Signed when sent (each attempt): the timestamp must be within the ingest's window.
    const signed = o.chatwootSecret ? signChatwoot(raw, o.chatwootSecret) : {}
    return { url: `${base}/webhooks/chatwoot`, kind: 'webhooks', init: { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body: raw } }
  }
  if (parsed.webhook !== undefined) {
    const raw = metaJson(parsed.webhook)
    return {
      url: `${base}/webhooks/whatsapp`,
      kind: 'webhooks',
      init: { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, o.appSecret) }, body: raw },
    }
  }
  if (parsed.event !== undefined) {
    return {
      url: `${base}/v1/events`,
      kind: 'events',
      init: { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${o.apiToken}` }, body: JSON.stringify(parsed.event) },
    }
  }
  throw new Error('a replay line must hold "webhook", "event" or "chatwoot"')
}

export async function sendLines(lines: readonly string[], o: SendOptions): Promise<SendResult> {
  if (!(o.rate > 0)) throw new Error('--rate must be a positive number')
  const attempts = o.attempts ?? 20
  const result: SendResult = { lines: lines.length, webhooks: 0, events: 0, accepted: 0, rejected: 0, failed: 0, retries: 0, seconds: 0 }
  const bar = o.progress
    ? new SingleBar({ format: 'simulate [{bar}] {percentage}% | {value}/{total} lines | retries {retries} | rejected {rejected}', stream: process.stderr }, Presets.shades_classic)
    : null
  bar?.start(lines.length, 0, { retries: 0, rejected: 0 })
  const started = performance.now()
  for (const [i, line] of lines.entries()) {
    // Pace against the schedule, not the previous request, so slow answers do not lower the rate.
    const wait = o.due ? o.due[i]! - Date.now() : started + (i * 1000) / o.rate - performance.now()
    if (wait > 0) await sleep(wait, o.signal)
    if (o.signal?.aborted) {
      result.lines = i
      break
    }
    result[requestOf(line, o).kind]++
    let outcome: 'accepted' | 'rejected' | 'failed' = 'failed'
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const { url, init } = requestOf(line, o)
      let status: number
      try {
        const res = await fetch(url, init)
        status = res.status
        await res.arrayBuffer()
      } catch {
        status = 0 // network error: the ingest is down or restarting
      }
      if (status >= 200 && status < 300) outcome = 'accepted'
      else if (status !== 0 && status !== 503 && status !== 429) outcome = 'rejected'
      else {
        if (attempt < attempts) {
          result.retries++
          await sleep(Math.min(10_000, 250 * 2 ** (attempt - 1)), o.signal)
          if (o.signal?.aborted) break
        }
        continue
      }
      break
    }
    result[outcome]++
    bar?.update(i + 1, { retries: result.retries, rejected: result.rejected })
  }
  bar?.stop()
  result.seconds = (performance.now() - started) / 1000
  return result
}
