import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { failure } from './errors.js'
import { Query, type QueryInit } from './query.js'
import type { QueryIdGenerator } from './query-id.js'
import type { TransactionRegistry } from './transactions.js'

// Like Trino's query.max-history / query.min-expire-age: finished queries stay visible for a while.
const MAX_HISTORY = 1000
const HISTORY_MS = 15 * 60_000
const SWEEP_EVERY_MS = 25

export interface RegistryOptions {
  /** query.client.timeout: unpolled queued queries are forgotten, unpolled running ones abandoned. */
  clientTimeoutMs: number
  maxRunningQueries: number
}

/**
 * All queries of one coordinator. Expiry is checked lazily on access instead of with timers: nothing
 * outside can observe a query except through this registry, and nothing keeps the process alive.
 */
export class QueryRegistry {
  private readonly queries = new Map<string, Query>()
  private readonly slots = new EventEmitter()
  private lastSweep = 0
  private closed = false

  constructor (
    private readonly ids: QueryIdGenerator,
    private readonly txns: TransactionRegistry,
    private readonly opts: RegistryOptions
  ) {
    this.slots.setMaxListeners(0)
  }

  create (init: Omit<QueryInit, 'id'>): Query {
    this.sweep(true)
    const query = new Query({ ...init, id: this.ids.next() })
    query.onEnd = () => this.changed()
    this.queries.set(query.id, query)
    return query
  }

  get (id: string): Query | undefined {
    this.sweep(false)
    return this.queries.get(id)
  }

  all (): Query[] {
    this.sweep(true)
    return [...this.queries.values()]
  }

  running (): number {
    let n = 0
    for (const q of this.queries.values()) if (q.state === 'RUNNING') n++
    return n
  }

  /** Submits the query on its first queued GET; with a concurrency limit it may have to wait for a slot. */
  async dispatch (query: Query, maxWaitMs: number): Promise<void> {
    if (!query.dispatched) {
      query.dispatch(this.txns, this.running() < this.opts.maxRunningQueries)
    }
    if (!query.waitingForSlot) return
    this.promoteWaiting()
    const deadline = Date.now() + maxWaitMs
    while (query.waitingForSlot && !this.closed && Date.now() < deadline) {
      const ac = new AbortController()
      const freed = new Promise<void>((resolve) => {
        const on = (): void => { ac.abort(); resolve() }
        this.slots.once('freed', on)
        ac.signal.addEventListener('abort', () => this.slots.off('freed', on))
      })
      await Promise.race([freed, sleep(deadline - Date.now(), undefined, { signal: ac.signal, ref: false }).catch(() => undefined)])
      ac.abort()
      this.promoteWaiting()
    }
  }

  /** Starts waiting queries oldest first while slots are free. */
  private promoteWaiting (): void {
    let free = this.opts.maxRunningQueries - this.running()
    if (free <= 0) return
    const waiting = [...this.queries.values()].filter((q) => q.waitingForSlot).sort((a, b) => a.createdAt - b.createdAt)
    for (const q of waiting) {
      if (free-- <= 0) break
      q.start()
    }
  }

  /** Called after any state change that may end a query, so slot waiters re-check. */
  changed (): void {
    this.slots.emit('freed')
  }

  sweep (force: boolean): void {
    const now = Date.now()
    if (!force && now - this.lastSweep < SWEEP_EVERY_MS) return
    this.lastSweep = now
    const timeout = this.opts.clientTimeoutMs
    const finished: Query[] = []
    for (const q of this.queries.values()) {
      if (q.beingPolled) continue
      if (!q.dispatched) {
        if (now - q.lastAccess > timeout) this.queries.delete(q.id)
      } else if (!q.done) {
        if (now - q.lastAccess > timeout) {
          q.fail(failure('ABANDONED_QUERY', `Query ${q.id} was abandoned by the client, as it may have exited or stopped checking for query results. Query results have not been accessed since ${new Date(q.lastAccess).toISOString()}: currentTime ${new Date(now).toISOString()}`))
        }
      }
      if (q.done) finished.push(q)
    }
    const excess = finished.length - MAX_HISTORY
    finished.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
    finished.forEach((q, i) => {
      if (i < excess || now - (q.endedAt ?? now) > HISTORY_MS) this.queries.delete(q.id)
    })
  }

  close (): void {
    this.closed = true
    for (const q of this.queries.values()) q.abortWaits()
    this.slots.emit('freed')
  }
}
