import type { GatewayContext } from '../gateway-context.js'
import type { ClusterRuntime } from '../cluster/cluster-runtime.js'
import type { EffectiveCluster } from '../cluster/effective-clusters.js'

export type ClusterState = 'active' | 'draining' | 'drained'

/**
 * A draining cluster is drained once its primary runs and queues nothing (as last polled) and the
 * gateway knows of no open transaction on it: from then on nothing is lost by stopping it.
 */
export function clusterState (rt: ClusterRuntime, openTransactions: number): ClusterState {
  if (rt.adminState === 'active') return 'active'
  const load = rt.primaryStatus()?.load
  // A poll from before the drain began may predate the last query sent there.
  const fresh = load !== undefined && load.polledAt > (rt.drainingSince ?? 0)
  const idle = fresh
    ? load.runningQueries + load.queuedQueries + load.blockedQueries === 0
    : rt.primaryStatus()?.health === 'down'
  return idle && openTransactions === 0 ? 'drained' : 'draining'
}

export async function clusterView (ctx: GatewayContext, rt: ClusterRuntime, eff: EffectiveCluster | undefined) {
  const openTransactions = await ctx.store.openTransactions(rt.config.name)
  const e = ctx.registry.eligibility(rt)
  const f = rt.lastFailover
  return {
    name: rt.config.name,
    group: rt.config.group,
    state: clusterState(rt, openTransactions),
    eligible: e.ok,
    reason: e.ok ? null : e.detail,
    primary: rt.primary ?? null,
    epoch: rt.epoch,
    lastFailover: f === undefined ? null : { at: f.at, from: f.from ?? null, to: f.to, epoch: f.epoch, reason: f.reason },
    openTransactions,
    source: eff?.source ?? 'file',
    fieldSources: eff?.fields ?? {},
    // The monitor password is a credential: the API never shows it.
    config: rt.config.monitor?.password === undefined ? rt.config : { ...rt.config, monitor: { ...rt.config.monitor, password: '[redacted]' } },
    coordinators: rt.ordered().map((s) => ({
      name: s.name,
      url: s.url,
      externalUrl: s.externalUrl,
      role: rt.primary === s.name ? 'primary' as const : 'standby' as const,
      health: s.health,
      shuttingDown: s.shuttingDown,
      lastCheckAt: s.lastCheckAt ?? null,
      lastSuccessAt: s.lastSuccessAt ?? null,
      lastError: s.lastError ?? null,
      load: s.load ?? null
    }))
  }
}
