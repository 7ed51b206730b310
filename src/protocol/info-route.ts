import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayContext } from '../gateway-context.js'
import type { CoordinatorStatus } from '../cluster/coordinator-status.js'
import { acceptsNewQueries } from '../cluster/coordinator-status.js'

function healthyPrimary (ctx: GatewayContext): CoordinatorStatus | undefined {
  const now = Date.now()
  let fallback: CoordinatorStatus | undefined
  for (const rt of ctx.registry.all()) {
    const p = rt.primaryStatus()
    if (p === undefined || !acceptsNewQueries(p, now, ctx.registry.staleAfterMs())) continue
    if (rt.config.group === ctx.config.routing.defaultGroup) return p
    fallback ??= p
  }
  return fallback
}

/** `GET /v1/info` (clients use it as a ping and for the server version): a healthy primary answers. */
export async function coordinatorInfo (ctx: GatewayContext, _req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const p = healthyPrimary(ctx)
  if (p === undefined) return await reply.code(503).send({ message: 'no coordinator is up' })
  try {
    const res = await ctx.pools.get(p.url, 'monitor').request({ path: '/v1/info', method: 'GET', signal: AbortSignal.timeout(ctx.config.health.timeoutMs) })
    const body = await res.body.text()
    return await reply.code(res.statusCode).header('content-type', 'application/json').send(body)
  } catch {
    return await reply.code(503).send({ message: `coordinator ${p.name} did not answer` })
  }
}

/** The coordinators' web UI lives on the coordinators: send the browser to a healthy primary. */
export async function toPrimaryUi (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const p = healthyPrimary(ctx)
  if (p === undefined) return await reply.code(503).header('content-type', 'text/plain; charset=utf-8').send('No coordinator is up')
  return await reply.code(307).header('location', `${p.externalUrl}${req.url}`).header('cache-control', 'no-store').send()
}
