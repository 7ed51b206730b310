import { readFileSync } from 'node:fs'
import { Pool } from 'undici'
import type { Config } from '../config/index.js'

export type PoolPurpose = 'monitor' | 'forward'

/**
 * One undici pool per coordinator and purpose. Health checks get their own small pool so that a
 * coordinator busy streaming large results through the gateway is never judged dead because its
 * check waited behind those streams.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>()
  private upstream: Config['upstream']
  private ca: Buffer | undefined

  constructor (upstream: Config['upstream']) {
    this.upstream = upstream
    this.ca = upstream.tls?.ca !== undefined ? readFileSync(upstream.tls.ca) : undefined
  }

  /** Settings changed (hot reload): new pools are built on next use, old ones drain in the background. */
  reconfigure (upstream: Config['upstream']): void {
    this.upstream = upstream
    this.ca = upstream.tls?.ca !== undefined ? readFileSync(upstream.tls.ca) : undefined
    const old = [...this.pools.values()]
    this.pools.clear()
    for (const p of old) p.close().catch(() => {})
  }

  get (origin: string, purpose: PoolPurpose): Pool {
    const key = `${purpose} ${origin}`
    let pool = this.pools.get(key)
    if (pool === undefined) {
      const t = this.upstream.timeouts
      pool = new Pool(origin, {
        // One connection for the checks: it stays warm between rounds (a second one would sit idle
        // past the server's keep-alive and be opened again and again), and a round's few small
        // requests take a round trip each.
        connections: purpose === 'monitor' ? 1 : 256,
        pipelining: 1,
        connectTimeout: t.connectMs,
        headersTimeout: t.headersMs,
        bodyTimeout: t.bodyIdleMs,
        keepAliveTimeout: 30_000,
        // A Pool option: undici's connector ignores a localAddress given inside `connect`.
        ...(this.upstream.localAddress !== undefined ? { localAddress: this.upstream.localAddress } : {}),
        connect: {
          timeout: t.connectMs,
          ...(this.ca !== undefined ? { ca: this.ca } : {}),
          rejectUnauthorized: this.upstream.tls?.rejectUnauthorized ?? true
        }
      })
      this.pools.set(key, pool)
    }
    return pool
  }

  async close (): Promise<void> {
    const all = [...this.pools.values()]
    this.pools.clear()
    await Promise.all(all.map(async (p) => await p.destroy().catch(() => {})))
  }
}
