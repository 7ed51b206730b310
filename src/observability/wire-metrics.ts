import type { GatewayContext } from '../gateway-context.js'

const HEALTH_STATES = ['up', 'down', 'starting', 'unknown'] as const

/** Counters move as events happen; gauges that mirror state are filled by the returned function at scrape time. */
export function wireMetrics (ctx: GatewayContext): () => void {
  const m = ctx.metrics
  ctx.registry.on('primary', (c) => m.failovers.inc({ cluster: c.cluster, reason: c.from === undefined ? 'initial' : c.reason }))
  const collect = (): void => {
    m.coordinatorUp.reset()
    m.coordinatorHealth.reset()
    m.primary.reset()
    m.clusterWorkers.reset()
    m.clusterLoad.reset()
    for (const rt of ctx.registry.all()) {
      const cluster = rt.config.name
      m.epoch.set({ cluster }, rt.epoch)
      m.clusterActive.set({ cluster }, rt.adminState === 'active' ? 1 : 0)
      for (const s of rt.statuses.values()) {
        m.coordinatorUp.set({ cluster, coordinator: s.name }, s.health === 'up' ? 1 : 0)
        for (const h of HEALTH_STATES) m.coordinatorHealth.set({ cluster, coordinator: s.name, state: h }, s.health === h ? 1 : 0)
        m.primary.set({ cluster, coordinator: s.name }, rt.primary === s.name ? 1 : 0)
        if (s.load !== undefined) m.clusterWorkers.set({ cluster, coordinator: s.name }, s.load.activeWorkers)
      }
      const load = rt.primaryStatus()?.load
      if (load !== undefined) {
        m.clusterLoad.set({ cluster, state: 'running' }, load.runningQueries)
        m.clusterLoad.set({ cluster, state: 'queued' }, load.queuedQueries)
        m.clusterLoad.set({ cluster, state: 'blocked' }, load.blockedQueries)
      }
    }
    if (ctx.store.kind === 'redis') m.redisUp.set(ctx.store.healthy() ? 1 : 0)
  }
  return collect
}
