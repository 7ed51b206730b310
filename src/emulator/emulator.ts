import type { IncomingMessage, ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { UiSessions } from './auth.js'
import { clusterStats } from './cluster-stats.js'
import { requestBase, type EmulatorState, type RequestContext, type ResolvedOptions } from './context.js'
import { startControlServer, type ControlServer } from './control-server.js'
import { DiscoveryStore } from './discovery.js'
import { discoveryRoutes } from './discovery-resource.js'
import { FaultInjector } from './faults.js'
import { normalizeAddress, sendText } from './http-util.js'
import { infoRoutes } from './info-resource.js'
import { HttpListener } from './listener.js'
import { QueryIdGenerator } from './query-id.js'
import { QueryRegistry } from './query-registry.js'
import { queryRoutes } from './query-resource.js'
import { RequestCounter } from './request-counter.js'
import { Router } from './router.js'
import { statementRoutes } from './statement-resource.js'
import { TransactionRegistry } from './transactions.js'
import type { EmulatorHandle, EmulatorOptions } from './types.js'
import { uiRoutes } from './ui-resource.js'

function resolve (o: EmulatorOptions): ResolvedOptions {
  const flavor = o.flavor ?? 'trino'
  if (flavor !== 'trino' && flavor !== 'presto') throw new Error(`flavor must be trino or presto, got ${String(flavor)}`)
  return {
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    flavor,
    environment: o.environment ?? 'test',
    auth: o.auth ?? null,
    workers: o.workers ?? 0,
    acceptForwarded: o.acceptForwarded ?? false,
    queuedTimeoutMs: o.queuedTimeoutMs ?? 300_000,
    announcementMaxAgeMs: o.announcementMaxAgeMs ?? 30_000,
    nodeId: o.nodeId ?? randomUUID(),
    version: o.version ?? (flavor === 'trino' ? '476' : '0.293'),
    controlPort: o.controlPort ?? null,
    maxRunningQueries: o.maxRunningQueries ?? Number.POSITIVE_INFINITY
  }
}

/** airlift's RejectForwardedRequestCustomizer: the first X-Forwarded-* header, in its original spelling. */
function forwardedHeader (req: IncomingMessage): string | null {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? ''
    if (name.toLowerCase().startsWith('x-forwarded-')) return name
  }
  return null
}

function urlOf (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** Starts one emulated coordinator; everything it owns is released by the handle's close(). */
export async function startEmulator (options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const opts = resolve(options)
  const ids = new QueryIdGenerator()
  const txns = new TransactionRegistry()
  const discovery = new DiscoveryStore(opts.announcementMaxAgeMs)
  const counter = new RequestCounter()
  const lifetime = new AbortController()
  const router = new Router()
  statementRoutes(router, opts.flavor)
  queryRoutes(router)
  infoRoutes(router, opts.flavor)
  uiRoutes(router, opts.flavor)
  discoveryRoutes(router)

  const state: EmulatorState = {
    opts,
    startedAt: Date.now(),
    starting: false,
    nodeState: 'ACTIVE',
    ids,
    txns,
    registry: new QueryRegistry(ids, txns, { clientTimeoutMs: opts.queuedTimeoutMs, maxRunningQueries: opts.maxRunningQueries }),
    discovery,
    ui: new UiSessions(),
    selfUrl: () => urlOf(opts.host, listener.port),
    activeWorkers: () => discovery.activeWorkers() + opts.workers
  }

  let faults: FaultInjector | null = null
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendText(res, 500, e instanceof Error ? e.message : 'Internal error')
      else res.destroy()
    })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const remoteAddress = normalizeAddress(req.socket.remoteAddress)
    let url: URL
    try {
      // Absolute-form targets happen: presto-client sends its DELETE as "DELETE http://host/v1/...".
      url = new URL(req.url ?? '/', 'http://emulator.invalid')
    } catch {
      sendText(res, 400, 'Bad Request')
      return
    }
    counter.record(url.pathname)
    const fault = faults?.match(remoteAddress, url.pathname) ?? { hang: false, slowMs: 0, failStatus: null }
    if (fault.hang) return
    if (fault.slowMs > 0) {
      await sleep(fault.slowMs, undefined, { signal: lifetime.signal }).catch(() => undefined)
      if (lifetime.signal.aborted) return
    }
    if (fault.failStatus !== null) {
      sendText(res, fault.failStatus, STATUS_CODES[fault.failStatus] ?? 'Error')
      return
    }
    const forwarded = opts.acceptForwarded ? null : forwardedHeader(req)
    if (forwarded !== null) {
      sendText(res, 406, `<html><body><h2>HTTP ERROR 406 Server configuration does not allow processing of the ${forwarded} header</h2></body></html>`, {}, 'text/html')
      return
    }
    const ctx: RequestContext = {
      req,
      res,
      url,
      path: url.pathname,
      remoteAddress,
      state,
      base: requestBase(req, opts.acceptForwarded, `${req.socket.localAddress ?? opts.host}:${listener.port}`)
    }
    await router.handle(ctx)
  }

  const listener = new HttpListener({
    host: opts.host,
    port: opts.port,
    onRequest,
    refuses: (address) => faults?.isRefused(address) ?? false
  })
  faults = new FaultInjector(listener)
  await listener.open()
  const url = urlOf(opts.host, listener.port)

  const handleObj: EmulatorHandle = {
    url,
    port: listener.port,
    queryIdSuffix: ids.suffix,
    flavor: opts.flavor,
    faults,
    queries: () => state.registry.all().map((q) => q.summary()),
    stats: () => {
      const s = clusterStats(state)
      return { runningQueries: s.runningQueries, queuedQueries: s.queuedQueries, blockedQueries: s.blockedQueries, activeWorkers: s.activeWorkers }
    },
    setStarting: (v) => { state.starting = v },
    setState: (v) => { state.nodeState = v },
    announcements: () => discovery.list(),
    requests: { count: (prefix) => counter.count(prefix) },
    expireUiSessions: () => state.ui.expireAll(),
    controlUrl: null,
    close: async () => {
      lifetime.abort()
      state.registry.close()
      await Promise.all([listener.close(), control?.close()])
    }
  }

  let control: ControlServer | null = null
  if (opts.controlPort !== null) {
    try {
      control = await startControlServer(opts.controlPort, handleObj, state)
    } catch (e) {
      await listener.close()
      throw e
    }
    handleObj.controlUrl = control.url
  }
  return handleObj
}
