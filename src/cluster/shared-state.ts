import { EventEmitter } from 'node:events'
import type { ClusterInput } from '../config/schema.js'
import type { AdminState } from './cluster-runtime.js'

/** A runtime change to the cluster list made through the admin API: a document, or a deletion. */
export interface ClusterOverride {
  /** the cluster document (validated by the config schema), or null when the cluster was deleted */
  doc: ClusterInput | null
  /** epoch ms */
  updatedAt: number
  /** admin token name that made the change */
  by: string
}

export interface SharedStateEvents {
  /** a cluster's admin state changed (on this replica or another) */
  'admin-state': [cluster: string, state: AdminState]
  /** the set of runtime cluster overrides changed */
  overrides: []
}

/**
 * State an operator sets once for all replicas: drains and runtime cluster changes. With Redis it
 * lives there and every replica hears of a change at once; in memory it serves one gateway.
 */
export interface SharedState extends EventEmitter<SharedStateEvents> {
  start (): Promise<void>
  close (): Promise<void>
  setAdminState (cluster: string, state: AdminState, by: string): Promise<void>
  adminStates (): ReadonlyMap<string, AdminState>
  putCluster (doc: ClusterInput, by: string): Promise<void>
  /** records a deletion (an override that removes a cluster, also one from the file) */
  deleteCluster (name: string, by: string): Promise<void>
  /** drops the override so the file's version (if any) applies again */
  clearOverride (name: string): Promise<void>
  overrides (): ReadonlyMap<string, ClusterOverride>
}

/** One gateway, no Redis: the state lives in this process. */
export class MemorySharedState extends EventEmitter<SharedStateEvents> implements SharedState {
  private readonly states = new Map<string, AdminState>()
  private readonly docs = new Map<string, ClusterOverride>()

  async start (): Promise<void> {}
  async close (): Promise<void> {}

  async setAdminState (cluster: string, state: AdminState): Promise<void> {
    if (state === 'active') this.states.delete(cluster)
    else this.states.set(cluster, state)
    this.emit('admin-state', cluster, state)
  }

  adminStates (): ReadonlyMap<string, AdminState> {
    return this.states
  }

  async putCluster (doc: ClusterInput, by: string): Promise<void> {
    this.docs.set(doc.name, { doc, updatedAt: Date.now(), by })
    this.emit('overrides')
  }

  async deleteCluster (name: string, by: string): Promise<void> {
    this.docs.set(name, { doc: null, updatedAt: Date.now(), by })
    this.states.delete(name)
    this.emit('overrides')
  }

  async clearOverride (name: string): Promise<void> {
    if (this.docs.delete(name)) this.emit('overrides')
  }

  overrides (): ReadonlyMap<string, ClusterOverride> {
    return this.docs
  }
}
