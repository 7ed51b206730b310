import type { ClusterConfig } from '../config/index.js'
import { newStatus, type CoordinatorStatus } from './coordinator-status.js'
import { rewriteOrigins } from '../proxy/rewrite-targets.js'

export type AdminState = 'active' | 'draining'

export interface FailoverRecord {
  at: number
  from: string | undefined
  to: string
  epoch: number
  reason: string
  /** first failed check of the old primary that led here (detection start) */
  detectedFrom: number | undefined
  /** first query routed to the new primary; set once */
  firstRoutedAt: number | undefined
}

/** What a replica holds about one cluster: its config, each coordinator's status, the primary. */
export class ClusterRuntime {
  config: ClusterConfig
  readonly statuses = new Map<string, CoordinatorStatus>()
  primary: string | undefined
  epoch = 0
  adminState: AdminState = 'active'
  /** when the current drain began: only a load poll after it can say the cluster is drained */
  drainingSince: number | undefined
  /** queries this replica routed here since the primary's load was last polled (load score) */
  sentSinceLastPoll = 0
  lastFailover: FailoverRecord | undefined
  /** first failed check of the current primary while it is failing; cleared when it recovers */
  primaryFailingSince: number | undefined

  /** the coordinator an operator's switchover on this replica is moving the primary to */
  switchoverTarget: string | undefined

  /** coordinator origins whose URIs proxy mode rewrites (every coordinator, internal and external) */
  rewriteFrom: string[] = []

  constructor (config: ClusterConfig) {
    this.config = config
    this.reconfigure(config)
  }

  /** Keeps the status of coordinators whose URL did not change, so a reload loses no history. */
  reconfigure (config: ClusterConfig): void {
    this.config = config
    const keep = new Map(this.statuses)
    this.statuses.clear()
    for (const k of config.coordinators) {
      const old = keep.get(k.name)
      if (old !== undefined && old.url === k.url) {
        old.externalUrl = k.externalUrl
        old.externalHost = new URL(k.externalUrl).host
        this.statuses.set(k.name, old)
      } else {
        this.statuses.set(k.name, newStatus(config.name, k))
      }
    }
    if (this.primary !== undefined && !this.statuses.has(this.primary)) this.primary = undefined
    this.rewriteFrom = rewriteOrigins(config)
  }

  ordered (): CoordinatorStatus[] {
    return this.config.coordinators.map((k) => this.statuses.get(k.name)).filter((s): s is CoordinatorStatus => s !== undefined)
  }

  primaryStatus (): CoordinatorStatus | undefined {
    return this.primary === undefined ? undefined : this.statuses.get(this.primary)
  }
}
