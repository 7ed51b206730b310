// Switchover: an operator moves a cluster's primary to a named coordinator that is up.
//
// Graceful (default): new queries stop going to the cluster (every replica: the 'switching' hold
// travels through Redis), the old primary's polled load is awaited until it runs and queues
// nothing, then the new primary is installed through the authority's agreement path (the Redis CAS,
// or a direct install with the in-memory store) and discovery follows it. The new primary takes
// queries once it has minWorkers (registry.eligibility: 'failing-over' meanwhile). A live old
// coordinator keeps the workers it knew until their announcements expire (~30 s) — harmless only
// because it runs nothing by then, which is why the graceful variant waits.
// Immediate: installs at once.
import type { GatewayContext } from '../gateway-context.js'
import type { ClusterRuntime } from './cluster-runtime.js'
import type { LoadSnapshot } from './coordinator-status.js'
import { canLead, electPrimary } from './primary-election.js'
import {
  CoordinatorNotUpError, SwitchoverAbortedError, SwitchoverInProgressError, SwitchoverPolicyError,
  SwitchoverTimeoutError, UnknownClusterError, UnknownCoordinatorError
} from './ha-errors.js'

/** What an authority offers to move a primary on an operator's request. */
export interface PrimaryMover {
  /** installs `to` through the agreement path; resolves with the primary and epoch agreed after it */
  movePrimary(cluster: string, to: string, reason: string): Promise<{ primary: string | undefined, epoch: number }>
  /** holds (to) or releases (undefined) new queries to the cluster on every replica */
  announceSwitching(cluster: string, to: string | undefined): Promise<void>
}

export interface SwitchoverOptions {
  /** install at once instead of waiting for the old primary to be idle */
  immediate?: boolean
  /** graceful: give up (and release the hold) after this long (default 300000 ms) */
  timeoutMs?: number
  signal?: AbortSignal
  /** who asked (admin token name), for the logs */
  by?: string
}

export interface SwitchoverResult {
  cluster: string
  from: string | undefined
  to: string
  epoch: number
  immediate: boolean
  /** graceful: how long new queries were held */
  heldMs: number
  /** the coordinator already was the primary: nothing done */
  unchanged: boolean
}

function isMover (a: unknown): a is PrimaryMover {
  return typeof (a as Partial<PrimaryMover>).movePrimary === 'function' && typeof (a as Partial<PrimaryMover>).announceSwitching === 'function'
}

/** The authority's mover, or the single gateway's: install directly, hold locally. */
export function primaryMover (ctx: GatewayContext): PrimaryMover {
  if (isMover(ctx.authority)) return ctx.authority
  return {
    async movePrimary (cluster, to, reason) {
      const rt = ctx.registry.get(cluster)
      if (rt === undefined) throw new UnknownClusterError(cluster)
      if (rt.primary !== to) ctx.registry.installPrimary(cluster, to, rt.epoch + 1, reason)
      return { primary: rt.primary, epoch: rt.epoch }
    },
    async announceSwitching (cluster, to) { ctx.registry.setSwitching(cluster, to) }
  }
}

function checkTarget (rt: ClusterRuntime, coordinator: string): void {
  const s = rt.statuses.get(coordinator)
  if (s === undefined) throw new UnknownCoordinatorError(rt.config.name, coordinator)
  if (!canLead(s) || s.suspect) {
    throw new CoordinatorNotUpError(coordinator, rt.config.name, s.suspect ? 'unreachable' : s.shuttingDown ? 'shutting down' : s.health)
  }
}

export async function switchover (ctx: GatewayContext, cluster: string, coordinator: string, opts: SwitchoverOptions = {}): Promise<SwitchoverResult> {
  const rt = ctx.registry.get(cluster)
  if (rt === undefined) throw new UnknownClusterError(cluster)
  if (!rt.statuses.has(coordinator)) throw new UnknownCoordinatorError(cluster, coordinator)
  const immediate = opts.immediate === true
  const kind = immediate ? 'immediate' : 'graceful'
  const from = rt.primary
  if (from === coordinator) return { cluster, from, to: coordinator, epoch: rt.epoch, immediate, heldMs: 0, unchanged: true }
  checkTarget(rt, coordinator)
  if (rt.config.failback === 'prefer-first') {
    const first = electPrimary(rt.ordered(), undefined, 'prefer-first')
    if (first !== undefined && first !== coordinator) throw new SwitchoverPolicyError(cluster, first, first)
  }
  const busy = rt.switchoverTarget
  if (busy !== undefined) throw new SwitchoverInProgressError(cluster, busy)
  rt.switchoverTarget = coordinator

  const mover = primaryMover(ctx)
  const log = ctx.logger.child({ cluster, from, to: coordinator, kind, by: opts.by })
  const started = Date.now()
  let held = false
  try {
    if (!immediate) {
      log.info('switchover: holding new queries until the primary runs and queues nothing')
      held = true
      await mover.announceSwitching(cluster, coordinator)
      await waitIdle(ctx, rt, from, opts.timeoutMs ?? 300_000, opts.signal, async () => { await mover.announceSwitching(cluster, coordinator) })
      if (rt.primary !== from) throw new SwitchoverAbortedError(cluster, `the primary changed to ${rt.primary ?? 'none'} meanwhile`)
      checkTarget(rt, coordinator)
    }
    const agreed = await mover.movePrimary(cluster, coordinator, immediate ? 'switchover (immediate)' : 'switchover')
    if (agreed.primary !== coordinator) throw new SwitchoverAbortedError(cluster, `the replicas agreed on ${agreed.primary ?? 'none'} instead`)
    const heldMs = held ? Date.now() - started : 0
    log.info({ epoch: agreed.epoch, heldMs }, 'switchover done')
    ctx.metrics.switchovers.inc({ cluster, kind, result: 'done' })
    return { cluster, from, to: coordinator, epoch: agreed.epoch, immediate, heldMs, unchanged: false }
  } catch (err) {
    ctx.metrics.switchovers.inc({ cluster, kind, result: 'failed' })
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'switchover failed')
    throw err
  } finally {
    rt.switchoverTarget = undefined
    if (held) await mover.announceSwitching(cluster, undefined).catch(() => { ctx.registry.setSwitching(cluster, undefined) })
  }
}

function idle (load: LoadSnapshot | undefined): boolean {
  return load !== undefined && load.runningQueries === 0 && load.queuedQueries === 0 && load.blockedQueries === 0
}

function describeLoad (load: LoadSnapshot | undefined): string {
  return load === undefined ? 'load unknown' : `${load.runningQueries} running, ${load.queuedQueries} queued`
}

/**
 * Resolves once the old primary is idle in a load poll made at least one health interval after the
 * hold began (a client redirected just before the hold has reached it by then), or at once when it
 * is not up (what it ran is lost anyway). Event-driven on the monitor's load polls.
 */
async function waitIdle (ctx: GatewayContext, rt: ClusterRuntime, primary: string | undefined, timeoutMs: number, signal: AbortSignal | undefined, refresh: () => Promise<void>): Promise<void> {
  const s = primary === undefined ? undefined : rt.statuses.get(primary)
  if (s === undefined) return
  const cluster = rt.config.name
  const heldAt = Date.now()
  const settleMs = Math.min(ctx.config.health.intervalMs, 1000)
  const done = (): boolean => s.health !== 'up' || (idle(s.load) && (s.load?.polledAt ?? 0) >= heldAt + settleMs)
  if (done()) return
  await new Promise<void>((resolve, reject) => {
    let lastRefresh = Date.now()
    const onLoad = (c: string, k: string): void => {
      if (c !== cluster) return
      if (k === s.name && done()) {
        finish()
        resolve()
        return
      }
      if (Date.now() - lastRefresh >= 5000) {
        lastRefresh = Date.now()
        refresh().catch(() => {})
      }
    }
    const onAbort = (): void => {
      finish()
      reject(new SwitchoverAbortedError(cluster, 'cancelled'))
    }
    const timer = setTimeout(() => {
      finish()
      reject(new SwitchoverTimeoutError(cluster, s.name, timeoutMs, describeLoad(s.load)))
    }, timeoutMs)
    timer.unref()
    const finish = (): void => {
      clearTimeout(timer)
      ctx.monitor.off('load', onLoad)
      ctx.monitor.off('observation', onLoad)
      signal?.removeEventListener('abort', onAbort)
    }
    // Loads arrive before the observation of the same round; health changes come with observations.
    ctx.monitor.on('load', onLoad)
    ctx.monitor.on('observation', onLoad)
    if (signal?.aborted === true) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
  })
}
