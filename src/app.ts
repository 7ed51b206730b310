import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { pino, type Logger } from 'pino'
import type { Config } from './config/index.js'
import type { GatewayContext } from './gateway-context.js'
import { ClusterRegistry } from './cluster/registry.js'
import { Monitor } from './cluster/monitor.js'
import { UpstreamPools } from './cluster/upstream-pools.js'
import { localAuthority, type PrimaryAuthority } from './cluster/local-authority.js'
import { redisAuthority } from './cluster/redis-authority.js'
import { MemorySharedState, type SharedState } from './cluster/shared-state.js'
import { RedisSharedState } from './cluster/redis-shared-state.js'
import { wireElectionEvents } from './cluster/ha-events.js'
import { discoveryProxies } from './discovery/index.js'
import { ClusterSet } from './cluster/cluster-set.js'
import { createAffinityStore } from './affinity/index.js'
import { QueryLocator } from './affinity/query-locator.js'
import { Router } from './routing/router.js'
import { createMetrics } from './observability/metrics.js'
import { RecentDecisions } from './observability/recent-decisions.js'
import { wireMetrics } from './observability/wire-metrics.js'
import { operationsRoutes } from './observability/operations-routes.js'
import { clientProtocolRoutes } from './protocol/routes.js'
import { adminRoutes } from './admin/routes.js'
import { dashboardRoutes } from './dashboard/routes.js'
import { notFoundOrNotAllowed } from './protocol/method-not-allowed.js'
import { watchConfigFile } from './config/watch.js'
import { redactPaths } from './observability/redact.js'

export interface AppOptions {
  /** pino options, or false for silence (tests); a Logger instance to share one */
  logger?: FastifyServerOptions['logger'] | Logger
  /** replaces the in-memory/local primary decision (coordinator HA with Redis) */
  authority?: (ctx: GatewayContext) => PrimaryAuthority
  random?: () => number
  defaultMetrics?: boolean
}

export type GatewayApp = FastifyInstance & { gateway: GatewayContext }

/**
 * Builds one gateway from a validated config: no listening, no timers until `ready()`.
 * Everything it holds hangs off the returned instance, so tests can run several side by side.
 */
export async function buildApp (config: Config, opts: AppOptions = {}): Promise<GatewayApp> {
  const tls = config.server.tls
  // Asynchronous stdout: a synchronous write per line costs a system call on the request path
  // (a quarter of a redirect's CPU in BENCHMARKS.md); lines written while one write is in flight
  // go out together, a quiet gateway still writes each line at once, and pino flushes on exit.
  // A stalled reader of stdout costs at most 16 MiB of buffered lines (then lines are dropped),
  // never a stalled gateway.
  const loggerOpt = opts.logger ?? { level: 'info', redact: { paths: redactPaths, censor: '[redacted]' }, stream: pino.destination({ dest: 1, sync: false, maxLength: 16 * 1024 * 1024 }) }
  // Request ids: a per-instance random prefix and a counter, not random bytes per request.
  const reqIdPrefix = randomBytes(4).toString('hex')
  let reqIdCounter = 0
  const app = Fastify({
    ...(isLogger(loggerOpt) ? { loggerInstance: loggerOpt } : { logger: loggerOpt }),
    bodyLimit: config.server.limits.bodyBytes,
    // Our own server: Fastify drops an `http` options object, and the limits below must reach Node.
    serverFactory: (handler: import('node:http').RequestListener) => createListener(config, handler),
    // tells Fastify the listener speaks TLS (its listen address says https://); the server is ours
    ...(tls !== undefined ? { https: {} } : {}),
    // One line per routed query (with its id, cluster, coordinator, mode) instead of two per
    // request: polls in proxy mode would otherwise flood the log and cost the hot path.
    logController: new LogController({ disableRequestLogging: true }),
    rewriteUrl: (req: import('node:http').IncomingMessage) => reduceAbsoluteForm(req, () => coordinatorHosts(registry)),
    // A client's x-request-id is kept when it is a sane token, so its logs and ours line up.
    requestIdHeader: false,
    genReqId: (req: import('node:http').IncomingMessage) => {
      const given = req.headers['x-request-id']
      if (typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given)) return given
      reqIdCounter = (reqIdCounter + 1) >>> 0
      return reqIdPrefix + reqIdCounter.toString(16).padStart(8, '0')
    },
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 500 }
  } as unknown as FastifyServerOptions) as unknown as FastifyInstance
  const logger = app.log as unknown as Logger

  const metrics = createMetrics({ defaultMetrics: opts.defaultMetrics })
  const pools = new UpstreamPools(config.upstream)
  const registry = new ClusterRegistry(config.clusters, config.health, logger)
  const monitor = new Monitor(pools, config.health, logger, (cluster, coordinator) => {
    const primary = registry.get(cluster)?.primary
    return primary === undefined || primary === coordinator
  })
  const store = createAffinityStore(config.store, { logger, metrics: storeMetrics(metrics) })
  const locator = new QueryLocator(store, registry, pools, logger, Math.max(config.health.timeoutMs, 1000))
  const router = new Router(config.routing, registry, opts.random)
  let counter = 0
  const ctx: GatewayContext = {
    config,
    logger,
    registry,
    monitor,
    pools,
    store,
    locator,
    router,
    metrics,
    recent: new RecentDecisions(),
    authority: undefined as unknown as PrimaryAuthority,
    shared: undefined as unknown as SharedState,
    discovery: undefined as unknown as GatewayContext['discovery'],
    clusters: undefined as unknown as ClusterSet,
    instanceTag: randomBytes(3).toString('hex').slice(0, 4),
    nextCounter: () => (counter = (counter + 1) % 100_000),
    lifecycle: { phase: 'starting', startedAt: Date.now() },
    refreshMetrics: () => {}
  }
  const redisCfg = config.store.redis
  ctx.authority = opts.authority !== undefined ? opts.authority(ctx) : redisCfg !== undefined ? redisAuthority(ctx) : localAuthority(registry)
  ctx.shared = redisCfg !== undefined
    ? new RedisSharedState(redisCfg, { logger, metrics: { redisLatency: (op, s) => metrics.redisSeconds.observe({ op }, s), redisError: (op) => metrics.redisErrors.inc({ op }) } })
    : new MemorySharedState()
  ctx.shared.on('admin-state', (cluster, state) => { registry.setAdminState(cluster, state) })
  ctx.discovery = discoveryProxies(ctx)
  ctx.clusters = new ClusterSet(ctx)
  ctx.shared.on('overrides', () => {
    ctx.clusters.apply().catch((err: unknown) => logger.error({ err }, 'applying runtime cluster changes failed'))
  })
  wireElectionEvents(ctx)

  monitor.on('observation', (cluster, coordinator, o) => registry.observe(cluster, coordinator, o))
  monitor.on('load', (cluster, coordinator, load, error) => registry.observeLoad(cluster, coordinator, load, error))
  registry.on('primary', (c) => { if (c.from !== undefined) monitor.hurry(c.cluster, c.to) })
  ctx.refreshMetrics = wireMetrics(ctx)

  app.decorate('gateway', ctx)
  // The gateway is no forward proxy: a target that is not a path (after rewriteUrl) is refused.
  // Callback-style hooks: an async hook costs promise ticks on every request of the hot path.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id)
    const url = req.raw.url ?? ''
    if (url.charCodeAt(0) === 47 && url.charCodeAt(1) !== 47) { done(); return }
    reply.code(400).header('content-type', 'text/plain; charset=utf-8').send('Bad request target')
  })
  app.setNotFoundHandler((req, reply) => notFoundOrNotAllowed(req, reply))
  await app.register(operationsRoutes, { ctx })
  await app.register(clientProtocolRoutes, { ctx })
  await app.register(adminRoutes, { ctx })
  await app.register(dashboardRoutes)

  // CONNECT would make this a tunnel; answer it instead of letting Node drop the socket silently.
  app.server.on('connect', (_req, socket: import('node:stream').Duplex) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, PUT, DELETE\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
  })

  // Certificates are rotated in place (cert-manager, certbot): reload them on change, no restart.
  let tlsWatchers: Array<{ close: () => void }> = []
  if (tls !== undefined) {
    app.addHook('onReady', async () => {
      const reloadTls = (): void => {
        try {
          (app.server as import('node:https').Server).setSecureContext({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ...(tls.ca !== undefined ? { ca: readFileSync(tls.ca) } : {}) })
          logger.info({ cert: tls.cert }, 'TLS certificate reloaded')
        } catch (err) {
          logger.error({ err, cert: tls.cert }, 'TLS certificate reload failed: keeping the current one')
        }
      }
      tlsWatchers = [tls.cert, tls.key].map((f) => watchConfigFile(f, reloadTls))
    })
    app.addHook('onClose', async () => { for (const w of tlsWatchers) w.close() })
  }

  app.addHook('onReady', async () => {
    // Both wait (bounded) for Redis when it is configured: in parallel.
    await Promise.all([ctx.shared.start(), ctx.authority.start()])
    await ctx.clusters.apply()
    ctx.lifecycle.phase = 'running'
    if (config.admin.tokens.length === 0) logger.warn('admin API disabled: no admin.tokens configured')
  })
  app.addHook('preClose', async () => { ctx.lifecycle.phase = 'stopping' })
  app.addHook('onClose', async () => {
    monitor.close()
    await ctx.discovery.close()
    await ctx.authority.close()
    await ctx.shared.close()
    await store.close()
    await pools.close()
  })
  return app as GatewayApp
}

/**
 * HTTP/1.1 lets a client send an absolute-form target, and presto-client cancels that way: a
 * `DELETE http://{host of its nextUri}/v1/statement/...` sent to the gateway. One that names the
 * gateway (the Host header) or a configured coordinator is reduced to its path before routing —
 * the gateway then routes by the query id as always, never by the named host; any other stays as
 * it is and is refused.
 */
function reduceAbsoluteForm (req: import('node:http').IncomingMessage, known: () => Set<string>): string {
  const url = req.url ?? ''
  if (url.charCodeAt(0) === 47) return url
  const m = /^https?:\/\/([^/?#\s]+)(\/[^#]*)?$/i.exec(url)
  const host = m?.[1]?.toLowerCase()
  if (m?.[2] === undefined || host === undefined) return url
  if (host === req.headers.host?.toLowerCase() || known().has(host)) return m[2]
  return url
}

function coordinatorHosts (registry: ClusterRegistry): Set<string> {
  const out = new Set<string>()
  for (const rt of registry.all()) {
    for (const s of rt.statuses.values()) {
      out.add(new URL(s.url).host.toLowerCase())
      out.add(new URL(s.externalUrl).host.toLowerCase())
    }
  }
  return out
}

/**
 * The client-facing HTTP(S) server with the configured limits: total header size (prepared
 * statements travel in headers), time to receive the headers (slowloris), time to receive a whole
 * request, idle keep-alive.
 */
function createListener (config: Config, handler: import('node:http').RequestListener): import('node:http').Server {
  const t = config.server.timeouts
  const limits = {
    maxHeaderSize: config.server.limits.headerBytes,
    headersTimeout: t.headersMs,
    requestTimeout: t.requestMs > t.headersMs ? t.requestMs : 0,
    keepAliveTimeout: t.keepAliveMs,
    connectionsCheckingInterval: Math.min(1000, t.headersMs)
  }
  const tls = config.server.tls
  const server = tls === undefined
    ? createHttpServer(limits, handler)
    : createHttpsServer({ ...limits, cert: readFileSync(tls.cert), key: readFileSync(tls.key), ...(tls.ca !== undefined ? { ca: readFileSync(tls.ca) } : {}) }, handler)
  server.keepAliveTimeout = t.keepAliveMs
  return server
}

function isLogger (l: unknown): l is Logger {
  return typeof l === 'object' && l !== null && typeof (l as Logger).child === 'function' && typeof (l as Logger).info === 'function'
}

function storeMetrics (m: ReturnType<typeof createMetrics>) {
  return {
    redisLatency: (op: string, seconds: number) => m.redisSeconds.observe({ op }, seconds),
    redisError: (op: string) => m.redisErrors.inc({ op }),
    healthChanged: (healthy: boolean) => m.redisUp.set(healthy ? 1 : 0)
  }
}
