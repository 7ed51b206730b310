import { availableParallelism, freemem, totalmem } from 'node:os'
import type { RequestContext } from './context.js'
import { authenticate } from './auth.js'
import { clusterStats } from './cluster-stats.js'
import { readBody, sendEmpty, sendJson, sendText } from './http-util.js'
import { succinctDuration } from './query-resource.js'
import type { Router } from './router.js'

function info (ctx: RequestContext): Record<string, unknown> {
  const { opts, startedAt, starting } = ctx.state
  return {
    nodeVersion: { version: opts.version },
    environment: opts.environment,
    coordinator: true,
    starting,
    uptime: succinctDuration(Date.now() - startedAt)
  }
}

function status (ctx: RequestContext): Record<string, unknown> {
  const { opts, startedAt } = ctx.state
  const mem = process.memoryUsage()
  const host = ctx.req.socket.localAddress ?? opts.host
  const maxBytes = Math.floor(totalmem() / 2)
  return {
    nodeId: opts.nodeId,
    nodeVersion: { version: opts.version },
    environment: opts.environment,
    coordinator: true,
    uptime: succinctDuration(Date.now() - startedAt),
    externalAddress: host,
    internalAddress: host,
    memoryInfo: {
      availableProcessors: availableParallelism(),
      pool: {
        maxBytes,
        reservedBytes: Math.min(maxBytes, clusterStats(ctx.state).reservedMemory),
        reservedRevocableBytes: 0,
        queryMemoryReservations: {},
        queryMemoryAllocations: {},
        queryMemoryRevocableReservations: {}
      }
    },
    processors: availableParallelism(),
    processCpuLoad: 0,
    systemCpuLoad: 0,
    heapUsed: mem.heapUsed,
    heapAvailable: Math.max(mem.heapTotal, freemem()),
    nonHeapUsed: mem.external
  }
}

export function infoRoutes (router: Router, flavor: 'trino' | 'presto'): void {
  router.add('GET', /^\/v1\/info\/?$/, async (ctx) => await sendJson(ctx.req, ctx.res, 200, info(ctx)))
  router.add('GET', /^\/v1\/info\/state$/, async (ctx) => await sendJson(ctx.req, ctx.res, 200, ctx.state.nodeState))
  // Trino's graceful shutdown: PUT "SHUTTING_DOWN" (a JSON string).
  router.add('PUT', /^\/v1\/info\/state$/, async (ctx) => {
    const body = (await readBody(ctx.req, 1024)).toString('utf8').trim()
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      value = undefined
    }
    if (value !== 'SHUTTING_DOWN' && value !== 'ACTIVE') {
      sendText(ctx.res, 400, `Invalid state transition: ${body}`)
      return
    }
    ctx.state.nodeState = value
    sendEmpty(ctx.res, 200)
  })
  router.add('GET', /^\/v1\/info\/coordinator$/, (ctx) => sendEmpty(ctx.res, 200))
  router.add(['GET', 'HEAD'], /^\/v1\/status\/?$/, async (ctx) => await sendJson(ctx.req, ctx.res, 200, status(ctx)))
  // Presto's load endpoint; Trino replaced it with /ui/api/stats.
  if (flavor === 'presto') {
    router.add('GET', /^\/v1\/cluster\/?$/, async (ctx) => {
      const { opts } = ctx.state
      if (opts.auth !== null && authenticate(ctx.req, ctx.res, { flavor: opts.flavor, credentials: opts.auth }, false) === null) return
      const s = clusterStats(ctx.state)
      await sendJson(ctx.req, ctx.res, 200, {
        runningQueries: s.runningQueries,
        blockedQueries: s.blockedQueries,
        queuedQueries: s.queuedQueries,
        activeWorkers: s.activeWorkers,
        runningDrivers: s.runningDrivers,
        reservedMemory: s.reservedMemory,
        totalInputRows: s.totalInputRows,
        totalInputBytes: s.totalInputBytes,
        totalCpuTimeSecs: s.totalCpuTimeSecs
      })
    })
  }
}
