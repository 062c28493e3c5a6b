/**
 * The wallboard's HTTP face on the processor: the page at `/` (and its static files), the live
 * feed at `/live` (WebSocket). With DESKPULSE_WALLBOARD_TOKEN set, both need `?token=` (a wall
 * screen opens the URL as it is); a wrong or missing token is refused before any data is sent.
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

export function registerWallboard(app: FastifyInstance, feed: LiveFeed, token: string | undefined) {
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
