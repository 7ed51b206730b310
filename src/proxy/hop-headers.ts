import type { IncomingHttpHeaders } from 'node:http'

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings'
])

// Trino's default http-server.process-forwarded=false answers 406 to any of these.
const FORWARDED = /^(x-forwarded-|forwarded$|x-real-ip$)/

function connectionTokens (h: IncomingHttpHeaders | Record<string, unknown>): Set<string> {
  const c = h.connection
  const s = new Set<string>()
  if (typeof c === 'string') for (const t of c.split(',')) s.add(t.trim().toLowerCase())
  return s
}

/**
 * Headers for a request to a coordinator: the client's own, minus hop-by-hop ones, minus Host
 * (the caller decides it), minus X-Forwarded-* unless the cluster accepts them.
 */
export function upstreamRequestHeaders (h: IncomingHttpHeaders, keepForwarded: boolean): Record<string, string | string[]> {
  const drop = connectionTokens(h)
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || drop.has(k) || k === 'host' || k === 'content-length' || k === 'expect') continue
    if (!keepForwarded && FORWARDED.test(k)) continue
    out[k] = v
  }
  return out
}

/** Headers of a coordinator's answer for the client: hop-by-hop ones dropped, the rest untouched. */
export function clientResponseHeaders (h: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const drop = connectionTokens(h)
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || drop.has(k)) continue
    out[k] = v
  }
  return out
}
