import type { GatewayContext } from '../gateway-context.js'

/**
 * Election metrics, whatever the authority: every installed change is logged by the registry
 * (`event: 'election'`: cluster, from, to, epoch, reason, detectionMs) and counted by
 * phg_primary_changes_total; this adds the detection → election time. The election → first routed
 * query time is phg_failover_seconds (observed where the query is routed).
 */
export function wireElectionEvents (ctx: Pick<GatewayContext, 'registry' | 'metrics'>): void {
  ctx.registry.on('primary', (c) => {
    if (c.from !== undefined && c.detectionMs !== undefined) ctx.metrics.electionSeconds.observe({ cluster: c.cluster }, c.detectionMs / 1000)
  })
}
