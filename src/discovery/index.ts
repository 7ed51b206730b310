import type { GatewayContext } from '../gateway-context.js'
import { DiscoveryProxies } from './proxy.js'

export { DiscoveryProxies } from './proxy.js'
export type { DiscoveryProxyDeps, DiscoveryResult, DiscoveryTarget } from './proxy.js'

/** The gateway's discovery listeners: upstream = the registry's agreed primary of each cluster. */
export function discoveryProxies (ctx: Pick<GatewayContext, 'config' | 'logger' | 'registry' | 'monitor' | 'metrics'>): DiscoveryProxies {
  const proxies = new DiscoveryProxies({
    logger: ctx.logger,
    host: ctx.config.server.host,
    upstream: ctx.config.upstream,
    primaryOf: (cluster) => {
      const p = ctx.registry.get(cluster)?.primaryStatus()
      return p === undefined ? undefined : { name: p.name, url: p.url }
    },
    onResult: (cluster, result, coordinator, error) => {
      ctx.metrics.discoveryRequests.inc({ cluster, result })
      if (result === 'upstream-error' && coordinator !== undefined) {
        // A failed forward is an observation like a failed query forward: it feeds the votes.
        ctx.registry.markSuspect(cluster, coordinator, `discovery forward failed: ${error ?? 'no answer'}`)
        ctx.monitor.checkNow(cluster, coordinator)
      }
    },
    onReplay: (cluster, _coordinator, sent, failed) => {
      ctx.metrics.discoveryRequests.inc({ cluster, result: 'replayed' }, sent)
      if (failed > 0) ctx.metrics.discoveryRequests.inc({ cluster, result: 'replay-failed' }, failed)
    }
  })
  // A new primary gets the workers' latest announcements at once (every replica sends those it saw).
  ctx.registry.on('primary', (c) => {
    if (c.from === undefined) return
    proxies.replay(c.cluster).catch((err: unknown) => { ctx.logger.error({ err, cluster: c.cluster }, 'sending announcements to the new primary failed') })
  })
  return proxies
}
