import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Dispatcher } from 'undici'
import type { GatewayContext } from '../gateway-context.js'
import { isSpooledPath } from './query-id.js'
import { acceptsNewQueries } from '../cluster/coordinator-status.js'
import { upstreamRequestHeaders, clientResponseHeaders } from '../proxy/hop-headers.js'

/**
 * Spooled-segment downloads and acks (Trino 466+) whose URIs proxy mode rewrote to the gateway.
 * Their identifier is an encrypted handle that names no query, but any coordinator of the cluster
 * that spooled it can serve it (they share the spooling key and storage), and no other can: each
 * cluster's primary is asked in turn until one does not answer 404.
 */
export async function spooledSegment (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (!isSpooledPath(req.url)) return await reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found')
  const now = Date.now()
  for (const rt of ctx.registry.all()) {
    const p = rt.primaryStatus()
    if (p === undefined || !acceptsNewQueries(p, now, ctx.registry.staleAfterMs())) continue
    const headers = upstreamRequestHeaders(req.headers, rt.config.forwardedHeaders)
    headers.host = p.host
    let res: Dispatcher.ResponseData
    try {
      res = await ctx.pools.get(p.url, 'forward').request({ path: req.url, method: req.method as Dispatcher.HttpMethod, headers })
    } catch {
      continue
    }
    if (res.statusCode === 404) {
      await res.body.dump()
      continue
    }
    ctx.metrics.forwards.inc({ kind: 'spooled', mode: 'proxy' })
    reply.raw.once('close', () => { if (!res.body.destroyed) res.body.destroy() })
    return await reply.code(res.statusCode).headers(clientResponseHeaders(res.headers)).send(res.body)
  }
  return await reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Segment not found on any cluster')
}
