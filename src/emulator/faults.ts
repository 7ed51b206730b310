import type { Socket } from 'node:net'
import { normalizeAddress } from './http-util.js'
import type { FailOptions, FaultController, FaultScope, FaultState } from './types.js'

/** What the fault injector needs from the HTTP listener it controls. */
export interface ListenerControl {
  listening: () => boolean
  /** Listens again on the same host and port. */
  open: () => Promise<void>
  /** Stops accepting connections (clients get ECONNREFUSED). */
  shut: () => void
  sockets: () => Iterable<Socket>
  /** True while the socket has a request whose response has not finished. */
  busy: (socket: Socket) => boolean
}

export interface FaultMatch {
  hang: boolean
  slowMs: number
  failStatus: number | null
}

function addressesOf (opts: FaultScope | undefined): string[] | undefined {
  return opts?.addresses?.map((a) => normalizeAddress(a))
}

function inScope (addresses: string[] | undefined, address: string): boolean {
  return addresses === undefined || addresses.includes(address)
}

/**
 * Network faults, optionally limited to client addresses (gateway replicas run from 127.0.0.N).
 * `refuse` is a process that stops accepting (requests in flight still complete); `kill` is a
 * crash (every socket dies at once). Both are undone by `restore`.
 */
export class FaultInjector implements FaultController {
  private refusedAll = false
  private readonly refusedAddresses = new Set<string>()
  private hangs: FaultScope[] = []
  private slows: Array<{ ms: number } & FaultScope> = []
  private fails: Array<{ status: number } & FailOptions> = []

  constructor (private readonly listener: ListenerControl) {}

  isRefused (address: string): boolean {
    return this.refusedAll || this.refusedAddresses.has(address)
  }

  private refuseScope (opts: FaultScope | undefined): void {
    const addresses = addressesOf(opts)
    if (addresses === undefined) {
      this.refusedAll = true
      if (this.listener.listening()) this.listener.shut()
    } else {
      for (const a of addresses) this.refusedAddresses.add(a)
    }
  }

  private matchingSockets (opts: FaultScope | undefined): Socket[] {
    const addresses = addressesOf(opts)
    return [...this.listener.sockets()].filter((s) => inScope(addresses, normalizeAddress(s.remoteAddress)))
  }

  async refuse (opts?: FaultScope): Promise<void> {
    this.refuseScope(opts)
    // Idle keep-alive connections would let clients carry on; busy ones close once their response is done.
    for (const s of this.matchingSockets(opts)) if (!this.listener.busy(s)) s.destroy()
  }

  async kill (opts?: FaultScope): Promise<void> {
    this.refuseScope(opts)
    for (const s of this.matchingSockets(opts)) s.destroy()
  }

  async restore (opts?: FaultScope): Promise<void> {
    const addresses = addressesOf(opts)
    if (addresses !== undefined) {
      for (const a of addresses) this.refusedAddresses.delete(a)
      return
    }
    this.refusedAll = false
    this.refusedAddresses.clear()
    if (!this.listener.listening()) await this.listener.open()
  }

  hang (opts?: FaultScope): void {
    this.hangs.push({ addresses: addressesOf(opts) })
  }

  slow (ms: number, opts?: FaultScope): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`slow: invalid delay ${ms}`)
    this.slows.push({ ms, addresses: addressesOf(opts) })
  }

  fail (status: number, opts?: FailOptions): void {
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`fail: invalid status ${status}`)
    this.fails.push({ status, paths: opts?.paths, addresses: addressesOf(opts) })
  }

  async clear (): Promise<void> {
    this.hangs = []
    this.slows = []
    this.fails = []
    await this.restore()
  }

  match (address: string, path: string): FaultMatch {
    const hang = this.hangs.some((h) => inScope(h.addresses, address))
    let slowMs = 0
    for (const s of this.slows) if (inScope(s.addresses, address)) slowMs = Math.max(slowMs, s.ms)
    const fail = this.fails.find((f) => inScope(f.addresses, address) && (f.paths === undefined || f.paths.some((p) => path.startsWith(p))))
    return { hang, slowMs, failStatus: fail?.status ?? null }
  }

  state (): FaultState {
    return {
      listening: this.listener.listening(),
      refusedAll: this.refusedAll,
      refusedAddresses: [...this.refusedAddresses],
      hangs: this.hangs.map((h) => ({ ...h })),
      slows: this.slows.map((s) => ({ ...s })),
      fails: this.fails.map((f) => ({ ...f }))
    }
  }
}
