import { metaJson } from '../../cli/simulate/send.js'
import { signBody } from '../../ingest/whatsapp/signature.js'
import { TEST_SECRET, TEST_API_TOKEN } from './webhooks.js'

/** The request a replay line makes: a webhook signed like Meta's, or a helpdesk event with the API token. */
export function requestOf(line: string, target: string): { url: string; headers: Record<string, string>; raw: string } {
  const parsed = JSON.parse(line) as { webhook?: unknown; event?: unknown }
  if (parsed.webhook !== undefined) {
    const raw = metaJson(parsed.webhook)
    return { url: `${target}/webhooks/whatsapp`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, TEST_SECRET) }, raw }
  }
  return { url: `${target}/v1/events`, headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_TOKEN}` }, raw: JSON.stringify(parsed.event) }
}

/**
 * Sends replay lines to an ingest, `concurrency` at a time in file order, signed like Meta (or
 * with the API token), retrying 503s as WhatsApp would. Returns how many were answered 200.
 * `onProgress` is awaited every 1,000 answers (fault injection hooks in there).
 */
export async function sendConcurrently(lines: readonly string[], target: string, concurrency: number, onProgress: (answered: number) => Promise<void> = async () => {}) {
  let next = 0
  let ok = 0
  let sinceProgress = 0
  const worker = async () => {
    while (next < lines.length) {
      const line = lines[next++]!
      const { url, headers, raw } = requestOf(line, target)
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(url, { method: 'POST', headers, body: raw })
        await res.arrayBuffer()
        if (res.status === 200) break
        if (res.status !== 503 || attempt > 20) throw new Error(`${url} answered ${res.status}`)
        await new Promise((r) => setTimeout(r, 200))
      }
      ok++
      if (++sinceProgress >= 1_000) {
        sinceProgress = 0
        await onProgress(ok)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return ok
}
