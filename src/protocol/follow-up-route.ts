import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayContext } from '../gateway-context.js'
import { parseQueryPath, isGatewayQueryId } from './query-id.js'
import { answerGatewayQuery, publicBase } from './gateway-query.js'
import { hasCredentials } from './headers.js'
import { GATEWAY_ERRORS, failedDocument } from './documents.js'
import { forward } from '../proxy/forwarder.js'
import { createUriRewriter } from '../proxy/uri-rewriter.js'
import { watchTransactionHeaders } from './transaction-watch.js'

const STATEMENT_URI: ReadonlySet<string> = new Set(['queued', 'executing', 'legacy', 'partial-cancel'])

function notFound (reply: FastifyReply, kind: string): FastifyReply {
  // Trino's answers for an id nobody knows: 410 on /v1/query/{id}, 404 "Query not found" on statement URIs.
  if (kind === 'query' || kind === 'ui-api') return reply.code(410).send()
  return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Query not found')
}

/**
 * A request that names a query (polls, cancels, query info, UI pages): it goes to the coordinator
 * that owns the query. Redirected when the client can follow on its own; forwarded in proxy mode
 * and whenever the request carries credentials, which a redirect to another host would drop.
 */
export async function followUp (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const qp = parseQueryPath(req.url)
  if (qp === undefined) return notFound(reply, req.url.startsWith('/v1/query/') ? 'query' : 'statement')
  if (isGatewayQueryId(qp.queryId)) return answerGatewayQuery(ctx, req, reply, qp.queryId, qp.kind)

  const located = await ctx.locator.locate(qp.queryId)
  ctx.metrics.affinity.inc({ kind: 'query', result: located === undefined ? 'miss' : located.source === 'store' ? 'hit' : 'coordinator' })
  if (located === undefined) return notFound(reply, qp.kind)
  const { route } = located
  const rt = ctx.registry.get(route.cluster)
  const s = rt?.statuses.get(route.coordinator)
  if (rt === undefined || s === undefined) return lost(ctx, req, reply, qp.queryId, qp.kind, `cluster ${route.cluster} or coordinator ${route.coordinator} is no longer configured`)

  // A statement URI reaches the gateway only in proxy mode (after a redirect or a handoff the
  // client polls the coordinator itself), so it is proxied even when this replica does not know
  // the query's mode (found by asking the coordinators: Redis was away or came back empty).
  const mode = route.mode === 'proxy' || STATEMENT_URI.has(qp.kind) ? 'proxy' : route.mode
  const proxied = mode === 'proxy' || hasCredentials(req.headers)
  if (!proxied) {
    ctx.metrics.redirects.inc({ kind: 'follow-up' })
    return reply.code(307).header('location', `${s.externalUrl}${req.url}`).header('cache-control', 'no-store').send()
  }
  const from = mode === 'proxy' ? rt.rewriteFrom : undefined
  const to = mode === 'proxy' ? publicBase(ctx, req) : ''
  const outcome = await forward(req, reply, { pool: ctx.pools.get(s.url, 'forward'), host: mode === 'proxy' ? s.host : s.externalHost, forwardedHeaders: rt.config.forwardedHeaders }, {
    method: req.method,
    path: req.url,
    body: Buffer.isBuffer(req.body) ? req.body : undefined,
    rewrite: from === undefined ? undefined : () => createUriRewriter({ from, to }),
    onHeaders: async (_status, headers) => { await watchTransactionHeaders(ctx, route, headers) }
  })
  if (outcome.ok) {
    ctx.metrics.forwards.inc({ kind: 'follow-up', mode })
    return reply
  }
  ctx.metrics.upstreamErrors.inc({ cluster: route.cluster, coordinator: s.name, kind: outcome.kind })
  ctx.registry.markSuspect(route.cluster, s.name, `forward failed: ${outcome.error}`)
  ctx.monitor.checkNow(route.cluster, s.name)
  if (s.health === 'down') return lost(ctx, req, reply, qp.queryId, qp.kind, `coordinator ${s.name} is down (${s.lastError ?? outcome.error})`)
  // Clients retry 503 on follow-ups: the coordinator may still come back.
  return reply.code(503).header('retry-after', '1').header('content-type', 'text/plain; charset=utf-8').send(`Coordinator ${s.name} is unreachable; retry`)
}

/** The owning coordinator is gone for good: a FAILED document ends the client's wait at once. */
function lost (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply, queryId: string, kind: string, why: string): FastifyReply {
  if (req.method === 'DELETE') return reply.code(204).send()
  if (kind !== 'queued' && kind !== 'executing' && kind !== 'legacy') return reply.code(410).send()
  const base = publicBase(ctx, req)
  const doc = failedDocument({ ...GATEWAY_ERRORS.COORDINATOR_LOST, id: queryId, infoUri: `${base}/ui/query.html?${queryId}`, message: `Query ${queryId} was lost: ${why}` })
  return reply.code(200).header('content-type', 'application/json').header('cache-control', 'no-store').send(JSON.stringify(doc))
}
