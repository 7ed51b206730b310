import { performance } from 'node:perf_hooks'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayContext } from '../gateway-context.js'
import { requestUser, transactionId } from './headers.js'
import { failQuery } from './gateway-query.js'
import { isTransactionControl } from './transaction-sql.js'
import { sendFirstPost } from '../proxy/first-post.js'
import type { ClusterRuntime } from '../cluster/cluster-runtime.js'
import type { CoordinatorStatus } from '../cluster/coordinator-status.js'
import type { ConcreteMode } from '../routing/router.js'

/** `POST /v1/statement`: choose a cluster and hand the client over in the query's mode. */
export async function postStatement (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const started = performance.now()
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
  const gm = ctx.router.groupAndMode(req.headers)
  const user = requestUser(req.headers)
  // Only a transaction statement needs the SQL read here; everything else is passed on as bytes.
  if (isTransactionControl(body.toString('utf8', 0, Math.min(body.length, 4096)))) gm.mode = 'proxy'

  const tx = transactionId(req.headers)
  if (tx !== undefined) {
    const route = await ctx.store.getTransaction(tx)
    ctx.metrics.affinity.inc({ kind: 'transaction', result: route === undefined ? 'miss' : 'hit' })
    const rt = route === undefined ? undefined : ctx.registry.get(route.cluster)
    const coordinator = route === undefined ? undefined : rt?.statuses.get(route.coordinator)
    if (rt === undefined || coordinator === undefined) {
      ctx.metrics.unroutable.inc({ group: gm.group, reason: 'unknown-transaction' })
      return failQuery(ctx, req, reply, 'UNKNOWN_TRANSACTION', `Unknown transaction ID: ${tx}. Possibly expired? Commands ignored until end of transaction block`)
    }
    // A transaction lives on one coordinator: no other cluster can take the statement.
    await handOver(ctx, req, reply, { rt, coordinator, epoch: rt.epoch, mode: gm.mode, group: gm.group, user, body, started, transactionId: tx, log: req.log })
    return reply
  }

  const tried = new Set<string>()
  // Bounded: each failure excludes a cluster, except a superseded answer, which can repeat only
  // as often as primaries change.
  for (let attempt = 0; attempt < 16; attempt++) {
    const choice = ctx.router.choose(gm, tried)
    if (!choice.ok) {
      ctx.metrics.unroutable.inc({ group: gm.group, reason: choice.reason })
      ctx.recent.add({ at: Date.now(), queryId: undefined, user, group: gm.group, cluster: undefined, coordinator: undefined, mode: gm.mode, outcome: 'unroutable', detail: choice.message })
      req.log.warn({ group: gm.group, reason: choice.reason }, choice.message)
      return failQuery(ctx, req, reply, choice.reason === 'unknown-group' ? 'UNKNOWN_ROUTING_GROUP' : 'NO_ELIGIBLE_CLUSTER', choice.message)
    }
    const result = await handOver(ctx, req, reply, { rt: choice.cluster, coordinator: choice.primary, epoch: choice.cluster.epoch, mode: gm.mode, group: gm.group, user, body, started, transactionId: undefined, log: req.log })
    if (result === 'done') return reply
    if (result === 'exclude') tried.add(choice.cluster.config.name)
    ctx.metrics.retries.inc({ from_cluster: choice.cluster.config.name })
  }
  ctx.metrics.unroutable.inc({ group: gm.group, reason: 'no-eligible-cluster' })
  return failQuery(ctx, req, reply, 'NO_ELIGIBLE_CLUSTER', `No cluster of routing group "${gm.group}" accepted the query: primaries kept changing`)
}

interface HandOver {
  rt: ClusterRuntime
  coordinator: CoordinatorStatus
  /** the cluster's epoch when the primary was chosen */
  epoch: number
  mode: ConcreteMode
  group: string
  user: string | undefined
  body: Buffer
  started: number
  transactionId: string | undefined
  log: FastifyRequest['log']
}

/**
 * Redirects or forwards. 'done': the client has its answer; 'exclude': the coordinator did not
 * answer, another cluster may take the query; 'again': the answer came from a coordinator that
 * stopped being primary meanwhile, so the same cluster's new primary may take it. (Not the reply
 * itself: an async function returning a Reply adopts its `then`.)
 */
async function handOver (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply, h: HandOver): Promise<'done' | 'exclude' | 'again'> {
  const cluster = h.rt.config.name
  if (h.mode === 'redirect') {
    ctx.metrics.routingSeconds.observe((performance.now() - h.started) / 1000)
    noteRouted(ctx, h, undefined)
    ctx.metrics.redirects.inc({ kind: 'statement' })
    const q = req.url.indexOf('?')
    reply.code(307)
      .header('location', `${h.coordinator.externalUrl}/v1/statement${q >= 0 ? req.url.slice(q) : ''}`)
      .header('cache-control', 'no-store')
      .send()
    return 'done'
  }
  const outcome = await sendFirstPost(ctx, req, reply, {
    cluster: h.rt.config,
    coordinator: h.coordinator,
    mode: h.mode,
    group: h.group,
    user: h.user,
    body: h.body,
    transactionId: h.transactionId,
    rewriteFrom: h.rt.rewriteFrom,
    stillPrimary: () => h.rt.primary === h.coordinator.name,
    beforeReply: (queryId) => {
      ctx.metrics.routingSeconds.observe((performance.now() - h.started) / 1000)
      noteRouted(ctx, h, queryId)
    }
  })
  if (outcome.ok) return 'done'
  ctx.metrics.upstreamErrors.inc({ cluster, coordinator: h.coordinator.name, kind: outcome.kind })
  if (outcome.kind !== 'status' && outcome.kind !== 'superseded') {
    ctx.registry.markSuspect(cluster, h.coordinator.name, `forward failed: ${outcome.error}`)
    ctx.monitor.checkNow(cluster, h.coordinator.name)
  }
  h.log.warn({ cluster, coordinator: h.coordinator.name, kind: outcome.kind, error: outcome.error }, 'first POST not placed; trying again')
  ctx.recent.add({ at: Date.now(), queryId: undefined, user: h.user, group: h.group, cluster, coordinator: h.coordinator.name, mode: h.mode, outcome: 'retried', detail: outcome.error })
  if (h.transactionId !== undefined) {
    failQuery(ctx, req, reply, 'COORDINATOR_LOST', `Coordinator ${h.coordinator.name} of transaction ${h.transactionId} is unreachable: ${outcome.error}`)
    return 'done'
  }
  return outcome.kind === 'superseded' ? 'again' : 'exclude'
}

function noteRouted (ctx: GatewayContext, h: HandOver, queryId: string | undefined): void {
  const cluster = h.rt.config.name
  const failoverMs = ctx.registry.noteRouted(h.rt)
  if (failoverMs !== undefined) {
    ctx.metrics.failoverSeconds.observe({ cluster }, failoverMs / 1000)
    ctx.logger.warn({ cluster, coordinator: h.coordinator.name, failoverMs }, 'first query routed to the new primary')
  }
  ctx.metrics.routedQueries.inc({ cluster, group: h.group, mode: h.mode })
  h.log.info({ queryId, cluster, coordinator: h.coordinator.name, epoch: h.epoch, mode: h.mode, group: h.group, user: h.user }, 'query routed')
  ctx.recent.add({ at: Date.now(), queryId, user: h.user, group: h.group, cluster, coordinator: h.coordinator.name, mode: h.mode, outcome: 'routed' })
}
