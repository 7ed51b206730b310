// Redis affinity store: shared by every gateway replica.
//
// Keys (under keyPrefix, default "phg:"); values are codec.ts strings, not JSON:
//   qm:{YYYYMMdd_HHmm}  hash    Trino/Presto query ids of that minute: field "ss_NNNNN_ccccc" →
//                               "<mode>|<cluster>|<coordinator>|<group>|<routedAt36>[|<user>]";
//                               the hash's TTL is only ever extended (PUT_QUERY_LUA)
//   q:{queryId}         string  the same value, for any other id; PX = what is left of the TTL
//   t:{txId}            string  "<cluster>|<coordinator>|<startedAt36>", PX transactionTtl
//   tc:{cluster}        zset    txId → expiry (epoch ms); expired members are trimmed when counted
//
// A query route expires queryTtlSeconds after its routedAt (readers check it; Redis reclaims the
// minute's hash once its last route has expired). Memory: 60-130 bytes of Redis memory a query
// (listpack or hashtable hash), against ~200 for one key per query with a TTL; asserted ≤ 200 by
// test/affinity/redis-store.test.ts.
//
// Connection: ioredis with lazyConnect, connected at once by the constructor (the listeners are in
// place first); `ready()` waits for the first connection. The store works before that, degraded.
// Commands fail fast instead of queueing (enableOfflineQueue false, maxRetriesPerRequest 0,
// commandTimeout): a Redis that is down or hung never holds a request for longer than
// commandTimeoutMs, and after the first failure none waits at all.
//
// Degraded mode (healthy() false, 'degraded' emitted): writes go to a bounded in-process buffer
// (last write per key wins, oldest dropped when full); reads use the local LRU cache of query routes,
// the buffer and a local mirror of transactions, and otherwise answer undefined (callers then ask the
// coordinators). When Redis answers again (reconnect, or a PING on a connection that had hung), the
// buffer is flushed, then 'recovered' is emitted. If Redis came back as a different server process
// (run_id changed: restarted empty, or a Sentinel failover), the cached query routes are republished
// first with SET NX — routes never change, so this can only restore, never overwrite.
import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis'
import { decodeQueryRoute, decodeTransactionRoute, encodeQueryRoute, encodeTransactionRoute } from './codec.js'
import { ExpiringLru } from './lru.js'
import { redactRedisUrl } from './redact.js'
import type {
  AffinityStore, AffinityStoreStats, QueryRoute, RedisOp, RedisStoreConfig, StoreConfig, StoreDeps,
  TransactionRoute
} from './types.js'

type PendingOp =
  | { kind: 'query', key: string, queryId: string, value: string, expireAt: number }
  | { kind: 'tx', key: string, value: string, expireAt: number, txId: string, cluster: string }
  | { kind: 'tx-del', key: string, txId: string, cluster: string | undefined }

type State = 'starting' | 'up' | 'down'

/** While degraded, a warning repeats this often (the first one comes at once). */
const REMINDER_MS = 60_000

const DEFAULTS = {
  cacheSize: 10_000,
  transactionMirrorSize: 10_000,
  bufferMax: 100_000,
  commandTimeoutMs: 500,
  connectTimeoutMs: 2000,
  reconnectMaxDelayMs: 2000,
  probeIntervalMs: 1000,
  flushBatch: 1000
}

/** Where the store connects, for logs: never a password. */
export function describeRedisTarget (cfg: RedisStoreConfig): string {
  if (cfg.sentinels !== undefined && cfg.sentinels.length > 0) {
    return `sentinel ${cfg.name ?? 'mymaster'} via ${cfg.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`
  }
  return cfg.url === undefined ? 'redis://localhost:6379' : redactRedisUrl(cfg.url)
}

export class RedisAffinityStore extends EventEmitter implements AffinityStore {
  readonly kind = 'redis' as const
  private readonly client: Redis
  private readonly prefix: string
  private readonly target: string
  private readonly queryTtlMs: number
  private readonly txTtlMs: number
  private readonly tuning: typeof DEFAULTS
  private readonly cache: ExpiringLru<QueryRoute>
  private readonly txMirror: ExpiringLru<TransactionRoute>
  private readonly buffer = new Map<string, PendingOp>()
  private state: State = 'starting'
  private downSince = 0
  private lastError: string | undefined
  private dropped = 0
  private droppedThisOutage = 0
  private probeTimer: NodeJS.Timeout | undefined
  private lastReminder = 0
  private recovering: Promise<void> | undefined
  private runId: string | undefined
  private closed = false
  private readonly readyWaiters = new Set<(ok: boolean) => void>()

  constructor (cfg: StoreConfig, private readonly deps: StoreDeps) {
    super()
    const redisCfg = cfg.redis ?? {}
    this.prefix = redisCfg.keyPrefix ?? 'phg:'
    this.target = describeRedisTarget(redisCfg)
    this.queryTtlMs = cfg.queryTtlSeconds * 1000
    this.txTtlMs = cfg.transactionTtlSeconds * 1000
    const t = deps.tuning ?? {}
    this.tuning = {
      cacheSize: t.cacheSize ?? DEFAULTS.cacheSize,
      transactionMirrorSize: t.transactionMirrorSize ?? DEFAULTS.transactionMirrorSize,
      bufferMax: t.bufferMax ?? DEFAULTS.bufferMax,
      commandTimeoutMs: t.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
      connectTimeoutMs: t.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      reconnectMaxDelayMs: t.reconnectMaxDelayMs ?? DEFAULTS.reconnectMaxDelayMs,
      probeIntervalMs: t.probeIntervalMs ?? DEFAULTS.probeIntervalMs,
      flushBatch: t.flushBatch ?? DEFAULTS.flushBatch
    }
    this.cache = new ExpiringLru(this.tuning.cacheSize)
    this.txMirror = new ExpiringLru(this.tuning.transactionMirrorSize)

    const maxDelay = this.tuning.reconnectMaxDelayMs
    const options: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.tuning.commandTimeoutMs,
      connectTimeout: this.tuning.connectTimeoutMs,
      // Reconnect forever: 50, 100, 200, ... ms, capped.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 10), maxDelay),
      protocol: 2,
      connectionName: 'presto-ha-gateway',
      disableClientInfo: true
    }
    if (redisCfg.password !== undefined) options.password = redisCfg.password
    if (redisCfg.db !== undefined) options.db = redisCfg.db
    if (redisCfg.sentinels !== undefined && redisCfg.sentinels.length > 0) {
      options.sentinels = redisCfg.sentinels.map((s) => ({ host: s.host, port: s.port }))
      options.name = redisCfg.name ?? 'mymaster'
      if (redisCfg.sentinelPassword !== undefined) options.sentinelPassword = redisCfg.sentinelPassword
      options.sentinelRetryStrategy = (times) => Math.min(100 * times, maxDelay)
      this.client = new Redis(options)
    } else if (redisCfg.url !== undefined) {
      this.client = new Redis(redisCfg.url, options)
    } else {
      this.client = new Redis(options)
    }

    this.client.defineCommand('phgPutQuery', { numberOfKeys: 1, lua: PUT_QUERY_LUA })
    this.client.on('ready', () => { this.recover().catch(() => {}) })
    this.client.on('error', (err: Error) => {
      this.lastError = err.message
      this.deps.logger.debug({ redis: this.target, err: err.message }, 'redis connection error')
    })
    this.client.on('close', () => {
      if (!this.closed) this.setDown(`connection closed${this.lastError === undefined ? '' : ` (${this.lastError})`}`)
    })
    this.deps.logger.info({ redis: this.target, keyPrefix: this.prefix }, 'affinity store: connecting to Redis')
    this.client.connect().catch((err: unknown) => {
      // ioredis keeps reconnecting on its own (retryStrategy); the 'close' handler degrades.
      this.lastError = err instanceof Error ? err.message : String(err)
    })
  }

  // ---- queries -------------------------------------------------------------------------------

  async putQuery (queryId: string, route: QueryRoute): Promise<void> {
    const copy = { ...route }
    const expireAt = copy.routedAt + this.queryTtlMs
    if (expireAt <= Date.now()) return // already expired: nothing to keep
    this.cache.set(queryId, copy, expireAt)
    const op: PendingOp = { kind: 'query', key: `q:${queryId}`, queryId, value: encodeQueryRoute(copy), expireAt }
    if (this.state === 'up') {
      try {
        await this.timed('set', async () => { await this.writeQuery(this.client, op) })
        return
      } catch { /* degraded: buffered below */ }
    }
    this.enqueue(op)
  }

  async getQuery (queryId: string): Promise<QueryRoute | undefined> {
    const now = Date.now()
    const cached = this.cache.get(queryId, now)
    if (cached !== undefined) {
      this.deps.metrics?.hit?.('cache')
      return { ...cached }
    }
    if (this.state === 'up') {
      try {
        const loc = queryLocation(this.prefix, queryId)
        const value = await this.timed('get', () => 'field' in loc ? this.client.hget(loc.key, loc.field) : this.client.get(loc.key))
        const route = value === null ? undefined : this.decodeQuery(queryId, value)
        const expireAt = route === undefined ? 0 : route.routedAt + this.queryTtlMs
        if (route === undefined || expireAt <= now) {
          this.deps.metrics?.miss?.()
          return undefined
        }
        this.cache.set(queryId, route, expireAt)
        this.deps.metrics?.hit?.('store')
        return { ...route }
      } catch { /* degraded: local answers only */ }
    }
    const op = this.buffer.get(`q:${queryId}`)
    if (op?.kind === 'query' && op.expireAt > now) {
      const route = this.decodeQuery(queryId, op.value)
      if (route !== undefined) {
        this.deps.metrics?.hit?.('buffer')
        return route
      }
    }
    this.deps.metrics?.miss?.()
    return undefined
  }

  // ---- transactions --------------------------------------------------------------------------

  async putTransaction (txId: string, route: TransactionRoute): Promise<void> {
    const copy = { ...route }
    const expireAt = Date.now() + this.txTtlMs
    this.txMirror.set(txId, copy, expireAt)
    const op: PendingOp = { kind: 'tx', key: this.tKey(txId), value: encodeTransactionRoute(copy), expireAt, txId, cluster: copy.cluster }
    if (this.state === 'up') {
      try {
        const clusterKey = this.tcKey(op.cluster)
        await this.timed('tx-set', async () => checkExec(await this.client.multi()
          .set(op.key, op.value, 'PX', this.txTtlMs)
          .zadd(clusterKey, op.expireAt, txId)
          .pexpire(clusterKey, this.txTtlMs)
          .exec()))
        return
      } catch { /* degraded: buffered below */ }
    }
    this.enqueue(op)
  }

  async getTransaction (txId: string): Promise<TransactionRoute | undefined> {
    const key = this.tKey(txId)
    if (this.state === 'up') {
      try {
        const value = await this.timed('tx-get', () => this.client.get(key))
        const route = value === null ? undefined : decodeTransactionRoute(value)
        if (route === undefined) {
          this.txMirror.delete(txId)
          return undefined
        }
        this.txMirror.set(txId, route, Date.now() + this.txTtlMs)
        return { ...route }
      } catch { /* degraded: local answers only */ }
    }
    const op = this.buffer.get(key)
    if (op?.kind === 'tx-del') return undefined
    if (op?.kind === 'tx' && op.expireAt > Date.now()) return decodeTransactionRoute(op.value)
    const mirrored = this.txMirror.get(txId)
    return mirrored === undefined ? undefined : { ...mirrored }
  }

  async deleteTransaction (txId: string): Promise<void> {
    const key = this.tKey(txId)
    const buffered = this.buffer.get(key)
    let cluster = this.txMirror.get(txId)?.cluster ?? (buffered?.kind === 'tx' ? buffered.cluster : undefined)
    this.txMirror.delete(txId)
    if (this.state === 'up') {
      try {
        await this.timed('tx-del', async () => {
          const value = await this.client.get(key)
          const stored = value === null ? undefined : decodeTransactionRoute(value)
          const multi = this.client.multi().del(key)
          if (stored !== undefined) multi.zrem(this.tcKey(stored.cluster), txId)
          if (cluster !== undefined && cluster !== stored?.cluster) multi.zrem(this.tcKey(cluster), txId)
          checkExec(await multi.exec())
        })
        return
      } catch { /* degraded: buffered below */ }
    }
    if (cluster === undefined && buffered?.kind === 'tx-del') cluster = buffered.cluster
    this.enqueue({ kind: 'tx-del', key, txId, cluster })
  }

  async openTransactions (cluster: string): Promise<number> {
    if (this.state === 'up') {
      try {
        const key = this.tcKey(cluster)
        const results = await this.timed('tx-count', async () => checkExec(await this.client.multi()
          .zremrangebyscore(key, '-inf', Date.now())
          .zcard(key)
          .exec()))
        return Number(results[1])
      } catch { /* degraded: local answer */ }
    }
    // While Redis is down: the open transactions this replica knows of.
    let n = 0
    for (const [, route] of this.txMirror.entries()) if (route.cluster === cluster) n++
    return n
  }

  // ---- health --------------------------------------------------------------------------------

  healthy (): boolean {
    return this.state === 'up'
  }

  async ready (timeoutMs = 5000): Promise<boolean> {
    if (this.state === 'up') return true
    if (this.closed) return false
    return await new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer)
        this.readyWaiters.delete(done)
        resolve(ok)
      }
      const timer = setTimeout(() => { done(false) }, timeoutMs)
      timer.unref()
      this.readyWaiters.add(done)
    })
  }

  stats (): AffinityStoreStats {
    return {
      kind: 'redis',
      healthy: this.state === 'up',
      cachedQueries: this.cache.size,
      localTransactions: this.txMirror.size,
      bufferedWrites: this.buffer.size,
      droppedWrites: this.dropped
    }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopProbe()
    for (const waiter of [...this.readyWaiters]) waiter(false)
    if (this.buffer.size > 0 && this.client.status === 'ready') {
      const bound = new Promise<boolean>((resolve) => setTimeout(resolve, 2000, false).unref())
      const flushed = await Promise.race([this.flush().catch(() => false), bound])
      if (!flushed) this.deps.logger.warn({ redis: this.target, buffered: this.buffer.size }, 'affinity store closed with unflushed writes')
    }
    try {
      const bound = new Promise<never>((_resolve, reject) => setTimeout(reject, 1000, new Error('quit timed out')).unref())
      await Promise.race([this.client.quit(), bound])
    } catch {
      this.client.disconnect()
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private tKey (txId: string): string { return `${this.prefix}t:${txId}` }
  private tcKey (cluster: string): string { return `${this.prefix}tc:${cluster}` }

  private decodeQuery (queryId: string, value: string): QueryRoute | undefined {
    const route = decodeQueryRoute(value)
    if (route === undefined) this.deps.logger.warn({ queryId }, 'affinity store: unreadable query route ignored')
    return route
  }

  /** One query write, on the client or in a pipeline; resolves when Redis has it. */
  private writeQuery (target: Redis | ChainableCommander, op: Extract<PendingOp, { kind: 'query' }>, nx = false): unknown {
    const ttl = op.expireAt - Date.now()
    if (ttl <= 0) return undefined
    const loc = queryLocation(this.prefix, op.queryId)
    if ('field' in loc) return (target as unknown as PutQueryCommand).phgPutQuery(loc.key, loc.field, op.value, ttl, nx ? 1 : 0)
    return nx ? target.set(loc.key, op.value, 'PX', ttl, 'NX') : target.set(loc.key, op.value, 'PX', ttl)
  }

  /** Runs a Redis call, timing it; a failure is counted and degrades the store, then rethrown. */
  private async timed<T> (op: RedisOp, fn: () => Promise<T>): Promise<T> {
    const start = performance.now()
    try {
      const result = await fn()
      this.deps.metrics?.redisLatency?.(op, (performance.now() - start) / 1000)
      return result
    } catch (err) {
      this.deps.metrics?.redisError?.(op)
      const message = err instanceof Error ? err.message : String(err)
      this.lastError = message
      this.setDown(`${op} failed: ${message}`)
      throw err
    }
  }

  private enqueue (op: PendingOp): void {
    this.buffer.delete(op.key)
    this.buffer.set(op.key, op)
    let dropped = 0
    while (this.buffer.size > this.tuning.bufferMax) {
      const oldest = this.buffer.keys().next()
      if (oldest.done === true) break
      this.buffer.delete(oldest.value)
      dropped++
    }
    if (dropped > 0) {
      if (this.droppedThisOutage === 0) {
        this.deps.logger.error({ redis: this.target, bufferMax: this.tuning.bufferMax }, 'affinity write buffer full while Redis is down: dropping the oldest writes')
      }
      this.dropped += dropped
      this.droppedThisOutage += dropped
      this.deps.metrics?.bufferDropped?.(dropped)
    }
    this.deps.metrics?.bufferSize?.(this.buffer.size)
    // A write that failed while the connection is fine (hung server, OOM...) waits for the probe;
    // one buffered during start-up or an outage waits for 'ready'.
  }

  private setDown (reason: string): void {
    if (this.closed || this.state === 'down') return
    this.state = 'down'
    this.downSince = Date.now()
    this.lastReminder = this.downSince
    this.droppedThisOutage = 0
    this.deps.logger.warn({ redis: this.target, reason }, 'affinity store degraded: Redis unreachable, buffering writes and answering from the local cache')
    this.deps.metrics?.healthChanged?.(false)
    this.startProbe()
    this.emit('degraded')
  }

  private setUp (): void {
    if (this.closed || this.state === 'up') return
    const previous = this.state
    this.state = 'up'
    this.lastError = undefined
    this.stopProbe()
    if (previous === 'down') {
      this.deps.logger.info({ redis: this.target, downMs: Date.now() - this.downSince, dropped: this.droppedThisOutage }, 'affinity store recovered: Redis reachable, buffered writes flushed')
    } else {
      this.deps.logger.info({ redis: this.target }, 'affinity store: Redis connected')
    }
    this.deps.metrics?.healthChanged?.(true)
    for (const waiter of [...this.readyWaiters]) waiter(true)
    if (previous === 'down') this.emit('recovered')
  }

  private startProbe (): void {
    if (this.probeTimer !== undefined || this.closed) return
    this.probeTimer = setInterval(() => {
      const now = Date.now()
      if (now - this.lastReminder >= REMINDER_MS) {
        this.lastReminder = now
        this.deps.logger.warn({ redis: this.target, downMs: now - this.downSince, reason: this.lastError, buffered: this.buffer.size }, 'affinity store still degraded: Redis unreachable')
      }
      // A closed connection comes back through 'ready'; this is for one that looks open but had
      // stopped answering (a hung server, a network partition without RST).
      if (this.client.status !== 'ready' || this.recovering !== undefined) return
      this.timedQuiet('ping', () => this.client.ping()).then(() => this.recover(), () => {})
    }, this.tuning.probeIntervalMs)
    this.probeTimer.unref()
  }

  private stopProbe (): void {
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer)
    this.probeTimer = undefined
  }

  /** Like timed(), without degrading (the store already is). */
  private async timedQuiet<T> (op: RedisOp, fn: () => Promise<T>): Promise<T> {
    const start = performance.now()
    try {
      const result = await fn()
      this.deps.metrics?.redisLatency?.(op, (performance.now() - start) / 1000)
      return result
    } catch (err) {
      this.deps.metrics?.redisError?.(op)
      this.lastError = err instanceof Error ? err.message : String(err)
      throw err
    }
  }

  /** After (re)connection: republish if Redis is a new server, flush the buffer, then go up. */
  private async recover (): Promise<void> {
    if (this.closed) return
    if (this.recovering !== undefined) return await this.recovering
    this.recovering = (async () => {
      try {
        await this.republishIfNewServer()
        if (await this.flush()) this.setUp()
      } catch (err) {
        this.deps.logger.debug({ redis: this.target, err: err instanceof Error ? err.message : String(err) }, 'affinity store: recovery attempt failed')
        if (this.state !== 'down') this.setDown(`recovery failed: ${err instanceof Error ? err.message : String(err)}`)
      } finally {
        this.recovering = undefined
      }
    })()
    await this.recovering
  }

  private async republishIfNewServer (): Promise<void> {
    let info: string
    try {
      info = await this.timedQuiet('ping', () => this.client.info('server'))
    } catch (err) {
      // An ACL user without INFO (NOPERM) only loses the republishing; anything else (a timeout,
      // a closed connection) fails the recovery.
      if (err instanceof Error && err.name === 'ReplyError') return
      throw err
    }
    const runId = /^run_id:(\S+)/m.exec(info)?.[1]
    const previous = this.runId
    this.runId = runId
    if (previous === undefined || runId === undefined || runId === previous) return
    const now = Date.now()
    let pipe = this.client.pipeline()
    let inPipe = 0
    let total = 0
    const batch = this.tuning.flushBatch
    for (const [queryId, route, expireAt] of this.cache.entries(now)) {
      if (expireAt <= now) continue
      this.writeQuery(pipe, { kind: 'query', key: `q:${queryId}`, queryId, value: encodeQueryRoute(route), expireAt }, true)
      inPipe++
      total++
      if (inPipe >= batch) {
        checkExec(await this.timedQuiet('republish', () => pipe.exec()))
        pipe = this.client.pipeline()
        inPipe = 0
      }
    }
    if (inPipe > 0) checkExec(await this.timedQuiet('republish', () => pipe.exec()))
    this.deps.logger.info({ redis: this.target, republished: total }, 'affinity store: Redis is a new server (restarted or failed over), republished cached query routes')
  }

  /** Writes the buffer to Redis in order, in pipelines. Resolves false if Redis failed meanwhile. */
  private async flush (): Promise<boolean> {
    let flushed = 0
    while (this.buffer.size > 0) {
      const batch: PendingOp[] = []
      for (const [key, op] of this.buffer) {
        batch.push(op)
        this.buffer.delete(key)
        if (batch.length >= this.tuning.flushBatch) break
      }
      try {
        await this.writeBatch(batch)
        flushed += batch.length
      } catch (err) {
        // Put back what no newer write replaced; a later recovery retries.
        for (const op of batch) if (!this.buffer.has(op.key)) this.buffer.set(op.key, op)
        this.deps.metrics?.bufferSize?.(this.buffer.size)
        this.lastError = err instanceof Error ? err.message : String(err)
        this.deps.logger.debug({ redis: this.target, err: this.lastError }, 'affinity store: flush interrupted')
        return false
      }
    }
    if (flushed > 0) {
      this.deps.logger.info({ redis: this.target, flushed }, 'affinity store: flushed writes buffered while Redis was unreachable')
      this.deps.metrics?.bufferSize?.(0)
    }
    return true
  }

  private async writeBatch (batch: PendingOp[]): Promise<void> {
    // A delete buffered without knowing its cluster needs the stored route to trim the cluster set.
    const unknown = batch.filter((op): op is Extract<PendingOp, { kind: 'tx-del' }> => op.kind === 'tx-del' && op.cluster === undefined)
    const clusterOf = new Map<string, string>()
    if (unknown.length > 0) {
      const values = await this.timedQuiet('flush', () => this.client.mget(unknown.map((op) => op.key)))
      unknown.forEach((op, i) => {
        const value = values[i]
        const route = value === null || value === undefined ? undefined : decodeTransactionRoute(value)
        if (route !== undefined) clusterOf.set(op.key, route.cluster)
      })
    }
    const now = Date.now()
    const pipe = this.client.pipeline()
    let commands = 0
    for (const op of batch) {
      if (op.kind === 'query') {
        if (op.expireAt <= now) continue
        this.writeQuery(pipe, op)
        commands++
      } else if (op.kind === 'tx') {
        const ttl = op.expireAt - now
        if (ttl <= 0) continue
        const clusterKey = this.tcKey(op.cluster)
        pipe.set(op.key, op.value, 'PX', ttl).zadd(clusterKey, op.expireAt, op.txId).pexpire(clusterKey, this.txTtlMs)
        commands += 3
      } else {
        pipe.del(op.key)
        commands++
        const cluster = op.cluster ?? clusterOf.get(op.key)
        if (cluster !== undefined) {
          pipe.zrem(this.tcKey(cluster), op.txId)
          commands++
        }
      }
    }
    if (commands === 0) return
    checkExec(await this.timedQuiet('flush', () => pipe.exec()))
  }
}

/**
 * Trino and Presto query ids (`YYYYMMdd_HHmmss_NNNNN_ccccc`) are kept in one hash per minute of
 * their timestamp: `qm:{YYYYMMdd_HHmm}` → field `ss_NNNNN_ccccc`. A hash of up to 128 entries is a
 * listpack in Redis (~60 bytes a query) and a bigger one still saves the per-key overhead
 * (~120 bytes a query), where one key per query with a TTL costs ~200. Any other id gets its own
 * key `q:{id}`.
 */
const TRINO_QUERY_ID = /^(\d{8}_\d{4})(\d{2}_\d{5}_[a-z0-9]{5})$/

function queryLocation (prefix: string, queryId: string): { key: string, field: string } | { key: string } {
  const m = TRINO_QUERY_ID.exec(queryId)
  if (m?.[1] !== undefined && m[2] !== undefined) return { key: `${prefix}qm:${m[1]}`, field: m[2] }
  return { key: `${prefix}q:${queryId}` }
}

/**
 * HSET the field, then make the hash live at least ARGV[3] ms more (expiry only ever extended:
 * every route in the bucket keeps its own TTL). With ARGV[4] = 1 the field is only set if absent.
 * The expiry that readers honour is the route's own (routedAt + TTL); the hash's is reclamation.
 */
const PUT_QUERY_LUA = `
if ARGV[4] == '1' then
  redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local want = tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < want then
  redis.call('PEXPIRE', KEYS[1], want)
end
return 1
`

interface PutQueryCommand {
  phgPutQuery(key: string, field: string, value: string, ttlMs: number, nx: 0 | 1): Promise<unknown>
}

/** The results of a MULTI/EXEC or pipeline, or the first error in them. */
function checkExec (results: Array<[Error | null, unknown]> | null): unknown[] {
  if (results === null) throw new Error('transaction aborted')
  return results.map(([err, value]) => {
    if (err !== null) throw err
    return value
  })
}
