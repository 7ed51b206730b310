export type Health = 'up' | 'down' | 'starting' | 'unknown'

export interface LoadSnapshot {
  runningQueries: number
  queuedQueries: number
  blockedQueries: number
  activeWorkers: number
  /** epoch ms of the poll that produced it */
  polledAt: number
}

/** What one gateway replica knows of one coordinator. Mutated only by the monitor. */
export interface CoordinatorStatus {
  cluster: string
  name: string
  url: string
  externalUrl: string
  /** Host header values for url and externalUrl (parsed once, not per request) */
  host: string
  externalHost: string
  health: Health
  /** Trino graceful shutdown (`/v1/info/state` = SHUTTING_DOWN): no new queries */
  shuttingDown: boolean
  successes: number
  failures: number
  lastCheckAt: number | undefined
  lastSuccessAt: number | undefined
  lastError: string | undefined
  /** set by a failed forward; cleared by the next successful check */
  suspect: boolean
  load: LoadSnapshot | undefined
  loadError: string | undefined
}

export function newStatus (cluster: string, c: { name: string, url: string, externalUrl: string }): CoordinatorStatus {
  return {
    cluster,
    name: c.name,
    url: c.url,
    externalUrl: c.externalUrl,
    host: new URL(c.url).host,
    externalHost: new URL(c.externalUrl).host,
    health: 'unknown',
    shuttingDown: false,
    successes: 0,
    failures: 0,
    lastCheckAt: undefined,
    lastSuccessAt: undefined,
    lastError: undefined,
    suspect: false,
    load: undefined,
    loadError: undefined
  }
}

export type Observation =
  | { kind: 'ok', shuttingDown: boolean }
  | { kind: 'starting' }
  | { kind: 'failed', error: string }

/**
 * Rise/fall thresholds, HAProxy style: `rise` consecutive successes to be up, `fall` consecutive
 * failures to be down. A coordinator that answers `starting: true` is alive but not ready: it is
 * reported `starting` rather than down, and is no more eligible than a down one.
 * Returns the new health.
 */
export function applyObservation (s: CoordinatorStatus, o: Observation, now: number, rise: number, fall: number): Health {
  s.lastCheckAt = now
  if (o.kind === 'ok') {
    s.successes++
    s.failures = 0
    s.lastSuccessAt = now
    s.lastError = undefined
    s.suspect = false
    s.shuttingDown = o.shuttingDown
    // A gateway that just started trusts the first answer (as HAProxy starts servers up), so a
    // restart does not stop routing for `rise` intervals; a coordinator seen failing must earn it.
    if (s.health !== 'up' && (s.successes >= rise || s.health === 'unknown')) s.health = 'up'
    return s.health
  }
  s.successes = 0
  s.failures++
  s.lastError = o.kind === 'starting' ? 'coordinator is starting' : o.error
  if (s.health === 'up') {
    if (s.failures >= fall) s.health = o.kind === 'starting' ? 'starting' : 'down'
  } else if (o.kind === 'starting') {
    s.health = 'starting'
  } else if (s.failures >= fall || s.health === 'starting') {
    s.health = 'down'
  }
  return s.health
}

/**
 * Whether this replica would send a new query to the coordinator now. Besides `up`, the last
 * success must be recent: a monitor stalled by an overloaded event loop must not keep sending
 * clients to a coordinator nobody has seen for a while.
 */
export function acceptsNewQueries (s: CoordinatorStatus, now: number, staleAfterMs: number): boolean {
  return s.health === 'up' && !s.shuttingDown && !s.suspect &&
    s.lastSuccessAt !== undefined && now - s.lastSuccessAt <= staleAfterMs
}
