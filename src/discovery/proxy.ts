// Discovery proxy: workers' `discovery.uri` points at the gateway, which forwards their discovery
// traffic to the cluster's CURRENT primary only — so only the primary ever has workers, also across
// gateway replicas (they agree on the primary; see src/cluster/redis-authority.ts).
//
// One listener per cluster with `discovery.port`. It forwards, byte for byte (method, path and
// query, every header — the cluster's internal authentication headers included — body and the
// answer's status, headers and body), only:
//   airlift   PUT|DELETE /v1/announcement/{nodeId}, GET /v1/service[/{type}[/{pool}]]
//   Trino     POST|GET /v1/announce
// Anything else is 404. No primary → 503; the primary not answering → 502 (workers retry on their
// own schedule). The upstream is read per request, so the first announcement after an election
// goes to the new primary. Hop-by-hop headers are dropped and Host names the coordinator, as any
// HTTP proxy does; nothing is added (no X-Forwarded-*: Trino rejects them by default).
//
// The latest announcement of each worker is kept (announcement-memory.ts) and sent again to a new
// primary the moment it is elected, so it has its workers within a round trip instead of at each
// worker's next announcement.
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import replyFrom from '@fastify/reply-from'
import { Agent, request } from 'undici'
import type { Logger } from 'pino'
import type { ClusterConfig, Config } from '../config/index.js'
import { upstreamRequestHeaders } from '../proxy/hop-headers.js'
import { AnnouncementMemory } from './announcement-memory.js'

export interface DiscoveryTarget {
  /** coordinator name */
  name: string
  /** how the gateway reaches it */
  url: string
}

export type DiscoveryResult = 'forwarded' | 'no-primary' | 'upstream-error'

export interface DiscoveryProxyDeps {
  logger: Logger
  /** address the listeners bind (server.host) */
  host: string
  upstream: Config['upstream']
  /** the cluster's current agreed primary, read on every request */
  primaryOf: (cluster: string) => DiscoveryTarget | undefined
  /** called once per request with its outcome (metrics; failed forwards mark the coordinator suspect) */
  onResult?: (cluster: string, result: DiscoveryResult, coordinator: string | undefined, error: string | undefined) => void
  /** after announcements were sent again to a new primary */
  onReplay?: (cluster: string, coordinator: string, sent: number, failed: number) => void
}

interface Listener {
  configuredPort: number
  host: string
  app: FastifyInstance
  port: number
}

/** Largest discovery request body accepted (an announcement is a few kB). */
const MAX_BODY_BYTES = 1024 * 1024

export class DiscoveryProxies {
  private readonly listeners = new Map<string, Listener>()
  private chain: Promise<void> = Promise.resolve()
  private closed = false
  private readonly memory = new AnnouncementMemory()
  /** request bytes of each discovery request, kept for the announcement memory */
  private readonly bodies = new WeakMap<FastifyRequest, Buffer>()
  private replayAgent: Agent | undefined

  constructor (private readonly deps: DiscoveryProxyDeps) {}

  /** The bound port of a cluster's discovery listener (useful with port 0), if it has one. */
  port (cluster: string): number | undefined {
    return this.listeners.get(cluster)?.port
  }

  ports (): ReadonlyMap<string, number> {
    return new Map([...this.listeners].map(([name, l]) => [name, l.port]))
  }

  /** Opens, keeps or closes listeners so that exactly the clusters with `discovery.port` have one. */
  async setClusters (clusters: readonly ClusterConfig[], host = this.deps.host): Promise<void> {
    const run = this.chain.then(async () => { await this.apply(clusters, host) })
    this.chain = run.catch(() => {})
    await run
  }

  async close (): Promise<void> {
    this.closed = true
    const run = this.chain.then(async () => {
      const all = [...this.listeners.values()]
      this.listeners.clear()
      await Promise.all(all.map(async (l) => { await l.app.close() }))
      await this.replayAgent?.destroy().catch(() => {})
    })
    this.chain = run.catch(() => {})
    await run
  }

  private async apply (clusters: readonly ClusterConfig[], host: string): Promise<void> {
    if (this.closed) return
    const wanted = new Map<string, number>()
    for (const c of clusters) if (c.discovery !== undefined) wanted.set(c.name, c.discovery.port)
    for (const [name, l] of [...this.listeners]) {
      const port = wanted.get(name)
      // Port 0 means "any free port": an open listener already satisfies it.
      if (port === undefined || l.host !== host || (port !== 0 && port !== l.port)) {
        this.listeners.delete(name)
        this.memory.dropCluster(name)
        await l.app.close()
        this.deps.logger.info({ cluster: name, port: l.port }, 'discovery proxy closed')
      } else {
        l.configuredPort = port
      }
    }
    for (const [name, port] of wanted) {
      if (this.listeners.has(name)) continue
      const app = await this.build(name)
      try {
        await app.listen({ port, host })
      } catch (err) {
        await app.close().catch(() => {})
        this.deps.logger.error({ cluster: name, port, err: err instanceof Error ? err.message : String(err) }, 'discovery proxy: cannot listen')
        throw err
      }
      const address = app.server.address()
      const bound = typeof address === 'object' && address !== null ? address.port : port
      this.listeners.set(name, { configuredPort: port, host, app, port: bound })
      this.deps.logger.info({ cluster: name, port: bound, host }, 'discovery proxy listening')
    }
  }

  private async build (cluster: string): Promise<FastifyInstance> {
    const logger = this.deps.logger.child({ cluster, component: 'discovery' })
    const app = Fastify({
      loggerInstance: logger,
      // Workers announce every few seconds: one log line per announcement would drown the rest.
      logController: new LogController({ disableRequestLogging: true }),
      exposeHeadRoutes: false,
      return503OnClosing: true,
      bodyLimit: MAX_BODY_BYTES,
      routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 }
    } as unknown as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance
    // Bodies pass through as the bytes that came: never parsed, never re-encoded. They are small
    // (bodyLimit above) and read whole, so an announcement can be kept and sent again.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
      const bytes = body as Buffer
      this.bodies.set(req, bytes)
      done(null, Readable.from([bytes], { objectMode: false }))
    })
    await app.register(replyFrom, { undici: this.agent(), disableRequestLogging: true })

    const onResult = this.deps.onResult
    const forward = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const target = this.deps.primaryOf(cluster)
      if (target === undefined) {
        onResult?.(cluster, 'no-primary', undefined, undefined)
        return await reply.code(503).header('content-type', 'text/plain; charset=utf-8').send(`No primary coordinator for cluster ${cluster} yet`)
      }
      const upstream = new URL(target.url)
      const q = req.url.indexOf('?')
      const path = upstream.pathname.replace(/\/+$/, '') + (q >= 0 ? req.url.slice(0, q) : req.url)
      return reply.from(path, {
        getUpstream: () => upstream.origin,
        // Workers re-announce on their own schedule: one attempt, the answer as it came.
        retryDelay: () => null,
        onResponse: (_request, r, res) => {
          onResult?.(cluster, 'forwarded', target.name, undefined)
          if (res.statusCode >= 200 && res.statusCode < 300) this.note(cluster, req)
          r.send(res.stream)
        },
        onError: (r, { error }) => {
          const cause = (error as Error & { cause?: Error }).cause
          const message = cause?.message ?? error.message
          onResult?.(cluster, 'upstream-error', target.name, message)
          r.code(502).header('content-type', 'text/plain; charset=utf-8').send(`Primary coordinator ${target.name} of cluster ${cluster} did not answer: ${message}`)
        }
      })
    }
    app.put('/v1/announcement/:nodeId', forward)
    app.delete('/v1/announcement/:nodeId', forward)
    app.get('/v1/service', forward)
    app.get('/v1/service/:type', forward)
    app.get('/v1/service/:type/:pool', forward)
    app.post('/v1/announce', forward)
    app.get('/v1/announce', forward)
    app.setNotFoundHandler(async (req, reply) => await reply.code(404).header('content-type', 'text/plain; charset=utf-8')
      .send(`Not a discovery path: ${req.method} ${req.url.split('?')[0] ?? ''}`))
    return app
  }

  /**
   * Sends the cluster's fresh announcements to its current primary: called when the primary
   * changes. Each goes as the worker sent it (headers, internal authentication included, and body).
   */
  async replay (cluster: string): Promise<void> {
    const target = this.deps.primaryOf(cluster)
    const list = this.memory.fresh(cluster)
    if (target === undefined || list.length === 0 || this.closed) return
    this.replayAgent ??= this.agent()
    const upstream = new URL(target.url)
    const base = upstream.pathname.replace(/\/+$/, '')
    const t = this.deps.upstream.timeouts
    const outcomes = await Promise.allSettled(list.map(async (a) => {
      const res = await request(`${upstream.origin}${base}${a.url}`, {
        method: a.method,
        headers: { ...upstreamRequestHeaders(a.headers, true), host: upstream.host },
        body: a.body,
        dispatcher: this.replayAgent,
        headersTimeout: t.headersMs,
        bodyTimeout: t.bodyIdleMs
      })
      await res.body.dump()
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`answered ${res.statusCode}`)
    }))
    const failed = outcomes.filter((o) => o.status === 'rejected').length
    this.deps.logger.info({ cluster, coordinator: target.name, sent: list.length - failed, failed }, 'worker announcements sent again to the new primary')
    this.deps.onReplay?.(cluster, target.name, list.length - failed, failed)
  }

  private note (cluster: string, req: FastifyRequest): void {
    const path = req.url
    if (req.method === 'DELETE') {
      this.memory.forget(cluster, path)
      return
    }
    const body = this.bodies.get(req)
    const method = req.method
    const announcement = (method === 'PUT' && path.startsWith('/v1/announcement/')) || (method === 'POST' && path.startsWith('/v1/announce'))
    if (body !== undefined && announcement) this.memory.remember(cluster, { method, url: path, headers: req.headers, body })
  }

  private agent (): Agent {
    const u = this.deps.upstream
    const ca = u.tls?.ca !== undefined ? readFileSync(u.tls.ca) : undefined
    return new Agent({
      connections: 64,
      headersTimeout: u.timeouts.headersMs,
      bodyTimeout: u.timeouts.bodyIdleMs,
      keepAliveTimeout: 30_000,
      // A client option: undici's connector ignores a localAddress given inside `connect`.
      ...(u.localAddress !== undefined ? { localAddress: u.localAddress } : {}),
      connect: {
        timeout: u.timeouts.connectMs,
        ...(ca !== undefined ? { ca } : {}),
        rejectUnauthorized: u.tls?.rejectUnauthorized ?? true
      }
    })
  }
}
