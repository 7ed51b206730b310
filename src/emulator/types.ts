// The emulator's public surface. Gateway tests, the demo and the benchmarks depend on these shapes.

export type Flavor = 'trino' | 'presto'
export type NodeState = 'ACTIVE' | 'SHUTTING_DOWN'
export type QueryState = 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED'

export interface EmulatorOptions {
  /** 0 = a free port (default 0). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Which header family the coordinator understands (default 'trino'). */
  flavor?: Flavor
  /** Default 'test'; discovery announcements for another environment are refused. */
  environment?: string
  /** Demands these Basic credentials on the statement and query APIs. */
  auth?: { user: string, password: string }
  /** Static active workers counted in addition to live discovery registrations (default 0). */
  workers?: number
  /** Default false: any X-Forwarded-* header → 406, as Trino's http-server.process-forwarded=false. */
  acceptForwarded?: boolean
  /** A query whose client stops polling is forgotten (queued) or abandoned (running) after this (default 300000). */
  queuedTimeoutMs?: number
  /** Discovery registrations expire after this without a re-announce (default 30000). */
  announcementMaxAgeMs?: number
  nodeId?: string
  version?: string
  /** If set, also start a control HTTP server on loopback (CLI use). 0 = a free port. */
  controlPort?: number
  /** Like a resource group's hardConcurrencyLimit: dispatched queries beyond it wait in QUEUED (default unlimited). */
  maxRunningQueries?: number
}

export interface FaultScope {
  /** Client socket addresses (127.0.0.2, ...) the fault applies to; all clients when absent. */
  addresses?: string[]
}

export interface FailOptions extends FaultScope {
  /** Path prefixes answered with the failure status; every path when absent. */
  paths?: string[]
}

export interface FaultState {
  listening: boolean
  refusedAll: boolean
  refusedAddresses: string[]
  hangs: FaultScope[]
  slows: Array<{ ms: number } & FaultScope>
  fails: Array<{ status: number } & FailOptions>
}

export interface FaultController {
  /** Refuses connections: for everyone by closing the listener, for chosen addresses by destroying their sockets. */
  refuse(opts?: FaultScope): Promise<void>
  /** Destroys open sockets at once and refuses further connections, like a dead process. */
  kill(opts?: FaultScope): Promise<void>
  /** Undoes refuse/kill (for the given addresses, or entirely — listening again on the same port). */
  restore(opts?: FaultScope): Promise<void>
  /** Accepts requests but never answers them. */
  hang(opts?: FaultScope): void
  /** Delays every response by ms. */
  slow(ms: number, opts?: FaultScope): void
  /** Answers status on the chosen path prefixes. */
  fail(status: number, opts?: FailOptions): void
  /** Removes every fault, including refuse/kill. */
  clear(): Promise<void>
  state(): FaultState
}

export interface QuerySummary {
  id: string
  state: QueryState
  sql: string
  user: string
  source: string | null
  /** The transaction the statement ran in (the one it started, for START TRANSACTION). */
  transactionId: string | null
  createdAt: Date
  /** Client socket address of the POST that created the query. */
  remoteAddress: string
  errorName: string | null
}

export interface ServiceDescriptor {
  id: string
  type: string
  properties: Record<string, string>
}

export interface Announcement {
  style: 'airlift' | 'announce'
  nodeId: string
  /** announce style: the worker's internal URI (its POST body). */
  uri: string | null
  environment: string
  pool: string
  location: string
  services: ServiceDescriptor[]
  isWorker: boolean
  announcedAt: Date
  expiresAt: Date
}

export interface EmulatorStats {
  runningQueries: number
  queuedQueries: number
  blockedQueries: number
  activeWorkers: number
}

export interface EmulatorHandle {
  url: string
  port: number
  /** The 5-character query id suffix chosen at start; identifies this coordinator instance. */
  queryIdSuffix: string
  flavor: Flavor
  faults: FaultController
  queries(): QuerySummary[]
  stats(): EmulatorStats
  setStarting(v: boolean): void
  setState(v: NodeState): void
  announcements(): Announcement[]
  requests: { count(pathPrefix?: string): number }
  /** Invalidates every /ui/login session cookie, so a monitor must log in again. */
  expireUiSessions(): void
  /** The control server's URL when controlPort was given. */
  controlUrl: string | null
  close(): Promise<void>
}
