import type { Logger } from 'pino'
import type { AffinityStore, QueryRoute } from './types.js'
import type { ClusterRegistry } from '../cluster/registry.js'
import type { CoordinatorStatus } from '../cluster/coordinator-status.js'
import type { UpstreamPools } from '../cluster/upstream-pools.js'
import type { ClusterConfig } from '../config/index.js'

export interface Located { route: QueryRoute, source: 'store' | 'coordinator' }

const SUFFIX = /_([a-z0-9]{5})$/

/**
 * Finds the coordinator that owns a query id. The store knows every query this gateway handed
 * off or proxied; redirected queries are found by asking the coordinators. A query id ends in a
 * suffix chosen once per coordinator start, so once learned it names the coordinator to ask first.
 */
export class QueryLocator {
  private readonly suffixes = new Map<string, string>()

  constructor (
    private readonly store: AffinityStore,
    private readonly registry: ClusterRegistry,
    private readonly pools: UpstreamPools,
    private readonly logger: Logger,
    private readonly lookupTimeoutMs: number
  ) {}

  learn (queryId: string, coordinator: string): void {
    const m = SUFFIX.exec(queryId)
    if (m?.[1] !== undefined && this.suffixes.get(m[1]) !== coordinator) {
      // A coordinator that restarted has a new suffix; the old one may stay: ids with it are gone anyway.
      this.suffixes.set(m[1], coordinator)
    }
  }

  async locate (queryId: string): Promise<Located | undefined> {
    const stored = await this.store.getQuery(queryId)
    if (stored !== undefined) return { route: stored, source: 'store' }
    const candidates = this.candidates()
    const hinted = this.suffixes.get(SUFFIX.exec(queryId)?.[1] ?? '')
    const first = hinted === undefined ? undefined : candidates.find((c) => c.status.name === hinted)
    let found: Candidate | undefined
    if (first !== undefined) found = await this.ask(first, queryId).then((ok) => ok ? first : undefined)
    if (found === undefined) {
      const rest = candidates.filter((c) => c !== first)
      found = await firstTrue(rest.map(async (c) => await this.ask(c, queryId).then((ok) => ok ? c : undefined)))
    }
    if (found === undefined) return undefined
    this.learn(queryId, found.status.name)
    const route: QueryRoute = { cluster: found.cluster.name, coordinator: found.status.name, mode: 'redirect', group: found.cluster.group, routedAt: Date.now() }
    await this.store.putQuery(queryId, route)
    return { route, source: 'coordinator' }
  }

  private candidates (): Candidate[] {
    const out: Candidate[] = []
    for (const rt of this.registry.all()) {
      for (const s of rt.statuses.values()) if (s.health === 'up' || s.health === 'starting') out.push({ cluster: rt.config, status: s })
    }
    return out
  }

  private async ask (c: Candidate, queryId: string): Promise<boolean> {
    const user = c.cluster.monitor?.user ?? 'presto-ha-gateway'
    const headers: Record<string, string> = { [c.cluster.flavor === 'presto' ? 'x-presto-user' : 'x-trino-user']: user }
    if (c.cluster.monitor?.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${user}:${c.cluster.monitor.password}`).toString('base64')}`
    }
    try {
      const res = await this.pools.get(c.status.url, 'monitor').request({
        path: `/v1/query/${encodeURIComponent(queryId)}`,
        method: 'HEAD',
        headers,
        signal: AbortSignal.timeout(this.lookupTimeoutMs)
      })
      await res.body.dump()
      return res.statusCode === 200
    } catch (err) {
      this.logger.debug({ err, coordinator: c.status.name, queryId }, 'query lookup failed')
      return false
    }
  }
}

interface Candidate { cluster: ClusterConfig, status: CoordinatorStatus }

/** Resolves with the first defined value, or undefined once all settle without one. */
async function firstTrue<T> (promises: Array<Promise<T | undefined>>): Promise<T | undefined> {
  if (promises.length === 0) return undefined
  return await new Promise((resolve) => {
    let pending = promises.length
    for (const p of promises) {
      p.then((v) => {
        if (v !== undefined) resolve(v)
        if (--pending === 0) resolve(undefined)
      }, () => { if (--pending === 0) resolve(undefined) })
    }
  })
}
