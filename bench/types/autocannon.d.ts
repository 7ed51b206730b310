// The part of autocannon 9's programmatic API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface AutocannonRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest
  }

  /** The connection object autocannon passes to setupClient and with 'response' events. */
  export interface AutocannonClient extends EventEmitter {
    rate: number
    reqsMadeThisSecond: number
    paused: boolean
    destroyed: boolean
    rateInterval?: NodeJS.Timeout
    _doRequest: () => void
  }

  export interface AutocannonOptions {
    url: string
    connections?: number
    duration?: number
    amount?: number
    timeout?: number
    pipelining?: number
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    requests?: AutocannonRequest[]
    overallRate?: number
    connectionRate?: number
    setupClient?: (client: AutocannonClient) => void
    skipAggregateResult?: boolean
    excludeErrorStats?: boolean
  }

  export interface AutocannonResult {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    requests: { total: number, average: number, sent: number }
    statusCodeStats: Record<string, { count: number }>
  }

  export interface Instance extends EventEmitter {
    stop: () => void
  }

  function autocannon (opts: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void): Instance
  export default autocannon
}
