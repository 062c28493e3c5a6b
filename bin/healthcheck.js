#!/usr/bin/env node
// The image's HEALTHCHECK (and docker-compose.yml's): exit 0 when the container's deskpulse
// listener answers 200. `healthcheck.js /readyz` (default /healthz) tries the public listeners of
// the ingest (PORT, 8080) and of the processor (PROCESSOR_PORT, 9464) on loopback, whichever the
// container runs; `healthcheck.js http://127.0.0.1:9095/healthz` asks that URL only (`notify`).
// No shell, wget or curl needed: Node's fetch, 2 s per try.
const arg = process.argv[2] ?? '/healthz'
const urls = /^https?:\/\//.test(arg)
  ? [arg]
  : [process.env.PORT || '8080', process.env.PROCESSOR_PORT || '9464'].map((port) => `http://127.0.0.1:${port}${arg}`)
const ok = async (url) => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status === 200
  } catch {
    return false
  }
}
process.exit((await Promise.all(urls.map(ok))).some(Boolean) ? 0 : 1)
