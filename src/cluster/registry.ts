import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { ClusterConfig, Config } from '../config/index.js'
import { ClusterRuntime, type AdminState } from './cluster-runtime.js'
import { applyObservation, acceptsNewQueries, type CoordinatorStatus, type Health, type LoadSnapshot, type Observation } from './coordinator-status.js'
import { electPrimary } from './primary-election.js'

export interface PrimaryChange {
  cluster: string
  from: string | undefined
  to: string
  epoch: number
  reason: string
  /** ms from the old primary's first failed check to this change, when a failure caused it */
  detectionMs: number | undefined
}

export interface RegistryEvents {
  health: [cluster: string, coordinator: string, from: Health, to: Health]
  primary: [change: PrimaryChange]
  /** the registry wants this primary; an authority decides (see PrimaryAuthority) */
  proposal: [cluster: string, from: string | undefined, to: string, reason: string]
}

export type Ineligible = 'draining' | 'switching' | 'no-primary' | 'primary-down' | 'shutting-down' | 'no-workers' | 'failing-over' | 'load-unknown'

export type Eligibility =
  | { ok: true, primary: CoordinatorStatus, running: number, queued: number, workers: number, capacity: number }
  | { ok: false, reason: Ineligible, detail: string }

/**
 * Every cluster this replica routes to, with each coordinator's status and the cluster's primary.
 * The registry decides which primary it *wants*; who installs it is the primary authority's call
 * (alone with the in-memory store, by agreement through Redis with replicas).
 */
export class ClusterRegistry extends EventEmitter<RegistryEvents> {
  private readonly runtimes = new Map<string, ClusterRuntime>()
  /** cluster → coordinator a graceful switchover is moving the primary to (src/cluster/switchover.ts) */
  private readonly switching = new Map<string, string>()
  private health: Config['health']

  constructor (clusters: readonly ClusterConfig[], health: Config['health'], private readonly logger: Logger, private readonly now: () => number = Date.now) {
    super()
    this.health = health
    this.setClusters(clusters, health)
  }

  setClusters (clusters: readonly ClusterConfig[], health: Config['health'] = this.health): void {
    this.health = health
    const names = new Set(clusters.map((c) => c.name))
    for (const name of this.runtimes.keys()) if (!names.has(name)) this.runtimes.delete(name)
    for (const c of clusters) {
      const rt = this.runtimes.get(c.name)
      if (rt === undefined) this.runtimes.set(c.name, new ClusterRuntime(c))
      else rt.reconfigure(c)
    }
  }

  get (name: string): ClusterRuntime | undefined {
    return this.runtimes.get(name)
  }

  all (): IterableIterator<ClusterRuntime> {
    return this.runtimes.values()
  }

  /** A coordinator status by name, in any cluster (names are unique across clusters). */
  coordinator (name: string): CoordinatorStatus | undefined {
    for (const rt of this.runtimes.values()) {
      const s = rt.statuses.get(name)
      if (s !== undefined) return s
    }
    return undefined
  }

  staleAfterMs (): number {
    return this.health.fall * this.health.intervalMs + this.health.timeoutMs
  }

  observe (cluster: string, coordinator: string, o: Observation): void {
    const rt = this.runtimes.get(cluster)
    const s = rt?.statuses.get(coordinator)
    if (rt === undefined || s === undefined) return
    const now = this.now()
    const before = s.health
    const after = applyObservation(s, o, now, this.health.rise, this.health.fall)
    if (rt.primary === coordinator) {
      if (o.kind !== 'ok' && rt.primaryFailingSince === undefined) rt.primaryFailingSince = now
      if (o.kind === 'ok' && after === 'up') rt.primaryFailingSince = undefined
    }
    if (before !== after) {
      this.logger.info({ cluster, coordinator, from: before, to: after, error: s.lastError }, 'coordinator health changed')
      this.emit('health', cluster, coordinator, before, after)
    }
    this.reconsider(rt)
  }

  observeLoad (cluster: string, coordinator: string, load: LoadSnapshot | undefined, error: string | undefined): void {
    const rt = this.runtimes.get(cluster)
    const s = rt?.statuses.get(coordinator)
    if (rt === undefined || s === undefined) return
    if (load !== undefined) {
      s.load = load
      s.loadError = undefined
      if (rt.primary === coordinator) rt.sentSinceLastPoll = 0
    } else {
      s.loadError = error
    }
  }

  /** A forward to this coordinator failed before it answered: stop sending it new queries now. */
  markSuspect (cluster: string, coordinator: string, reason: string): void {
    const rt = this.runtimes.get(cluster)
    const s = rt?.statuses.get(coordinator)
    if (rt === undefined || s === undefined || s.suspect) return
    s.suspect = true
    s.lastError = reason
    if (rt.primary === coordinator && rt.primaryFailingSince === undefined) rt.primaryFailingSince = this.now()
    this.logger.warn({ cluster, coordinator, reason }, 'forward failed; coordinator takes no new queries until its next successful check')
  }

  /** Re-runs the election for a cluster; emits a proposal when it wants another primary. */
  reconsider (rt: ClusterRuntime): void {
    const want = electPrimary(rt.ordered(), rt.primary, rt.config.failback)
    if (want === undefined || want === rt.primary) return
    if (rt.primary === undefined) {
      // At start, wait until every coordinator ahead of the candidate has answered once, so the
      // priority order decides and not whichever coordinator happened to answer first.
      for (const s of rt.ordered()) {
        if (s.name === want) break
        if (s.lastCheckAt === undefined) return
      }
    }
    const reason = rt.primary === undefined
      ? 'initial'
      : (rt.primaryStatus()?.health === 'up' && rt.primaryStatus()?.shuttingDown !== true ? 'failback' : `primary ${rt.primaryStatus()?.shuttingDown === true ? 'shutting down' : (rt.primaryStatus()?.health ?? 'gone')}`)
    this.emit('proposal', rt.config.name, rt.primary, want, reason)
  }

  /** Installs an agreed primary (from the local authority or from Redis). Epochs never go down. */
  installPrimary (cluster: string, to: string, epoch: number, reason: string): boolean {
    const rt = this.runtimes.get(cluster)
    if (rt === undefined || !rt.statuses.has(to) || epoch < rt.epoch) return false
    if (rt.primary === to && rt.epoch === epoch) return false
    const from = rt.primary
    const now = this.now()
    const detectedFrom = from !== undefined && from !== to ? rt.primaryFailingSince : undefined
    rt.primary = to
    rt.epoch = epoch
    rt.primaryFailingSince = undefined
    rt.sentSinceLastPoll = 0
    if (from !== to) {
      rt.lastFailover = { at: now, from, to, epoch, reason, detectedFrom, firstRoutedAt: undefined }
      const change: PrimaryChange = { cluster, from, to, epoch, reason, detectionMs: detectedFrom === undefined ? undefined : now - detectedFrom }
      this.logger.warn({ event: 'election', ...change }, from === undefined ? 'primary elected' : 'primary changed')
      this.emit('primary', change)
    }
    return true
  }

  setAdminState (cluster: string, state: AdminState): boolean {
    const rt = this.runtimes.get(cluster)
    if (rt === undefined) return false
    if (state === 'draining' && rt.adminState !== 'draining') rt.drainingSince = this.now()
    if (state === 'active') rt.drainingSince = undefined
    rt.adminState = state
    return true
  }

  /** A graceful switchover stops new queries to the cluster until the new primary is installed. */
  setSwitching (cluster: string, to: string | undefined): void {
    if (to === undefined) this.switching.delete(cluster)
    else this.switching.set(cluster, to)
  }

  switchingTo (cluster: string): string | undefined {
    return this.switching.get(cluster)
  }

  eligibility (rt: ClusterRuntime, now = this.now()): Eligibility {
    if (rt.adminState !== 'active') return { ok: false, reason: 'draining', detail: `${rt.config.name} is draining` }
    const switchingTo = this.switching.get(rt.config.name)
    if (switchingTo !== undefined && switchingTo !== rt.primary) return { ok: false, reason: 'switching', detail: `${rt.config.name} is switching its primary from ${rt.primary ?? 'none'} to ${switchingTo}` }
    const p = rt.primaryStatus()
    if (p === undefined) return { ok: false, reason: 'no-primary', detail: `${rt.config.name} has no coordinator up` }
    if (p.shuttingDown) return { ok: false, reason: 'shutting-down', detail: `${rt.config.name}'s primary ${p.name} is shutting down` }
    if (!acceptsNewQueries(p, now, this.staleAfterMs())) {
      return { ok: false, reason: 'primary-down', detail: `${rt.config.name}'s primary ${p.name} is ${p.suspect ? 'unreachable' : p.health}` }
    }
    const minWorkers = rt.config.minWorkers
    if (p.load === undefined) {
      if (minWorkers > 0) return { ok: false, reason: 'load-unknown', detail: `${rt.config.name}'s load is unknown (${p.loadError ?? 'not polled yet'})` }
    }
    const workers = p.load?.activeWorkers ?? 0
    if (workers < minWorkers) {
      const failingOver = rt.lastFailover !== undefined && rt.lastFailover.firstRoutedAt === undefined && rt.lastFailover.from !== undefined
      return failingOver
        ? { ok: false, reason: 'failing-over', detail: `${rt.config.name} is failing over to ${p.name} (${workers} of ${minWorkers} workers so far)` }
        : { ok: false, reason: 'no-workers', detail: `${rt.config.name} has ${workers} active workers (minWorkers ${minWorkers})` }
    }
    const capacity = Math.max(workers, 1) * rt.config.weight
    return { ok: true, primary: p, running: p.load?.runningQueries ?? 0, queued: p.load?.queuedQueries ?? 0, workers, capacity }
  }

  /** Called once a query is routed to a cluster: feeds the load score and the failover timer. */
  noteRouted (rt: ClusterRuntime, now = this.now()): number | undefined {
    rt.sentSinceLastPoll++
    const f = rt.lastFailover
    if (f !== undefined && f.firstRoutedAt === undefined) {
      f.firstRoutedAt = now
      if (f.detectedFrom !== undefined) return now - f.detectedFrom
    }
    return undefined
  }
}
