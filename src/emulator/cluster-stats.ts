import { availableParallelism } from 'node:os'
import type { EmulatorState } from './context.js'

export interface ClusterStats {
  runningQueries: number
  blockedQueries: number
  queuedQueries: number
  activeCoordinators: number
  activeWorkers: number
  runningDrivers: number
  totalAvailableProcessors: number
  reservedMemory: number
  totalInputRows: number
  totalInputBytes: number
  totalCpuTimeSecs: number
}

/**
 * Counted like Trino's ClusterStatsResource over the queries the dispatcher knows (a POSTed query
 * that was never polled is not submitted yet, so it is not counted); totals cover unfinished queries.
 */
export function clusterStats (state: EmulatorState): ClusterStats {
  const now = Date.now()
  const stats: ClusterStats = {
    runningQueries: 0,
    blockedQueries: 0,
    queuedQueries: 0,
    activeCoordinators: 1,
    activeWorkers: state.activeWorkers(),
    runningDrivers: 0,
    totalAvailableProcessors: 0,
    reservedMemory: 0,
    totalInputRows: 0,
    totalInputBytes: 0,
    totalCpuTimeSecs: 0
  }
  stats.totalAvailableProcessors = stats.activeWorkers * availableParallelism()
  for (const q of state.registry.all()) {
    if (!q.dispatched || q.done) continue
    if (q.state === 'QUEUED') stats.queuedQueries++
    if (q.state === 'RUNNING') {
      stats.runningQueries++
      stats.runningDrivers += Math.max(1, stats.activeWorkers)
      stats.reservedMemory += 1024 * 1024
      stats.totalCpuTimeSecs += q.startedAt === null ? 0 : Math.round((now - q.startedAt) / 1000)
    }
    stats.totalInputRows += q.rowsServed
    stats.totalInputBytes += q.bytesServed
  }
  return stats
}
