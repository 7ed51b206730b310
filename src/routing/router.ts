import type { IncomingHttpHeaders } from 'node:http'
import type { Config, RoutingMode } from '../config/index.js'
import type { ClusterRegistry, Eligibility } from '../cluster/registry.js'
import type { ClusterRuntime } from '../cluster/cluster-runtime.js'
import type { CoordinatorStatus } from '../cluster/coordinator-status.js'
import { compileRules, type RuleMatcher } from './rules.js'
import { resolveGroup } from './group.js'
import { effectiveMode } from './mode.js'
import { chooseCluster, type Candidate } from './choose-cluster.js'

export type ConcreteMode = 'redirect' | 'handoff' | 'proxy'

export interface RouteChoice {
  ok: true
  group: string
  rule: string | undefined
  mode: ConcreteMode
  cluster: ClusterRuntime
  primary: CoordinatorStatus
}

export interface NoRoute {
  ok: false
  group: string
  reason: 'unknown-group' | 'no-eligible-cluster'
  message: string
}

export interface GroupAndMode { group: string, rule: string | undefined, mode: ConcreteMode }

/**
 * Where a new query goes: the routing group (header, rule, default), the mode, and the least
 * loaded eligible cluster of the group. Reads only in-memory state: no I/O on this path.
 */
export class Router {
  private matcher: RuleMatcher
  private routing: Config['routing']

  constructor (routing: Config['routing'], private readonly registry: ClusterRegistry, private readonly random: () => number = Math.random) {
    this.routing = routing
    this.matcher = compileRules(routing.rules)
  }

  reconfigure (routing: Config['routing']): void {
    this.matcher = compileRules(routing.rules)
    this.routing = routing
  }

  groupAndMode (headers: IncomingHttpHeaders): GroupAndMode {
    const g = resolveGroup(headers, this.matcher, this.routing.defaultGroup)
    const configured: RoutingMode = g.mode ?? this.routing.mode
    return { group: g.group, rule: g.rule, mode: effectiveMode(configured, headers) }
  }

  /** Chooses a cluster of the group, skipping the ones in `exclude` (already tried for this query). */
  choose (gm: GroupAndMode, exclude?: ReadonlySet<string>, now = Date.now()): RouteChoice | NoRoute {
    const candidates: Candidate[] = []
    const primaries = new Map<string, { rt: ClusterRuntime, primary: CoordinatorStatus }>()
    const reasons: string[] = []
    let inGroup = 0
    for (const rt of this.registry.all()) {
      if (rt.config.group !== gm.group) continue
      inGroup++
      if (exclude?.has(rt.config.name) === true) {
        reasons.push(`${rt.config.name} did not answer`)
        continue
      }
      const e: Eligibility = this.registry.eligibility(rt, now)
      if (!e.ok) {
        reasons.push(e.detail)
        continue
      }
      candidates.push({ name: rt.config.name, running: e.running, queued: e.queued, sentSinceLastPoll: rt.sentSinceLastPoll, activeWorkers: e.workers, weight: rt.config.weight })
      primaries.set(rt.config.name, { rt, primary: e.primary })
    }
    if (inGroup === 0) {
      return { ok: false, group: gm.group, reason: 'unknown-group', message: `Unknown routing group "${gm.group}": no cluster of this gateway is in it` }
    }
    const name = chooseCluster(candidates, this.random)
    const picked = name === undefined ? undefined : primaries.get(name)
    if (picked === undefined) {
      return { ok: false, group: gm.group, reason: 'no-eligible-cluster', message: `No eligible cluster in routing group "${gm.group}": ${reasons.join('; ')}` }
    }
    return { ok: true, group: gm.group, rule: gm.rule, mode: gm.mode, cluster: picked.rt, primary: picked.primary }
  }
}
