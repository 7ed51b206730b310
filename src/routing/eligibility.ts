// The message of the FAILED document a client gets when its query cannot be placed (issue 3,
// item 7). It names the routing group and, for every cluster, why it took no query, so the person
// reading a JDBC/CLI error knows whether to wait (failover), call ops (down) or fix the client
// (unknown group).

export type CoordinatorHealth = 'up' | 'down' | 'starting' | 'unknown'

export interface ClusterSummary {
  cluster: string
  adminState: 'active' | 'draining'
  /** health of the cluster's current primary; 'down' also when no coordinator is up at all */
  primaryHealth: CoordinatorHealth
  /** the primary reported SHUTTING_DOWN on /v1/info/state (Trino graceful shutdown) */
  shuttingDown?: boolean
  /** active workers of the primary */
  workers: number
  minWorkers: number
  /** a new primary is being elected/promoted */
  failingOver: boolean
}

export type IneligibleCode =
  | 'draining'
  | 'failing-over'
  | 'down'
  | 'starting'
  | 'health-unknown'
  | 'shutting-down'
  | 'no-workers'
  | 'too-few-workers'

export interface Ineligibility {
  code: IneligibleCode
  /** the reason as a sentence fragment after the cluster name, e.g. "is draining" */
  text: string
}

/**
 * Why a cluster takes no new query, or undefined if it can. The first reason in the order an
 * operator would fix things wins: an admin drain, then a failover in progress (it will pass on its
 * own), then the primary's health, then its workers.
 */
export function whyIneligible (s: ClusterSummary): Ineligibility | undefined {
  if (s.adminState === 'draining') return { code: 'draining', text: 'is draining' }
  if (s.failingOver) return { code: 'failing-over', text: 'is failing over to a standby coordinator' }
  switch (s.primaryHealth) {
    case 'down': return { code: 'down', text: 'has no coordinator up' }
    case 'starting': return { code: 'starting', text: 'has its coordinator still starting' }
    case 'unknown': return { code: 'health-unknown', text: 'has a coordinator whose health is not known yet' }
    case 'up': break
  }
  if (s.shuttingDown === true) return { code: 'shutting-down', text: 'has its coordinator shutting down' }
  if (s.workers < s.minWorkers) {
    return s.workers <= 0
      ? { code: 'no-workers', text: `has no active workers (0 < minWorkers ${s.minWorkers})` }
      : { code: 'too-few-workers', text: `has too few active workers (${s.workers} < minWorkers ${s.minWorkers})` }
  }
  return undefined
}

// When every cluster fails for the same reason, one phrase says it for all.
const ALL: Record<IneligibleCode, string> = {
  draining: 'are draining',
  'failing-over': 'are failing over to a standby coordinator',
  down: 'have no coordinator up',
  starting: 'have their coordinators still starting',
  'health-unknown': 'have coordinators whose health is not known yet',
  'shutting-down': 'have their coordinators shutting down',
  'no-workers': 'have no active workers',
  'too-few-workers': 'have fewer active workers than minWorkers'
}

/**
 * `No eligible cluster in routing group "etl": blue is draining; green has no active workers
 * (0 < minWorkers 1)`, or `...: all 2 clusters are draining (blue, green)` when they share the
 * reason. Clusters that are eligible are left out of the list (the caller may pass every cluster
 * of the group).
 */
export function noEligibleClusterMessage (group: string, clusters: readonly ClusterSummary[]): string {
  const head = `No eligible cluster in routing group ${quote(group)}`
  if (clusters.length === 0) return `${head}: the group has no clusters`
  const reasons: Array<{ cluster: string, why: Ineligibility }> = []
  for (const c of clusters) {
    const why = whyIneligible(c)
    if (why !== undefined) reasons.push({ cluster: c.cluster, why })
  }
  if (reasons.length === 0) return `${head}: no cluster could take the query`
  const firstCode = reasons[0]?.why.code
  if (reasons.length >= 2 && reasons.length === clusters.length && firstCode !== undefined &&
      reasons.every((r) => r.why.code === firstCode)) {
    return `${head}: all ${reasons.length} clusters ${ALL[firstCode]} (${reasons.map((r) => r.cluster).join(', ')})`
  }
  return `${head}: ${reasons.map((r) => `${r.cluster} ${r.why.text}`).join('; ')}`
}

/** The message for a routing group no cluster belongs to (an error, never a silent fallback). */
export function unknownGroupMessage (group: string, knownGroups: readonly string[]): string {
  const known = knownGroups.length === 0 ? 'no groups are configured' : `known groups: ${[...knownGroups].sort().join(', ')}`
  return `Unknown routing group ${quote(group)} (${known})`
}

// Group names can come from a client header: quote and bound them so that the message stays one
// readable line whatever was sent.
const MAX_GROUP_CHARS = 100
function quote (group: string): string {
  const g = group.length > MAX_GROUP_CHARS ? group.slice(0, MAX_GROUP_CHARS) + '…' : group
  return JSON.stringify(g)
}
