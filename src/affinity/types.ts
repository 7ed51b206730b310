// The affinity store: where each query (and each open transaction) was sent, shared between
// gateway replicas through Redis, or kept in memory by a single gateway.

export type QueryMode = 'redirect' | 'handoff' | 'proxy'

export interface QueryRoute {
  cluster: string
  coordinator: string
  mode: QueryMode
  group: string
  /**
   * epoch ms: when the gateway routed the query, or learned its route (lazy lookup). The entry
   * expires queryTtlSeconds after it.
   */
  routedAt: number
  user?: string
  /** the transaction the statement runs in (its Clear-Transaction-Id then ends that transaction) */
  transactionId?: string
}

export interface TransactionRoute {
  cluster: string
  coordinator: string
  /** epoch ms */
  startedAt: number
}

export type AffinityStoreEvent = 'degraded' | 'recovered'

export interface AffinityStoreStats {
  kind: 'memory' | 'redis'
  healthy: boolean
  /** memory store: tracked queries; redis store: query routes in the local cache */
  cachedQueries: number
  /** memory store: tracked transactions; redis store: transactions this replica mirrors locally */
  localTransactions: number
  /** redis store: writes made while Redis was unreachable, waiting to be flushed */
  bufferedWrites: number
  /** redis store: buffered writes dropped because the buffer was full (since start) */
  droppedWrites: number
}

export interface AffinityStore {
  readonly kind: 'memory' | 'redis'
  /**
   * Records where a query went. With Redis up it resolves only once Redis has the entry (a cancel
   * sent at once to another replica finds it). It never rejects: while Redis is unreachable the
   * write is buffered and flushed when Redis is back.
   */
  putQuery(queryId: string, route: QueryRoute): Promise<void>
  /** undefined when unknown (or, while Redis is down, not in the local cache): ask the coordinators */
  getQuery(queryId: string): Promise<QueryRoute | undefined>
  putTransaction(txId: string, route: TransactionRoute): Promise<void>
  getTransaction(txId: string): Promise<TransactionRoute | undefined>
  deleteTransaction(txId: string): Promise<void>
  /** open transactions the store knows of on a cluster (drain waits for 0) */
  openTransactions(cluster: string): Promise<number>
  /** false while Redis is unreachable (always true for the memory store) */
  healthy(): boolean
  /**
   * Resolves true once the store can serve (memory: at once; redis: first connection ready), false
   * if that takes longer than timeoutMs. The store works (degraded) either way.
   */
  ready(timeoutMs?: number): Promise<boolean>
  stats(): AffinityStoreStats
  on(event: AffinityStoreEvent, listener: () => void): unknown
  off(event: AffinityStoreEvent, listener: () => void): unknown
  /** idempotent; flushes buffered writes if Redis is reachable (bounded), then disconnects */
  close(): Promise<void>
}

export interface RedisStoreConfig {
  /** redis://[:password@]host:port[/db] or rediss://... */
  url?: string | undefined
  sentinels?: ReadonlyArray<{ host: string, port: number }> | undefined
  /** Sentinel master group name */
  name?: string | undefined
  password?: string | undefined
  sentinelPassword?: string | undefined
  /** default "phg:" */
  keyPrefix?: string | undefined
  db?: number | undefined
}

/** The `store` section of the configuration (structurally what src/config produces). */
export interface StoreConfig {
  redis?: RedisStoreConfig | undefined
  queryTtlSeconds: number
  transactionTtlSeconds: number
}

export type RedisOp = 'get' | 'set' | 'tx-get' | 'tx-set' | 'tx-del' | 'tx-count' | 'flush' | 'ping' | 'republish'
export type HitSource = 'cache' | 'store' | 'buffer'

/** Optional callbacks; the metrics module plugs prom-client in here. */
export interface StoreMetrics {
  /** a getQuery answered, and from where ('store': memory map or Redis) */
  hit?(source: HitSource): void
  /** a getQuery that found nothing */
  miss?(): void
  redisLatency?(op: RedisOp, seconds: number): void
  redisError?(op: RedisOp): void
  /** buffered writes waiting for Redis, after every change */
  bufferSize?(entries: number): void
  /** buffered writes dropped because the buffer was full */
  bufferDropped?(entries: number): void
  /** healthy() changed */
  healthChanged?(healthy: boolean): void
}

type LogFn = (obj: object, msg?: string) => void

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

/** Internal knobs; defaults suit production. Tests shorten them. */
export interface StoreTuning {
  /** memory store: max queries and max transactions kept (oldest evicted), default 1,000,000 */
  maxEntries?: number
  /** memory store: expired-entry sweep period, default 60 s */
  sweepIntervalMs?: number
  /** redis store: query routes cached in-process (LRU), default 10,000; 0 disables */
  cacheSize?: number
  /** redis store: transactions mirrored in-process for reads while Redis is down, default 10,000 */
  transactionMirrorSize?: number
  /** redis store: max writes buffered while Redis is down (oldest dropped), default 100,000 */
  bufferMax?: number
  /** redis store: a command without an answer after this long fails (and the store degrades), default 500 ms */
  commandTimeoutMs?: number
  /** redis store: TCP connect bound, default 2,000 ms */
  connectTimeoutMs?: number
  /** redis store: reconnect backoff cap, default 2,000 ms */
  reconnectMaxDelayMs?: number
  /** redis store: PING period while degraded on a connection that still looks open, default 1,000 ms */
  probeIntervalMs?: number
  /** redis store: writes per pipeline when flushing the buffer, default 1,000 */
  flushBatch?: number
}

export interface StoreDeps {
  logger: StoreLogger
  metrics?: StoreMetrics | undefined
  tuning?: StoreTuning | undefined
}
