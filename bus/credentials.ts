/**
 * NATS credentials given in NATS_URL (`nats://user:password@host:4222`, as CLICKHOUSE_URL carries
 * ClickHouse's): nats.js takes them as `user`/`pass` options, not in the server URL, and the URL
 * shown in logs and on the terminal must not carry the password.
 */

export interface NatsServers {
  /** The server URLs without credentials. */
  servers: string[]
  user?: string
  pass?: string
}

/** One URL or several, comma-separated; every URL that carries credentials must carry the same. */
export function parseNatsServers(urls: string): NatsServers {
  const out: NatsServers = { servers: [] }
  for (const raw of urls.split(',').map((s) => s.trim()).filter(Boolean)) {
    // A bare host:port is a valid NATS server too; only URLs with a scheme can carry credentials.
    if (!/^[a-z]+:\/\//i.test(raw)) {
      out.servers.push(raw)
      continue
    }
    const u = new URL(raw)
    if (u.username) {
      const user = decodeURIComponent(u.username)
      const pass = decodeURIComponent(u.password)
      if (out.user !== undefined && (out.user !== user || out.pass !== pass)) throw new Error('NATS_URL: every server must carry the same credentials')
      out.user = user
      out.pass = pass
      u.username = ''
      u.password = ''
    }
    out.servers.push(u.toString().replace(/\/$/, ''))
  }
  return out
}

/** The URLs as they may be shown: the password replaced by `***`. */
export const redactNatsUrls = (urls: string): string => urls.replace(/(\/\/[^:/@,]+:)[^@/,]*@/g, '$1***@')
