// In-memory affinity store: one gateway, no Redis. Entries expire after their TTL — a query route
// queryTtlSeconds after its routedAt, a transaction transactionTtlSeconds after it was written —
// checked lazily on every read and swept periodically by an unref'd timer; each map is bounded, the
// oldest entries being evicted first.
import { EventEmitter } from 'node:events'
import { ExpiringLru } from './lru.js'
import type { AffinityStore, AffinityStoreStats, QueryRoute, StoreConfig, StoreDeps, TransactionRoute } from './types.js'

const DEFAULT_MAX_ENTRIES = 1_000_000
const DEFAULT_SWEEP_MS = 60_000

export class MemoryAffinityStore extends EventEmitter implements AffinityStore {
  readonly kind = 'memory' as const
  private readonly queryTtlMs: number
  private readonly txTtlMs: number
  // Queries are written once and never touched, so insertion order is expiry order.
  private readonly queries: ExpiringLru<QueryRoute>
  private readonly transactions: ExpiringLru<TransactionRoute>
  /** cluster → ids of its open transactions (pruned against `transactions` when counted) */
  private readonly byCluster = new Map<string, Set<string>>()
  private readonly sweepTimer: NodeJS.Timeout
  private evictedQueries = 0

  constructor (cfg: StoreConfig, private readonly deps: StoreDeps) {
    super()
    this.queryTtlMs = cfg.queryTtlSeconds * 1000
    this.txTtlMs = cfg.transactionTtlSeconds * 1000
    const max = deps.tuning?.maxEntries ?? DEFAULT_MAX_ENTRIES
    this.queries = new ExpiringLru(max, false)
    this.transactions = new ExpiringLru(max, false)
    this.sweepTimer = setInterval(() => { this.sweep() }, deps.tuning?.sweepIntervalMs ?? DEFAULT_SWEEP_MS)
    this.sweepTimer.unref()
  }

  async putQuery (queryId: string, route: QueryRoute): Promise<void> {
    const now = Date.now()
    if (route.routedAt + this.queryTtlMs <= now) return // already expired: nothing to keep
    // Expiry in the map is from the write (so insertion order is expiry order for the sweep); a
    // read also honours the route's own expiry, routedAt + TTL, as the Redis store does.
    const evicted = this.queries.set(queryId, { ...route }, now + this.queryTtlMs)
    if (evicted > 0) {
      if (this.evictedQueries === 0) this.deps.logger.warn({ max: this.deps.tuning?.maxEntries ?? DEFAULT_MAX_ENTRIES }, 'affinity store full: evicting the oldest query routes')
      this.evictedQueries += evicted
    }
  }

  async getQuery (queryId: string): Promise<QueryRoute | undefined> {
    const route = this.queries.get(queryId)
    if (route === undefined || route.routedAt + this.queryTtlMs <= Date.now()) {
      this.deps.metrics?.miss?.()
      return undefined
    }
    this.deps.metrics?.hit?.('store')
    return { ...route }
  }

  async putTransaction (txId: string, route: TransactionRoute): Promise<void> {
    const previous = this.transactions.get(txId)
    if (previous !== undefined && previous.cluster !== route.cluster) this.byCluster.get(previous.cluster)?.delete(txId)
    this.transactions.set(txId, { ...route }, Date.now() + this.txTtlMs)
    let ids = this.byCluster.get(route.cluster)
    if (ids === undefined) {
      ids = new Set()
      this.byCluster.set(route.cluster, ids)
    }
    ids.add(txId)
  }

  async getTransaction (txId: string): Promise<TransactionRoute | undefined> {
    const route = this.transactions.get(txId)
    return route === undefined ? undefined : { ...route }
  }

  async deleteTransaction (txId: string): Promise<void> {
    const route = this.transactions.get(txId)
    this.transactions.delete(txId)
    if (route !== undefined) this.forget(route.cluster, txId)
  }

  async openTransactions (cluster: string): Promise<number> {
    const ids = this.byCluster.get(cluster)
    if (ids === undefined) return 0
    for (const id of ids) {
      // expired or evicted → gone
      if (this.transactions.get(id) === undefined) ids.delete(id)
    }
    if (ids.size === 0) this.byCluster.delete(cluster)
    return ids.size
  }

  healthy (): boolean {
    return true
  }

  async ready (): Promise<boolean> {
    return true
  }

  stats (): AffinityStoreStats {
    return {
      kind: 'memory',
      healthy: true,
      cachedQueries: this.queries.size,
      localTransactions: this.transactions.size,
      bufferedWrites: 0,
      droppedWrites: 0
    }
  }

  async close (): Promise<void> {
    clearInterval(this.sweepTimer)
  }

  /** Drops expired entries (exposed for tests). */
  sweep (now = Date.now()): void {
    this.queries.sweep(now, true)
    this.transactions.sweep(now, false)
    for (const [cluster, ids] of this.byCluster) {
      for (const id of ids) {
        if (this.transactions.get(id, now) === undefined) ids.delete(id)
      }
      if (ids.size === 0) this.byCluster.delete(cluster)
    }
  }

  private forget (cluster: string, txId: string): void {
    const ids = this.byCluster.get(cluster)
    if (ids === undefined) return
    ids.delete(txId)
    if (ids.size === 0) this.byCluster.delete(cluster)
  }
}
