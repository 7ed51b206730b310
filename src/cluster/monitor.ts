import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { ClusterConfig, Config } from '../config/index.js'
import type { Pool } from 'undici'
import type { UpstreamPools } from './upstream-pools.js'
import { checkHealth, pollLoad, describeError, type UiSession } from './probes.js'
import type { Observation, LoadSnapshot } from './coordinator-status.js'

interface Target {
  cluster: ClusterConfig
  name: string
  url: string
  session: UiSession
  timer: NodeJS.Timeout | undefined
  inFlight: AbortController | undefined
  stopped: boolean
  /** consecutive failed checks */
  failStreak: number
  /** poll at the fast interval until then (a newly elected primary waiting for its workers) */
  hurryUntil: number
  startedAt: number
  /** a connection dropped while a round was in flight: the next round comes at the fast interval */
  recheck: boolean
  /** connections opened to the coordinator so far */
  connects: number
  /** consecutive rounds that had to open a connection: the coordinator does not keep them */
  reconnectStreak: number
  rounds: number
  /** as last read from /v1/info/state */
  shuttingDown: boolean
  /** the pool whose dropped connections this target listens to */
  pool: Pool | undefined
}

export interface MonitorEvents {
  observation: [cluster: string, coordinator: string, o: Observation]
  load: [cluster: string, coordinator: string, load: LoadSnapshot | undefined, error: string | undefined]
}

/**
 * A standby's load and `/v1/info/state` are read every this many rounds (its `/v1/info` every
 * round): they matter once it is elected, and the election polls it closely at once (`hurry`).
 * This keeps the idle cost of many standbys low.
 */
const STANDBY_DETAIL_EVERY = 5

/**
 * Polls every coordinator on its own timer, so a hung or slow coordinator only ever delays itself.
 * Each round is bounded by health.timeoutMs through an AbortSignal; timers are unref'd so a
 * monitor never holds the process open.
 */
export class Monitor extends EventEmitter<MonitorEvents> {
  private readonly targets = new Map<string, Target>()
  private health: Config['health']
  private closed = false

  constructor (
    private readonly pools: UpstreamPools,
    health: Config['health'],
    private readonly logger: Logger,
    /** whether the coordinator is its cluster's primary, or its cluster has none yet */
    private readonly primaryOrUndecided: (cluster: string, coordinator: string) => boolean = () => true
  ) {
    super()
    this.health = health
  }

  /** Starts, keeps or stops loops so that exactly the given clusters' coordinators are polled. */
  setClusters (clusters: readonly ClusterConfig[], health: Config['health'] = this.health): void {
    this.health = health
    const wanted = new Map<string, { cluster: ClusterConfig, name: string, url: string }>()
    for (const c of clusters) {
      for (const k of c.coordinators) wanted.set(`${c.name}/${k.name}`, { cluster: c, name: k.name, url: k.url })
    }
    for (const [key, t] of this.targets) {
      const w = wanted.get(key)
      if (w === undefined || w.url !== t.url) {
        this.stop(t)
        this.targets.delete(key)
      } else {
        t.cluster = w.cluster
      }
    }
    for (const [key, w] of wanted) {
      if (this.targets.has(key)) continue
      const t: Target = { ...w, session: { cookie: undefined }, timer: undefined, inFlight: undefined, stopped: false, failStreak: 0, hurryUntil: 0, startedAt: 0, recheck: false, connects: 0, reconnectStreak: 0, rounds: 0, shuttingDown: false, pool: undefined }
      this.targets.set(key, t)
      if (!this.closed) this.schedule(t, 0)
    }
  }

  /** Checks one coordinator now (a forward to it just failed): confirms or clears the suspicion fast. */
  checkNow (cluster: string, coordinator: string): void {
    const t = this.targets.get(`${cluster}/${coordinator}`)
    if (t === undefined || t.stopped || t.inFlight !== undefined) return
    this.schedule(t, 0)
  }

  /**
   * A coordinator just became primary: poll it at the fast interval until it has `minWorkers`
   * workers (the discovery proxy sends it their latest announcements at once; otherwise they come
   * with their next ones), so its first query does not wait for a whole interval after they are
   * there. Bounded in time.
   */
  hurry (cluster: string, coordinator: string, forMs = 30_000): void {
    const t = this.targets.get(`${cluster}/${coordinator}`)
    if (t === undefined || t.stopped) return
    t.hurryUntil = Date.now() + forMs
    if (t.inFlight === undefined) this.schedule(t, 0)
  }

  private fastMs (): number {
    return Math.min(this.health.intervalMs, this.health.fastIntervalMs)
  }

  /**
   * A keep-alive connection to the coordinator closed. A killed process or host closes them all at
   * once, long before the next check is due: check at the fast interval rather than at the next
   * one (servers also close idle connections in normal operation, which costs one extra check).
   */
  private onDisconnect (t: Target): void {
    // A coordinator (or a proxy in front of it) that closes every connection would otherwise be
    // checked at the fast interval for ever: for it, dropped connections say nothing.
    if (t.stopped || this.closed || t.reconnectStreak >= 2) return
    if (t.inFlight !== undefined) {
      t.recheck = true
      return
    }
    this.schedule(t, Math.max(0, this.fastMs() - (Date.now() - t.startedAt)))
  }

  private schedule (t: Target, delay: number): void {
    if (t.timer !== undefined) clearTimeout(t.timer)
    t.timer = setTimeout(() => { this.round(t).catch((err) => this.logger.error({ err }, 'monitor round failed')) }, delay)
    t.timer.unref()
  }

  private async round (t: Target): Promise<void> {
    t.timer = undefined
    if (t.stopped) return
    const started = Date.now()
    t.startedAt = started
    const connectsBefore = t.connects
    const ac = new AbortController()
    t.inFlight = ac
    const timeout = setTimeout(() => ac.abort(), this.health.timeoutMs)
    timeout.unref()
    try {
      const pool = this.pools.get(t.url, 'monitor')
      if (pool !== t.pool) {
        t.pool = pool
        pool.on('disconnect', () => { this.onDisconnect(t) })
        pool.on('connect', () => { t.connects++ })
      }
      const detail = t.rounds++ % STANDBY_DETAIL_EVERY === 0 || started < t.hurryUntil || this.primaryOrUndecided(t.cluster.name, t.name)
      const [obs] = await Promise.all([
        checkHealth(pool, ac.signal, detail ? undefined : t.shuttingDown),
        // Standbys are polled too, so a standby's workers are known before it is promoted.
        detail && this.pollLoad(t, pool, ac.signal)
      ])
      t.failStreak = obs.kind === 'failed' ? t.failStreak + 1 : 0
      if (obs.kind === 'ok') t.shuttingDown = obs.shuttingDown
      if (!t.stopped) this.emit('observation', t.cluster.name, t.name, obs)
    } finally {
      clearTimeout(timeout)
      t.inFlight = undefined
      // A failed check is confirmed (or cleared) at the fast interval, as HAProxy's fastinter:
      // `fall` failures then take about fall × fastIntervalMs instead of fall × intervalMs.
      t.reconnectStreak = t.connects > connectsBefore ? t.reconnectStreak + 1 : 0
      const fast = (t.failStreak > 0 && t.failStreak < this.health.fall) || (t.recheck && t.reconnectStreak < 2) || Date.now() < t.hurryUntil
      t.recheck = false
      if (!t.stopped) this.schedule(t, Math.max(0, (fast ? this.fastMs() : this.health.intervalMs) - (Date.now() - started)))
    }
  }

  private async pollLoad (t: Target, pool: Pool, signal: AbortSignal): Promise<void> {
    try {
      const load = await pollLoad(pool, t.cluster, t.session, signal, Date.now)
      if (load.activeWorkers >= t.cluster.minWorkers) t.hurryUntil = 0
      if (!t.stopped) this.emit('load', t.cluster.name, t.name, load, undefined)
    } catch (err) {
      if (!t.stopped) this.emit('load', t.cluster.name, t.name, undefined, describeError(err))
    }
  }

  private stop (t: Target): void {
    t.stopped = true
    if (t.timer !== undefined) clearTimeout(t.timer)
    t.inFlight?.abort()
  }

  close (): void {
    this.closed = true
    for (const t of this.targets.values()) this.stop(t)
    this.targets.clear()
  }
}
