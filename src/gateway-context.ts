import type { Logger } from 'pino'
import type { Config } from './config/index.js'
import type { ClusterRegistry } from './cluster/registry.js'
import type { Monitor } from './cluster/monitor.js'
import type { UpstreamPools } from './cluster/upstream-pools.js'
import type { AffinityStore } from './affinity/types.js'
import type { QueryLocator } from './affinity/query-locator.js'
import type { Router } from './routing/router.js'
import type { Metrics } from './observability/metrics.js'
import type { RecentDecisions } from './observability/recent-decisions.js'
import type { PrimaryAuthority } from './cluster/local-authority.js'
import type { SharedState } from './cluster/shared-state.js'
import type { DiscoveryProxies } from './discovery/proxy.js'
import type { ClusterSet } from './cluster/cluster-set.js'

/** Everything one gateway instance holds; created by buildApp, never shared between instances. */
export interface GatewayContext {
  config: Config
  logger: Logger
  registry: ClusterRegistry
  monitor: Monitor
  pools: UpstreamPools
  store: AffinityStore
  locator: QueryLocator
  router: Router
  metrics: Metrics
  recent: RecentDecisions
  authority: PrimaryAuthority
  /** drains and runtime cluster overrides, the same on every replica (Redis) or this one (memory) */
  shared: SharedState
  /** per-cluster discovery listeners forwarding workers to the current primary */
  discovery: DiscoveryProxies
  /** the effective cluster list (file + runtime changes), applied to registry, monitor, discovery */
  clusters: ClusterSet
  /** four characters naming this replica in the ids it mints */
  instanceTag: string
  nextCounter: () => number
  lifecycle: { phase: 'starting' | 'running' | 'stopping', startedAt: number }
  /** fills state-mirroring gauges just before a scrape */
  refreshMetrics: () => void
}
