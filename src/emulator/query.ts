import { setTimeout as sleep } from 'node:timers/promises'
import { failure, type EmulatedFailure } from './errors.js'
import { pageBytes, pageCount, pageRange, planQuery, type Plan } from './plan.js'
import type { ClientSession } from './protocol-headers.js'
import { Slug } from './slug.js'
import type { TransactionRegistry } from './transactions.js'
import type { Flavor, QueryState, QuerySummary } from './types.js'

/** What one executing response carries; kept for the token so a repeated GET gets the same answer. */
export type ResultKind =
  | { kind: 'page', index: number }
  | { kind: 'empty' }
  | { kind: 'final' }
  | { kind: 'failed' }

export interface QueryInit {
  id: string
  sql: string
  flavor: Flavor
  session: ClientSession
  user: string
  remoteAddress: string
}

/**
 * One statement's life on the coordinator: registered by the POST, dispatched by the first GET of its
 * queued URI, then producing result pages for the executing URIs until FINISHED or FAILED.
 */
export class Query {
  readonly id: string
  readonly sql: string
  readonly flavor: Flavor
  readonly session: ClientSession
  readonly user: string
  readonly remoteAddress: string
  readonly slug: Slug
  readonly createdAt = Date.now()

  state: QueryState = 'QUEUED'
  dispatched = false
  /** Dispatched but held back by maxRunningQueries. */
  waitingForSlot = false
  dispatchedAt: number | null = null
  startedAt: number | null = null
  endedAt: number | null = null
  lastAccess = Date.now()
  plan: Plan | null = null
  failure: EmulatedFailure | null = null
  transactionId: string | null

  /** Last token seen on the queued URI. */
  queuedToken = 0
  /** Executing URI bookkeeping: Trino serves the current token again and only the next one anew. */
  lastToken: number | null = null
  lastResult: ResultKind | null = null
  nextToken: number | null = 0
  private inflight: { token: number, result: Promise<ResultKind> } | null = null

  pagesServed = 0
  rowsServed = 0
  bytesServed = 0
  private nextPageAt = 0
  /** Wakes long polls when the query is canceled or the emulator closes. */
  private readonly wake = new AbortController()
  /** Lets the registry hand a freed slot to a waiting query. */
  onEnd: () => void = () => {}

  constructor (init: QueryInit) {
    this.id = init.id
    this.sql = init.sql
    this.flavor = init.flavor
    this.session = init.session
    this.user = init.user
    this.remoteAddress = init.remoteAddress
    this.slug = new Slug(init.flavor)
    this.transactionId = init.session.transactionId
  }

  /** Requests for this query being answered now (long polls, streaming pages). */
  private polls = 0

  touch (): void {
    this.lastAccess = Date.now()
  }

  /** A client inside a long poll or a long download is still there, however long that takes. */
  get beingPolled (): boolean {
    return this.polls > 0
  }

  async poll<T> (work: () => Promise<T>): Promise<T> {
    this.polls++
    this.touch()
    try {
      return await work()
    } finally {
      this.polls--
      this.touch()
    }
  }

  get done (): boolean {
    return this.state === 'FINISHED' || this.state === 'FAILED'
  }

  /** Plans the statement; failures found here (syntax, unknown transaction) end the query at once. */
  dispatch (txns: TransactionRegistry, mayRun: boolean): void {
    if (this.dispatched) return
    this.dispatched = true
    this.dispatchedAt = Date.now()
    if (this.done) return
    const outcome = planQuery(this.sql, this.session, txns)
    if (!outcome.ok) {
      this.fail(outcome.failure)
      return
    }
    this.plan = outcome.plan
    this.transactionId = outcome.plan.transactionId
    if (mayRun) this.start()
    else this.waitingForSlot = true
  }

  start (): void {
    this.waitingForSlot = false
    this.state = 'RUNNING'
    this.startedAt = Date.now()
    this.nextPageAt = this.startedAt + (this.plan?.delayMs ?? 0)
  }

  fail (f: EmulatedFailure): void {
    if (this.done) return
    this.failure = f
    this.state = 'FAILED'
    this.waitingForSlot = false
    this.endedAt = Date.now()
    this.wake.abort()
    this.onEnd()
  }

  cancel (): void {
    this.fail(failure('USER_CANCELED', 'Query was canceled'))
  }

  /** Stops every wait of this query; used when the emulator closes. */
  abortWaits (): void {
    this.wake.abort()
  }

  private async waitUntil (at: number, maxWaitMs: number): Promise<void> {
    const ms = Math.min(at - Date.now(), maxWaitMs)
    if (ms <= 0 || this.wake.signal.aborted) return
    await sleep(ms, undefined, { signal: this.wake.signal, ref: false }).catch(() => undefined)
  }

  /** Produces the answer for a new token, waiting up to maxWaitMs for the next page to be ready. */
  private async produce (maxWaitMs: number): Promise<ResultKind> {
    const plan = this.plan
    if (this.state === 'FAILED' || plan === null) return { kind: 'failed' }
    const pages = pageCount(plan.pages)
    // The delay paces pages and a pending failure; a finished result is reported at once.
    if (this.pagesServed < pages || plan.failure !== null) {
      await this.waitUntil(this.nextPageAt, maxWaitMs)
      // The query may have been canceled while this request waited.
      if (this.done) return this.failure !== null ? { kind: 'failed' } : { kind: 'final' }
      if (Date.now() < this.nextPageAt) return { kind: 'empty' }
    }
    if (this.pagesServed < pages) {
      const index = this.pagesServed++
      const range = pageRange(plan.pages, index)
      this.rowsServed += range.end - range.start
      this.bytesServed += pageBytes(plan.pages, index)
      this.nextPageAt = Date.now() + plan.delayMs
      return { kind: 'page', index }
    }
    if (plan.failure !== null) {
      this.fail(plan.failure)
      return { kind: 'failed' }
    }
    this.state = 'FINISHED'
    this.endedAt = Date.now()
    this.onEnd()
    return { kind: 'final' }
  }

  /**
   * Token rules of Trino's Query.getCachedResult: the current token is served again, an older one
   * is gone (410), anything but the next one is unknown (404).
   */
  async resultFor (token: number, maxWaitMs: number): Promise<ResultKind | 410 | 404> {
    if (this.inflight !== null && this.inflight.token === token) return await this.inflight.result
    if (this.lastToken !== null && token === this.lastToken && this.lastResult !== null) return this.lastResult
    if (this.lastToken !== null && token < this.lastToken) return 410
    if (this.nextToken === null || token !== this.nextToken) return 404
    const result = this.produce(maxWaitMs)
    this.inflight = { token, result }
    try {
      const r = await result
      this.lastToken = token
      this.lastResult = r
      this.nextToken = r.kind === 'page' || r.kind === 'empty' ? token + 1 : null
      return r
    } finally {
      this.inflight = null
    }
  }

  summary (): QuerySummary {
    return {
      id: this.id,
      state: this.state,
      sql: this.sql,
      user: this.user,
      source: this.session.source,
      transactionId: this.transactionId,
      createdAt: new Date(this.createdAt),
      remoteAddress: this.remoteAddress,
      errorName: this.failure?.name ?? null
    }
  }
}
