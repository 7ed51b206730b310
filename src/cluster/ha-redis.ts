// One Redis connection pair for the HA state (primaries, drains, runtime clusters): a command
// connection and a dedicated subscriber, built the way the affinity store builds its own
// (src/affinity/redis-store.ts): fail fast instead of queueing, reconnect forever, Sentinel aware.
//
// State: 'up' once a command answered on a ready connection; 'down' after a closed connection or a
// failed command. While down, a PING probe runs; the first success brings it back up. Every time it
// comes up, 'up' is emitted with `newServer` true when Redis's run_id changed (a restart — possibly
// empty — or a Sentinel failover): consumers then republish what they hold. The subscriber emits
// 'resync' whenever it (re)subscribes: messages may have been missed, consumers re-read their state.
import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import { describeRedisTarget } from '../affinity/redis-store.js'
import type { RedisStoreConfig } from '../affinity/types.js'

export interface HaRedisTuning {
  commandTimeoutMs: number
  connectTimeoutMs: number
  reconnectMaxDelayMs: number
  probeIntervalMs: number
}

export const HA_REDIS_DEFAULTS: HaRedisTuning = {
  commandTimeoutMs: 500,
  connectTimeoutMs: 2000,
  reconnectMaxDelayMs: 2000,
  probeIntervalMs: 500
}

export interface HaRedisMetrics {
  redisLatency?: (op: string, seconds: number) => void
  redisError?: (op: string) => void
}

export interface HaRedisDeps {
  logger: Logger
  metrics?: HaRedisMetrics | undefined
  tuning?: Partial<HaRedisTuning> | undefined
}

export interface HaRedisEvents {
  up: [newServer: boolean]
  down: [reason: string]
  resync: []
  message: [doc: Record<string, unknown>]
}

/** ioredis options shared by every HA connection (the affinity store's fail-fast settings). */
export function haRedisOptions (cfg: RedisStoreConfig, tuning: HaRedisTuning, connectionName: string): RedisOptions {
  const maxDelay = tuning.reconnectMaxDelayMs
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: tuning.commandTimeoutMs,
    connectTimeout: tuning.connectTimeoutMs,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 10), maxDelay),
    protocol: 2,
    connectionName,
    disableClientInfo: true
  }
  if (cfg.password !== undefined) options.password = cfg.password
  if (cfg.db !== undefined) options.db = cfg.db
  if (cfg.sentinels !== undefined && cfg.sentinels.length > 0) {
    options.sentinels = cfg.sentinels.map((s) => ({ host: s.host, port: s.port }))
    options.name = cfg.name ?? 'mymaster'
    if (cfg.sentinelPassword !== undefined) options.sentinelPassword = cfg.sentinelPassword
    options.sentinelRetryStrategy = (times) => Math.min(100 * times, maxDelay)
  }
  return options
}

function newClient (cfg: RedisStoreConfig, options: RedisOptions): Redis {
  if (cfg.sentinels !== undefined && cfg.sentinels.length > 0) return new Redis(options)
  if (cfg.url !== undefined) return new Redis(cfg.url, options)
  return new Redis(options)
}

export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The results of a MULTI/EXEC or pipeline, or the first error in them. */
export function checkExec (results: Array<[Error | null, unknown]> | null): unknown[] {
  if (results === null) throw new Error('transaction aborted')
  return results.map(([err, value]) => {
    if (err !== null) throw err
    return value
  })
}

export class HaRedis extends EventEmitter<HaRedisEvents> {
  readonly client: Redis
  readonly subscriber: Redis
  readonly prefix: string
  readonly target: string
  private readonly tuning: HaRedisTuning
  private state: 'starting' | 'up' | 'down' = 'starting'
  private runId: string | undefined
  private probeTimer: NodeJS.Timeout | undefined
  private checking: Promise<void> | undefined
  private lastError: string | undefined
  private closed = false
  private started = false
  private readonly waiters = new Set<(ok: boolean) => void>()

  /** `channel` is relative to the key prefix; `role` names the connections (CLIENT LIST). */
  constructor (cfg: RedisStoreConfig, readonly channelName: string, role: string, private readonly deps: HaRedisDeps) {
    super()
    this.prefix = cfg.keyPrefix ?? 'phg:'
    this.target = describeRedisTarget(cfg)
    this.tuning = { ...HA_REDIS_DEFAULTS, ...deps.tuning }
    this.client = newClient(cfg, haRedisOptions(cfg, this.tuning, `presto-ha-gateway-${role}`))
    // The subscriber only ever subscribes: it may queue its SUBSCRIBE until connected.
    this.subscriber = newClient(cfg, { ...haRedisOptions(cfg, this.tuning, `presto-ha-gateway-${role}-sub`), enableOfflineQueue: true, commandTimeout: undefined })
    this.client.on('ready', () => { this.check() })
    this.client.on('error', (err: Error) => { this.lastError = err.message })
    this.client.on('close', () => { if (!this.closed) this.setDown(`connection closed${this.lastError === undefined ? '' : ` (${this.lastError})`}`) })
    this.subscriber.on('error', () => { /* reconnects on its own; the command connection reports */ })
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).then(() => { if (!this.closed) this.emit('resync') }, () => {})
    })
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return
      let doc: unknown
      try { doc = JSON.parse(text) } catch { return }
      if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) this.emit('message', doc as Record<string, unknown>)
    })
  }

  get channel (): string { return `${this.prefix}${this.channelName}` }

  key (suffix: string): string { return `${this.prefix}${suffix}` }

  start (): void {
    if (this.started) return
    this.started = true
    this.client.connect().catch((err: unknown) => { this.lastError = errorMessage(err) })
    this.subscriber.connect().catch(() => {})
  }

  healthy (): boolean {
    return this.state === 'up'
  }

  /** Resolves true once Redis answered, false after timeoutMs (the caller carries on, degraded). */
  async ready (timeoutMs: number): Promise<boolean> {
    if (this.state === 'up') return true
    if (this.closed) return false
    return await new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer)
        this.waiters.delete(done)
        resolve(ok)
      }
      const timer = setTimeout(() => { done(false) }, timeoutMs)
      timer.unref()
      this.waiters.add(done)
    })
  }

  /** Runs a command, timed and counted; a failure marks Redis down (the probe brings it back). */
  async run<T> (op: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    const start = performance.now()
    try {
      const result = await fn(this.client)
      this.deps.metrics?.redisLatency?.(op, (performance.now() - start) / 1000)
      return result
    } catch (err) {
      this.deps.metrics?.redisError?.(op)
      this.lastError = errorMessage(err)
      // A script error (ReplyError) is a bug, not an outage.
      if (!(err instanceof Error && err.name === 'ReplyError')) this.setDown(`${op} failed: ${this.lastError}`)
      throw err
    }
  }

  async publish (doc: Record<string, unknown>): Promise<void> {
    await this.run('publish', async (c) => await c.publish(this.channel, JSON.stringify(doc)))
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopProbe()
    for (const w of [...this.waiters]) w(false)
    await Promise.all([this.client, this.subscriber].map(async (c) => {
      try {
        const bound = new Promise<never>((_resolve, reject) => setTimeout(reject, 1000, new Error('quit timed out')).unref())
        await Promise.race([c.quit(), bound])
      } catch {
        c.disconnect()
      }
    }))
  }

  /** Asks Redis who it is; comes up on an answer (once at a time). */
  private check (): void {
    if (this.closed || this.checking !== undefined) return
    this.checking = (async () => {
      // Yield first: the body must not finish (and clear `checking`) before `checking` is set.
      await Promise.resolve()
      try {
        let runId: string | undefined
        try {
          const info = await this.client.info('server')
          runId = /^run_id:(\S+)/m.exec(info)?.[1]
        } catch (err) {
          // An ACL user without INFO still works; it only loses the restart detection.
          if (!(err instanceof Error && err.name === 'ReplyError')) throw err
          await this.client.ping()
        }
        const newServer = this.runId !== undefined && runId !== undefined && runId !== this.runId
        if (runId !== undefined) this.runId = runId
        this.setUp(newServer)
      } catch (err) {
        this.lastError = errorMessage(err)
        this.setDown(`check failed: ${this.lastError}`)
      } finally {
        this.checking = undefined
      }
    })()
  }

  private setUp (newServer: boolean): void {
    if (this.closed) return
    const previous = this.state
    this.state = 'up'
    this.lastError = undefined
    this.stopProbe()
    for (const w of [...this.waiters]) w(true)
    if (previous === 'down') this.deps.logger.info({ redis: this.target, newServer }, `HA state (${this.channelName}): Redis reachable again`)
    this.emit('up', newServer)
  }

  private setDown (reason: string): void {
    if (this.closed) return
    this.startProbe()
    if (this.state === 'down') return
    this.state = 'down'
    this.deps.logger.warn({ redis: this.target, reason }, `HA state (${this.channelName}): Redis unreachable, keeping the last agreed state`)
    this.emit('down', reason)
  }

  private startProbe (): void {
    if (this.probeTimer !== undefined || this.closed) return
    this.probeTimer = setInterval(() => {
      // A closed connection comes back through 'ready'; this is for one that looks open but hung.
      if (this.client.status === 'ready') this.check()
    }, this.tuning.probeIntervalMs)
    this.probeTimer.unref()
  }

  private stopProbe (): void {
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer)
    this.probeTimer = undefined
  }
}
