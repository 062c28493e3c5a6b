#!/usr/bin/env node
// The image's HEALTHCHECK (and docker-compose.yml's): exit 0 when one of the container's public
// listeners answers 200 on PATH (default /healthz; /readyz for readiness). Which listener depends
// on the command the container runs, so it tries the ingest's (PORT, 8080), the processor's
// (PROCESSOR_PORT, 9464) and `notify`'s (NOTIFY_PORT, 9095) on loopback; DESKPULSE_HEALTH_URL
// names one URL instead. No shell or wget needed: Node's fetch, 2 s per try.
const path = process.argv[2] ?? '/healthz'
const env = process.env
const urls = env.DESKPULSE_HEALTH_URL
  ? [env.DESKPULSE_HEALTH_URL]
  : [env.PORT || '8080', env.PROCESSOR_PORT || '9464', env.NOTIFY_PORT || '9095'].map((port) => `http://127.0.0.1:${port}${path}`)
const ok = async (url) => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status === 200
  } catch {
    return false
  }
}
const results = await Promise.all(urls.map(ok))
process.exit(results.some(Boolean) ? 0 : 1)
