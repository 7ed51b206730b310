import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../gateway-context.js'

/** What keeps this replica from serving fully; an empty list means all is well. */
export function degradations (ctx: GatewayContext): string[] {
  const out: string[] = []
  if (!ctx.store.healthy()) out.push('redis unreachable: affinity served from local cache, primaries frozen')
  const groups = new Map<string, boolean>()
  for (const rt of ctx.registry.all()) {
    const ok = ctx.registry.eligibility(rt).ok
    groups.set(rt.config.group, (groups.get(rt.config.group) ?? false) || ok)
  }
  for (const [group, ok] of groups) if (!ok) out.push(`no eligible cluster in routing group "${group}"`)
  return out
}

/**
 * /livez says the process runs; /readyz says whether a load balancer should send traffic here.
 * It is 503 only while starting or stopping: a Redis blip or a dead cluster must not take every
 * replica out of the load balancer at once, so those are reported as degradations with 200.
 */
export async function operationsRoutes (app: FastifyInstance, opts: { ctx: GatewayContext }): Promise<void> {
  const { ctx } = opts
  app.get('/livez', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const phase = ctx.lifecycle.phase
    if (phase !== 'running') return await reply.code(503).send({ status: phase, degradations: [] })
    const d = degradations(ctx)
    return { status: d.length === 0 ? 'ready' : 'degraded', degradations: d }
  })
  app.get('/metrics', async (_req, reply) => {
    ctx.refreshMetrics()
    const body = await ctx.metrics.registry.metrics()
    return await reply.header('content-type', ctx.metrics.registry.contentType).send(body)
  })
}
