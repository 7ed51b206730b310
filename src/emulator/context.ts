import type { IncomingMessage, ServerResponse } from 'node:http'
import type { UiSessions } from './auth.js'
import type { DiscoveryStore } from './discovery.js'
import type { QueryIdGenerator } from './query-id.js'
import type { QueryRegistry } from './query-registry.js'
import type { TransactionRegistry } from './transactions.js'
import type { Flavor, NodeState } from './types.js'

export interface ResolvedOptions {
  port: number
  host: string
  flavor: Flavor
  environment: string
  auth: { user: string, password: string } | null
  workers: number
  acceptForwarded: boolean
  queuedTimeoutMs: number
  announcementMaxAgeMs: number
  nodeId: string
  version: string
  controlPort: number | null
  maxRunningQueries: number
}

/** Everything one emulated coordinator knows; created by startEmulator, never shared between instances. */
export interface EmulatorState {
  opts: ResolvedOptions
  startedAt: number
  starting: boolean
  nodeState: NodeState
  ids: QueryIdGenerator
  txns: TransactionRegistry
  registry: QueryRegistry
  discovery: DiscoveryStore
  ui: UiSessions
  /** The coordinator's own URL (its listener), for self-descriptions such as /v1/service. */
  selfUrl: () => string
  activeWorkers: () => number
}

export interface RequestContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  path: string
  remoteAddress: string
  state: EmulatorState
  /** scheme://host[:port][prefix] the client used to reach us; the base of every URI we hand out. */
  base: string
}

/** The base of URIs in responses: the request's Host, or X-Forwarded-* / Forwarded when accepted. */
export function requestBase (req: IncomingMessage, acceptForwarded: boolean, fallbackHost: string): string {
  let proto = 'http'
  let host = req.headers.host ?? fallbackHost
  let prefix = ''
  if (acceptForwarded) {
    const first = (v: string | string[] | undefined): string | undefined => {
      const s = Array.isArray(v) ? v[0] : v
      return s?.split(',')[0]?.trim()
    }
    const forwarded = first(req.headers.forwarded)
    if (forwarded !== undefined) {
      for (const pair of forwarded.split(';')) {
        const [k = '', v = ''] = pair.split('=').map((x) => x.trim().replace(/^"|"$/g, ''))
        if (k.toLowerCase() === 'proto' && v !== '') proto = v
        if (k.toLowerCase() === 'host' && v !== '') host = v
      }
    }
    proto = first(req.headers['x-forwarded-proto']) ?? proto
    const fhost = first(req.headers['x-forwarded-host'])
    const fport = first(req.headers['x-forwarded-port'])
    if (fhost !== undefined) host = fport !== undefined && !/:\d+$/.test(fhost) ? `${fhost}:${fport}` : fhost
    prefix = (first(req.headers['x-forwarded-prefix']) ?? '').replace(/\/+$/, '')
  }
  return `${proto}://${host}${prefix}`
}
