// The faults: one at a time, each followed by its repair and a bounded wait until the system says
// it recovered, so two faults never overlap (a cluster always keeps one live coordinator, a
// Redis outage never meets a replica restart).
import { sleep } from './procs.js'
import { adminClusters, type Sampler } from './sampler.js'
import type { CoordinatorNode, ReplicaNode, Topology } from './topology.js'

export type FaultKind = 'coordinator-sigkill' | 'coordinator-sigstop' | 'gateway-restart' | 'redis-kill-restart-empty'

export interface FaultRecord {
  n: number
  kind: FaultKind
  target: string
  /** the target was its cluster's agreed primary when the fault began */
  wasPrimary: boolean | undefined
  /** planned start (ms since the run's start) */
  plannedAtMs: number
  at: number
  /** the repair: restart / SIGCONT / replica started / Redis started empty */
  repairedAt: number | undefined
  /** when the system had recovered (bounded wait), undefined if it did not */
  settledAt: number | undefined
  notes: string[]
}

export interface FaultTiming {
  /** seconds between fault starts */
  periodS: number
  /** first fault, seconds after the streams started */
  firstS: number
  coordinatorDownS: number
  stopS: number
  redisDownS: number
  /** bound on each wait for recovery */
  settleBoundS: number
}

/** Which fault goes in each slot: Redis once (in the middle), two replica restarts, the rest coordinator kills and hangs alternating. */
export function planFaults (durationS: number, t: FaultTiming): Array<{ atS: number, kind: FaultKind }> {
  const times: number[] = []
  for (let at = t.firstS; at + Math.max(t.redisDownS, t.periodS * 0.5) + 2 <= durationS; at += t.periodS) times.push(at)
  const n = times.length
  const kinds: Array<FaultKind | undefined> = times.map(() => undefined)
  if (n >= 3) kinds[Math.floor(n / 2)] = 'redis-kill-restart-empty'
  const place = (from: number, kind: FaultKind): void => {
    for (let i = from; i < n; i++) {
      if (kinds[i] === undefined) {
        kinds[i] = kind
        return
      }
    }
  }
  if (n >= 3) place(2, 'gateway-restart')
  if (n >= 7) place(n - 2, 'gateway-restart')
  let kill = true
  for (let i = 0; i < n; i++) {
    if (kinds[i] === undefined) {
      kinds[i] = kill ? 'coordinator-sigkill' : 'coordinator-sigstop'
      kill = !kill
    }
  }
  return times.map((atS, i) => ({ atS, kind: kinds[i] ?? 'coordinator-sigkill' }))
}

/** Polls fn until it returns true or the bound passes; true when it did. */
async function until (fn: () => Promise<boolean>, boundMs: number, stepMs = 200): Promise<boolean> {
  const deadline = Date.now() + boundMs
  for (;;) {
    try {
      if (await fn()) return true
    } catch { /* keep polling */ }
    if (Date.now() > deadline) return false
    await sleep(stepMs)
  }
}

export class FaultInjector {
  readonly records: FaultRecord[] = []
  private gatewayTurn = 0

  constructor (
    private readonly topo: Topology,
    private readonly sampler: Sampler,
    private readonly timing: FaultTiming,
    private readonly rng: () => number,
    private readonly log: (s: string) => void
  ) {}

  /** Every live replica sees every cluster eligible, with the same primary, and every running coordinator up. */
  async healthy (): Promise<boolean> {
    const views = await Promise.all(this.topo.replicas.map(async (r) => await adminClusters(r.url)))
    for (const c of this.topo.clusters) {
      const primaries = new Set(views.map((v) => v.get(c.name)?.primary))
      if (primaries.size !== 1) return false
      for (const v of views) {
        const cs = v.get(c.name)
        if (cs === undefined || !cs.eligible) return false
        for (const x of c.coordinators) if (x.state === 'running' && cs.health[x.name] !== 'up') return false
      }
    }
    return true
  }

  async run (n: number, plannedAtMs: number, kind: FaultKind): Promise<FaultRecord> {
    const rec: FaultRecord = { n, kind, target: '', wasPrimary: undefined, plannedAtMs, at: Date.now(), repairedAt: undefined, settledAt: undefined, notes: [] }
    this.records.push(rec)
    try {
      switch (kind) {
        case 'coordinator-sigkill': await this.coordinatorFault(rec, 'SIGKILL'); break
        case 'coordinator-sigstop': await this.coordinatorFault(rec, 'SIGSTOP'); break
        case 'gateway-restart': await this.gatewayRestart(rec); break
        case 'redis-kill-restart-empty': await this.redisOutage(rec); break
      }
    } catch (err) {
      rec.notes.push(`fault handling error: ${(err as Error).message}`)
    }
    return rec
  }

  private async pickCoordinator (rec: FaultRecord): Promise<CoordinatorNode> {
    const agreed = await this.sampler.agreed()
    const primaries = new Set([...(agreed?.values() ?? [])].map((a) => a.coordinator))
    const running = this.topo.coordinators.filter((c) => c.state === 'running')
    const prim = running.filter((c) => primaries.has(c.name))
    // Mostly primaries (the interesting case); sometimes a standby.
    const pool = prim.length > 0 && this.rng() < 0.75 ? prim : running
    const c = pool[Math.floor(this.rng() * pool.length)] ?? running[0]
    if (c === undefined) throw new Error('no running coordinator to fault')
    rec.wasPrimary = primaries.has(c.name)
    rec.target = c.name
    return c
  }

  private async coordinatorFault (rec: FaultRecord, signal: 'SIGKILL' | 'SIGSTOP'): Promise<void> {
    const c = await this.pickCoordinator(rec)
    const proc = c.proc
    if (proc === undefined) throw new Error(`${c.name} has no process`)
    rec.at = Date.now()
    this.log(`fault #${rec.n}: ${signal} ${c.name} (${rec.wasPrimary === true ? 'primary' : 'standby'}, pid ${proc.pid})`)
    proc.child.kill(signal)
    if (signal === 'SIGKILL') {
      c.state = 'killed'
      await proc.exited
      await sleep(this.timing.coordinatorDownS * 1000)
      await this.topo.restartCoordinator(c)
      rec.repairedAt = Date.now()
      rec.notes.push(`restarted on port ${c.port} (generation ${c.generation})`)
    } else {
      c.state = 'stopped'
      await sleep(this.timing.stopS * 1000)
      proc.child.kill('SIGCONT')
      c.state = 'running'
      rec.repairedAt = Date.now()
    }
    await this.settle(rec)
  }

  private async gatewayRestart (rec: FaultRecord): Promise<void> {
    const r: ReplicaNode | undefined = this.topo.replicas[this.gatewayTurn++ % this.topo.replicas.length]
    if (r === undefined) throw new Error('no replica')
    rec.target = r.name
    rec.at = Date.now()
    this.log(`fault #${rec.n}: restart ${r.name} (SIGTERM: /readyz 503 for the grace period, then stop; start again on the same ports)`)
    await this.topo.stopReplica(r)
    await this.topo.startReplica(r)
    rec.repairedAt = Date.now()
    rec.notes.push(`${r.generations[r.generations.length - 1]?.label ?? r.name} listening ${rec.repairedAt - rec.at} ms after the SIGTERM`)
    await this.settle(rec)
  }

  private async redisOutage (rec: FaultRecord): Promise<void> {
    const { redis } = this.topo
    rec.target = 'redis'
    rec.at = Date.now()
    this.log(`fault #${rec.n}: SIGKILL redis; restart it empty after ${this.timing.redisDownS} s`)
    if (redis.pid !== undefined) process.kill(redis.pid, 'SIGKILL')
    await sleep(this.timing.redisDownS * 1000)
    await redis.restart({ empty: true })
    rec.repairedAt = Date.now()
    const republished = await until(async () => {
      const agreed = await this.sampler.agreed()
      return agreed !== undefined && this.topo.clusters.every((c) => (agreed.get(c.name)?.epoch ?? 0) > 0)
    }, this.timing.settleBoundS * 1000, 100)
    rec.notes.push(republished
      ? `every agreed primary back in Redis ${Date.now() - rec.repairedAt} ms after the empty restart`
      : `agreed primaries NOT back in Redis within ${this.timing.settleBoundS} s`)
    await this.settle(rec)
  }

  private async settle (rec: FaultRecord): Promise<void> {
    const ok = await until(async () => await this.healthy(), this.timing.settleBoundS * 1000)
    if (ok) {
      rec.settledAt = Date.now()
    } else {
      rec.notes.push(`not recovered within ${this.timing.settleBoundS} s of the repair`)
    }
    this.log(`  fault #${rec.n} ${ok ? `recovered ${(Date.now() - rec.at) / 1000} s after it began` : 'did NOT recover in time'}`)
  }
}
