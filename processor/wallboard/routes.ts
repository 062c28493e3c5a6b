/**
 * The wallboard's HTTP face on the processor: the page at `/` (and its static files), the live
 * feed at `/live` (WebSocket). With DESKPULSE_WALLBOARD_TOKEN set, both need `?token=` (a wall
 * screen opens the URL as it is); a wrong or missing token is refused before any data is sent.
 *
 * A page on any site can open a WebSocket to any host, and the browser sends that site as
 * `Origin` (cross-site WebSocket hijacking): `/live` accepts only its own origin (the Origin's
 * host is the Host header) or one of DESKPULSE_WALLBOARD_ORIGINS, and answers 403 to others at
 * the handshake. A client without Origin is not a browser page; it still needs the token when set.
 */
import type { FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { timingSafeEqual, createHash } from 'node:crypto'
import { WebSocketServer } from 'ws'
import type { LiveFeed } from './feed.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const uplotDir = path.dirname(require.resolve('uplot/package.json'))

/** Files read once at start-up: the page is a few kilobytes, served from memory. */
const FILES: Record<string, { type: string; body: Buffer }> = {
  '/wallboard/app.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(here, 'page/app.js')) },
  '/wallboard/app.css': { type: 'text/css; charset=utf-8', body: readFileSync(path.join(here, 'page/app.css')) },
  '/wallboard/uplot.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(uplotDir, 'dist/uPlot.iife.min.js')) },
  '/wallboard/uplot.css': { type: 'text/css; charset=utf-8', body: readFileSync(path.join(uplotDir, 'dist/uPlot.min.css')) },
}
const PAGE = readFileSync(path.join(here, 'page/index.html'))

/** Constant-time comparison of digests: the token's length leaks nothing either. */
function tokenMatches(expected: string | undefined, given: string | null): boolean {
  if (!expected) return true
  if (!given) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

export interface WallboardAccess {
  /** DESKPULSE_WALLBOARD_TOKEN; unset: open. */
  token: string | undefined
  /** DESKPULSE_WALLBOARD_ORIGINS: origins (`https://wall.example.com`) allowed besides the page's own. */
  origins?: readonly string[]
}

/** An origin as browsers send it: scheme, host and port, lower case, no path. */
const normaliseOrigin = (origin: string): string | null => {
  try {
    const u = new URL(origin)
    return u.origin === 'null' ? null : u.origin.toLowerCase()
  } catch {
    return null
  }
}

/** True when the handshake carries no Origin, the page's own, or an allowed one. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true
  const normalised = normaliseOrigin(origin)
  if (normalised === null) return false
  if (host && new URL(normalised).host === host.toLowerCase()) return true
  return allowed.has(normalised)
}

export function registerWallboard(app: FastifyInstance, feed: LiveFeed, access: WallboardAccess) {
  const { token } = access
  const allowedOrigins = new Set((access.origins ?? []).map((o) => normaliseOrigin(o)).filter((o): o is string => o !== null))
  app.get('/', async (req, reply) => {
    const given = new URL(req.url, 'http://x').searchParams.get('token')
    if (!tokenMatches(token, given)) return reply.code(401).type('text/plain; charset=utf-8').send('deskpulse wallboard: a valid ?token= is required (DESKPULSE_WALLBOARD_TOKEN)\n')
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(PAGE)
  })
  for (const [url, file] of Object.entries(FILES)) app.get(url, async (_req, reply) => reply.type(file.type).header('cache-control', 'public, max-age=300').send(file.body))

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 })
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== '/live') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
      return
    }
    if (!originAllowed(req.headers.origin, req.headers.host, allowedOrigins)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nwallboard feed: origin not allowed (DESKPULSE_WALLBOARD_ORIGINS)\n')
      return
    }
    if (!tokenMatches(token, url.searchParams.get('token'))) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nwallboard token required\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => feed.attach(ws))
  })
  // Before the server closes: it would otherwise wait for the screens' open sockets.
  app.addHook('preClose', async () => {
    feed.close()
    for (const ws of wss.clients) ws.terminate()
    wss.close()
  })
}
