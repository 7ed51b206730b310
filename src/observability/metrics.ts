import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client'

/**
 * Every metric of one gateway instance, on a registry of its own so that several apps in one
 * process (tests, the demo) never share counters. Names follow Prometheus conventions with the
 * `phg_` prefix; labels are bounded (cluster, coordinator, group, mode, kind — no query ids).
 */
export function createMetrics (opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'phg_process_' })
  const r = [registry]
  return {
    registry,
    routedQueries: new Counter({ name: 'phg_routed_queries_total', help: 'New queries routed, by cluster, routing group and mode', labelNames: ['cluster', 'group', 'mode'] as const, registers: r }),
    unroutable: new Counter({ name: 'phg_unroutable_queries_total', help: 'New queries the gateway could not place, by routing group and reason', labelNames: ['group', 'reason'] as const, registers: r }),
    routingSeconds: new Histogram({ name: 'phg_routing_decision_seconds', help: 'Time to choose a cluster and coordinator for a new query', buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05], registers: r }),
    redirects: new Counter({ name: 'phg_redirects_total', help: '307 redirects sent, by kind (statement, follow-up)', labelNames: ['kind'] as const, registers: r }),
    forwards: new Counter({ name: 'phg_forwards_total', help: 'Requests forwarded to coordinators, by kind and mode', labelNames: ['kind', 'mode'] as const, registers: r }),
    upstreamErrors: new Counter({ name: 'phg_upstream_errors_total', help: 'Failed requests to coordinators, by cluster, coordinator and kind (connect, timeout, reset, status)', labelNames: ['cluster', 'coordinator', 'kind'] as const, registers: r }),
    retries: new Counter({ name: 'phg_retries_total', help: 'First POSTs re-sent to another cluster after a coordinator failed before answering', labelNames: ['from_cluster'] as const, registers: r }),
    affinity: new Counter({ name: 'phg_affinity_lookups_total', help: 'Query and transaction affinity lookups, by result (hit, miss, coordinator)', labelNames: ['kind', 'result'] as const, registers: r }),
    coordinatorUp: new Gauge({ name: 'phg_coordinator_up', help: '1 when this replica sees the coordinator up', labelNames: ['cluster', 'coordinator'] as const, registers: r }),
    coordinatorHealth: new Gauge({ name: 'phg_coordinator_health', help: '1 for the coordinator\'s current health state', labelNames: ['cluster', 'coordinator', 'state'] as const, registers: r }),
    primary: new Gauge({ name: 'phg_cluster_primary', help: '1 for the current primary coordinator of each cluster', labelNames: ['cluster', 'coordinator'] as const, registers: r }),
    epoch: new Gauge({ name: 'phg_cluster_epoch', help: 'Primary epoch of each cluster (increases with every change)', labelNames: ['cluster'] as const, registers: r }),
    failovers: new Counter({ name: 'phg_primary_changes_total', help: 'Changes of primary coordinator, by cluster and reason', labelNames: ['cluster', 'reason'] as const, registers: r }),
    failoverSeconds: new Histogram({ name: 'phg_failover_seconds', help: 'From the old primary\'s first failed check to the first query routed to the new one', labelNames: ['cluster'] as const, buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60], registers: r }),
    electionSeconds: new Histogram({ name: 'phg_failover_detection_seconds', help: 'From the old primary\'s first failed check (as this replica saw it) to the installation of the new primary', labelNames: ['cluster'] as const, buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30], registers: r }),
    primaryProposals: new Counter({ name: 'phg_primary_proposals_total', help: 'Primary changes this replica asked Redis for, by cluster and result (won, lost, refused: no majority, error)', labelNames: ['cluster', 'result'] as const, registers: r }),
    switchovers: new Counter({ name: 'phg_switchovers_total', help: 'Operator switchovers of a primary, by cluster, kind (graceful, immediate) and result', labelNames: ['cluster', 'kind', 'result'] as const, registers: r }),
    discoveryRequests: new Counter({ name: 'phg_discovery_requests_total', help: 'Worker discovery requests through the discovery proxy, by cluster and result (forwarded, no-primary, upstream-error; replayed, replay-failed: announcements sent again to a new primary)', labelNames: ['cluster', 'result'] as const, registers: r }),
    clusterLoad: new Gauge({ name: 'phg_cluster_queries', help: 'Queries on the cluster\'s primary as last polled, by state', labelNames: ['cluster', 'state'] as const, registers: r }),
    clusterWorkers: new Gauge({ name: 'phg_cluster_active_workers', help: 'Active workers of each coordinator as last polled', labelNames: ['cluster', 'coordinator'] as const, registers: r }),
    clusterActive: new Gauge({ name: 'phg_cluster_active', help: '1 when the cluster takes new queries by admin state, 0 while draining', labelNames: ['cluster'] as const, registers: r }),
    redisErrors: new Counter({ name: 'phg_redis_errors_total', help: 'Failed Redis operations', labelNames: ['op'] as const, registers: r }),
    redisSeconds: new Histogram({ name: 'phg_redis_seconds', help: 'Redis operation latency', labelNames: ['op'] as const, buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25], registers: r }),
    redisUp: new Gauge({ name: 'phg_redis_up', help: '1 while the Redis store is reachable (absent with the in-memory store)', registers: r }),
    configReloads: new Counter({ name: 'phg_config_reloads_total', help: 'Configuration reloads, by result', labelNames: ['result'] as const, registers: r })
  }
}

export type Metrics = ReturnType<typeof createMetrics>
