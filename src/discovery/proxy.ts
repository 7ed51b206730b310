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
import { readFileSync } from 'node:fs'
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import replyFrom from '@fastify/reply-from'
import { Agent } from 'undici'
import type { Logger } from 'pino'
import type { ClusterConfig, Config } from '../config/index.js'

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
    // Bodies pass through as the raw stream: never parsed, never re-encoded.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (req, payload, done) => {
      const length = Number(req.headers['content-length'] ?? 0)
      if (length > MAX_BODY_BYTES) {
        done(Object.assign(new Error('discovery request body too large'), { statusCode: 413 }), undefined)
        return
      }
      done(null, payload)
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
