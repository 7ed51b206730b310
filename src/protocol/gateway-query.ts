import type { FastifyReply, FastifyRequest } from 'fastify'
import { GATEWAY_ERRORS, failedDocument, queuedDocument, type GatewayErrorName } from './documents.js'
import { gatewayQueryId } from './query-id.js'
import type { GatewayContext } from '../gateway-context.js'

// A query the gateway could not place is answered the way Trino answers every POST (200, QUEUED,
// a nextUri) and fails on that GET, so that every client shows the message. The reason travels in
// the nextUri itself: any replica can answer the GET, with nothing stored.

const MAX_MESSAGE = 4000

interface Reason { n: GatewayErrorName, m: string }

function encodeReason (r: Reason): string {
  return Buffer.from(JSON.stringify({ n: r.n, m: r.m.slice(0, MAX_MESSAGE) })).toString('base64url')
}

function decodeReason (slug: string): Reason {
  try {
    const v = JSON.parse(Buffer.from(slug, 'base64url').toString('utf8')) as Partial<Reason>
    if (typeof v.n === 'string' && v.n in GATEWAY_ERRORS && typeof v.m === 'string') return { n: v.n, m: v.m.slice(0, MAX_MESSAGE) }
  } catch {}
  return { n: 'NO_ELIGIBLE_CLUSTER', m: 'The gateway could not route this query' }
}

/** Where the client reaches this gateway: the configured public URL, else what the client used. */
export function publicBase (ctx: GatewayContext, req: FastifyRequest): string {
  if (ctx.config.server.publicUrl !== undefined) return ctx.config.server.publicUrl.replace(/\/+$/, '')
  const host = req.headers.host
  // The Host only ever names this gateway back to the same client; anything odd falls back to the socket address.
  const safe = host !== undefined && /^[A-Za-z0-9.[\]:-]{1,255}$/.test(host) ? host : `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? ''}`
  return `${req.protocol}://${safe}`
}

export function failQuery (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply, name: GatewayErrorName, message: string): FastifyReply {
  const id = gatewayQueryId(Date.now(), ctx.nextCounter(), ctx.instanceTag)
  const base = publicBase(ctx, req)
  const doc = queuedDocument({
    id,
    nextUri: `${base}/v1/statement/queued/${id}/${encodeReason({ n: name, m: message })}/1`,
    infoUri: `${base}/ui/query.html?${id}`
  })
  return reply.code(200).header('content-type', 'application/json').header('cache-control', 'no-store').send(JSON.stringify(doc))
}

/** GET/DELETE of a gateway-owned statement URI, and /v1/query of a gateway-owned id. */
export function answerGatewayQuery (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply, queryId: string, kind: string): FastifyReply {
  if (req.method === 'DELETE') return reply.code(204).send()
  if (kind !== 'queued' && kind !== 'executing') return reply.code(410).send()
  const parts = req.url.split('?')[0]?.split('/') ?? []
  const reason = decodeReason(parts[parts.length - 2] ?? '')
  const base = publicBase(ctx, req)
  const doc = failedDocument({ ...GATEWAY_ERRORS[reason.n], id: queryId, infoUri: `${base}/ui/query.html?${queryId}`, message: reason.m })
  return reply.code(200).header('content-type', 'application/json').header('cache-control', 'no-store').send(JSON.stringify(doc))
}
