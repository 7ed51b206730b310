// Affinity store: query → cluster/coordinator and transaction → cluster/coordinator, in memory (one
// gateway) or in Redis (shared by replicas). See redis-store.ts for the Redis layout and the
// degraded mode.
import { MemoryAffinityStore } from './memory-store.js'
import { RedisAffinityStore } from './redis-store.js'
import type { AffinityStore, StoreConfig, StoreDeps } from './types.js'

export type {
  AffinityStore, AffinityStoreEvent, AffinityStoreStats, HitSource, QueryMode, QueryRoute, RedisOp,
  RedisStoreConfig, StoreConfig, StoreDeps, StoreLogger, StoreMetrics, StoreTuning, TransactionRoute
} from './types.js'
export { MemoryAffinityStore } from './memory-store.js'
export { RedisAffinityStore, describeRedisTarget } from './redis-store.js'
export { redactRedisUrl } from './redact.js'
export { decodeQueryRoute, decodeTransactionRoute, encodeQueryRoute, encodeTransactionRoute } from './codec.js'

/**
 * The Redis store when `cfg.redis` is set (connecting at once; `await store.ready()` to wait for the
 * first connection — it serves, degraded, before that), else the in-memory store.
 */
export function createAffinityStore (cfg: StoreConfig, deps: StoreDeps): AffinityStore {
  return cfg.redis === undefined ? new MemoryAffinityStore(cfg, deps) : new RedisAffinityStore(cfg, deps)
}
