import { authenticate } from './auth.js'
import type { RequestContext } from './context.js'
import { errorCodeOf, queryError } from './errors.js'
import { sendEmpty, sendJson, sendText } from './http-util.js'
import type { Query } from './query.js'
import type { Router } from './router.js'

/** airlift Duration.toString of the most succinct unit, as QueryInfo and /v1/info print times. */
export function succinctDuration (ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]
  for (const [unit, size] of units) if (ms >= size) return `${(ms / size).toFixed(2)}${unit}`
  return `${ms.toFixed(2)}ms`
}

function iso (ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString()
}

function sessionInfo (q: Query): Record<string, unknown> {
  return {
    queryId: q.id,
    transactionId: q.transactionId ?? undefined,
    clientTransactionSupport: true,
    user: q.user,
    source: q.session.source ?? undefined,
    catalog: q.session.catalog ?? undefined,
    schema: q.session.schema ?? undefined,
    remoteUserAddress: q.remoteAddress,
    clientTags: q.session.clientTags,
    startTime: iso(q.createdAt),
    systemProperties: Object.fromEntries(q.session.properties),
    catalogProperties: {},
    preparedStatements: Object.fromEntries(q.session.prepared)
  }
}

function queryStats (q: Query): Record<string, unknown> {
  const now = Date.now()
  const end = q.endedAt ?? now
  return {
    createTime: iso(q.createdAt),
    executionStartTime: iso(q.startedAt),
    endTime: iso(q.endedAt),
    queuedTime: succinctDuration((q.startedAt ?? end) - q.createdAt),
    elapsedTime: succinctDuration(end - q.createdAt),
    executionTime: succinctDuration(q.startedAt === null ? 0 : end - q.startedAt),
    totalCpuTime: succinctDuration(q.startedAt === null ? 0 : end - q.startedAt),
    totalDrivers: q.pagesServed,
    completedDrivers: q.pagesServed,
    rawInputPositions: q.rowsServed,
    rawInputDataSize: `${q.bytesServed}B`,
    processedInputPositions: q.rowsServed,
    outputPositions: q.rowsServed,
    outputDataSize: `${q.bytesServed}B`
  }
}

/** Enough of Trino's BasicQueryInfo for lists and monitors. */
export function basicQueryInfo (base: string, q: Query): Record<string, unknown> {
  const info: Record<string, unknown> = {
    queryId: q.id,
    session: sessionInfo(q),
    state: q.state,
    scheduled: q.startedAt !== null,
    self: `${base}/v1/query/${q.id}`,
    query: q.sql,
    queryStats: queryStats(q)
  }
  if (q.failure !== null) {
    const code = errorCodeOf(q.failure)
    info.errorType = code.type
    info.errorCode = code
  }
  return info
}

function queryInfo (base: string, q: Query): Record<string, unknown> {
  const info = basicQueryInfo(base, q)
  info.fieldNames = q.plan?.columns.map((c) => c.name) ?? []
  info.updateType = q.plan?.updateType ?? undefined
  info.finalQueryInfo = q.done
  if (q.failure !== null) info.failureInfo = queryError(q.failure, q.flavor).failureInfo
  return info
}

function identify (ctx: RequestContext): boolean {
  const { opts } = ctx.state
  return authenticate(ctx.req, ctx.res, { flavor: opts.flavor, credentials: opts.auth }, opts.flavor === 'trino') !== null
}

export function queryRoutes (router: Router): void {
  router.add('GET', /^\/v1\/query\/?$/, async (ctx) => {
    if (!identify(ctx)) return
    const wanted = ctx.url.searchParams.get('state')?.toUpperCase()
    const list = ctx.state.registry.all()
      .filter((q) => wanted === undefined || q.state === wanted)
      .map((q) => basicQueryInfo(ctx.base, q))
    await sendJson(ctx.req, ctx.res, 200, list)
  })
  router.add(['GET', 'HEAD'], /^\/v1\/query\/([^/]+)$/, async (ctx, [id = '']) => {
    if (!identify(ctx)) return
    const q = ctx.state.registry.get(id)
    if (q === undefined) {
      sendText(ctx.res, 410, 'Gone')
      return
    }
    await sendJson(ctx.req, ctx.res, 200, queryInfo(ctx.base, q))
  })
  router.add('DELETE', /^\/v1\/query\/([^/]+)$/, (ctx, [id = '']) => {
    if (!identify(ctx)) return
    // Trino ignores a kill of an unknown query: the answer is 204 either way.
    ctx.state.registry.get(id)?.cancel()
    sendEmpty(ctx.res, 204)
  })
}
