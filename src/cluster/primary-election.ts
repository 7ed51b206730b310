import type { CoordinatorStatus } from './coordinator-status.js'
import type { Failback } from '../config/index.js'

/** A coordinator that could lead its cluster: it answers and is not in graceful shutdown. */
export function canLead (s: CoordinatorStatus): boolean {
  return s.health === 'up' && !s.shuttingDown
}

/**
 * The primary a cluster should have, given what is known of its coordinators (in configured
 * priority order) and its current primary. With nobody able to lead, the current primary stays:
 * moving workers to a coordinator that is not up either would gain nothing.
 */
export function electPrimary (ordered: readonly CoordinatorStatus[], current: string | undefined, failback: Failback): string | undefined {
  const first = ordered.find(canLead)
  if (first === undefined) return current
  if (failback === 'prefer-first') return first.name
  const cur = current === undefined ? undefined : ordered.find((s) => s.name === current)
  if (cur !== undefined && canLead(cur)) return cur.name
  return first.name
}
