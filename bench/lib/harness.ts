// What every scenario shares: the run's options, the rig (Redis, load generator), the figures it
// reports, and measured(): a run taken when the machine is quiet enough, re-taken (bounded) when
// other work on the machine disturbed it, with what the rest of the machine used recorded.
import type { RedisServer } from '../../test/helpers/redis-server.js'
import type { CannonJob, CannonResult } from '../procs/loadgen.js'
import type { HaproxyAvailability } from './haproxy.js'
import { CLK_TCK, cpuTicks, NoiseMeter, sleep } from './procs.js'
import type { RpcProc } from './rpc.js'
import { spread, type Spread } from './stats.js'

export interface Options {
  quick: boolean
  /** CPU-profile the gateway during its load windows */
  profile: boolean
  only: string[] | undefined
  out: string
  keep: boolean
  /** write the report again from the last run's figures, measuring nothing */
  render: boolean
}

export interface Ctx {
  opts: Options
  log: (s: string) => void
  redis: RedisServer
  loadgen: RpcProc
  haproxy: HaproxyAvailability
  /** runs per figure */
  runs: number
  /** seconds of one fixed-rate or closed-loop load run */
  durationS: number
  /** seconds of the warm-up load before a scenario's runs, per target */
  warmupS: number
  /** quiet-waiting and re-runs left for the whole suite */
  budget: { quietWaitMs: number, retries: number }
}

/** A machine whose other processes use more than this many cores is "noisy" for a measurement. */
export const NOISY_CORES = 0.35

export interface Figure {
  name: string
  unit: string
  /** the gateway's figure */
  ours?: Spread | undefined
  baseline?: { label: string, value: Spread } | undefined
  /** per-run comparison with the baseline */
  compare?: { kind: 'ratio' | 'added', value: Spread } | undefined
  goal?: { text: string, met: boolean | undefined, on?: 'ours' | 'compare' } | undefined
  note?: string | undefined
}

export interface ScenarioReport {
  id: string
  title: string
  /** setup, in a few markdown lines */
  setup: string[]
  figures: Figure[]
  /** extra markdown lines: per-run tables, observations */
  details: string[]
  /** what the rest of the machine used during the accepted runs, in cores */
  foreign: Spread
  runs: number
  skipped?: string
  error?: string
  profiles: string[]
}

export function newReport (id: string, title: string): ScenarioReport {
  return { id, title, setup: [], figures: [], details: [], foreign: spread([]), runs: 0, profiles: [] }
}

/** Waits (within the suite's budget) until the rest of the machine uses < NOISY_CORES. */
export async function waitQuiet (ctx: Ctx): Promise<number> {
  let last = 0
  for (;;) {
    const m = new NoiseMeter()
    await sleep(500)
    last = m.stop().foreignCores
    if (last < NOISY_CORES || ctx.budget.quietWaitMs <= 0) return last
    ctx.budget.quietWaitMs -= 500
  }
}

export interface Measured<T> { value: T, foreign: number, attempts: number }

/**
 * Takes one measurement: waits for a quiet machine (bounded), measures, and if the rest of the
 * machine used more than NOISY_CORES meanwhile, measures again (within the retry budget), keeping
 * the least disturbed attempt.
 */
export async function measured<T> (ctx: Ctx, fn: () => Promise<T>): Promise<Measured<T>> {
  let best: Measured<T> | undefined
  for (let attempt = 1; ; attempt++) {
    await waitQuiet(ctx)
    const meter = new NoiseMeter()
    const value = await fn()
    const foreign = meter.stop().foreignCores
    if (best === undefined || foreign < best.foreign) best = { value, foreign, attempts: attempt }
    best.attempts = attempt
    if (foreign < NOISY_CORES || ctx.budget.retries <= 0 || attempt >= 3) return best
    ctx.budget.retries--
    ctx.log(`    (noisy: other processes used ${foreign.toFixed(2)} cores; measuring again)`)
  }
}

export type Load = CannonResult & {
  /** CPU time the process under test (`pid`) used per response, µs (NaN without a pid) */
  cpuUsPerReq: number
}

/**
 * One autocannon run from the load generator. With `pid`, the CPU time that process used during the
 * run is read from /proc: CPU per request does not depend on how the scheduler treated the run.
 */
export async function cannon (ctx: Ctx, job: CannonJob, pid?: number): Promise<Load> {
  const t0 = pid === undefined ? undefined : cpuTicks(pid)
  const r = await ctx.loadgen.call<CannonResult>('cannon', job, (job.durationS + 40) * 1000)
  const t1 = pid === undefined ? undefined : cpuTicks(pid)
  const cpuUsPerReq = t0 === undefined || t1 === undefined || r.responses === 0 ? Number.NaN : (t1 - t0) * 1e6 / CLK_TCK / r.responses
  return { ...r, cpuUsPerReq }
}

/** The warm-up load before a scenario's runs (none in quick mode). */
export async function warmup (ctx: Ctx, job: CannonJob): Promise<void> {
  if (ctx.warmupS > 0) await cannon(ctx, { ...job, durationS: ctx.warmupS })
}

/** Closed-loop throughput with 32 connections: what "capacity" means for the fixed-rate runs. */
export async function capacity (ctx: Ctx, job: Omit<CannonJob, 'connections' | 'durationS' | 'rate'>, pid: number): Promise<{ rps: number, cpuUsPerReq: number }> {
  const durationS = ctx.opts.quick ? 1 : 3
  const r = await cannon(ctx, { ...job, connections: 32, durationS }, pid)
  return { rps: r.ok / durationS, cpuUsPerReq: r.cpuUsPerReq }
}

/** Connections for a fixed-rate run: enough that one is always idle when a request is due. */
export function connectionsFor (rate: number): number {
  return Math.max(8, Math.min(128, Math.ceil(rate / 100)))
}

export function fmt (v: number, digits = 2): string {
  if (!Number.isFinite(v)) return '—'
  return v.toFixed(digits)
}

export function fmtSpread (s: Spread, digits = 2): string {
  if (s.n === 0) return '—'
  if (s.n === 1) return fmt(s.median, digits)
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
}

export function checkCannon (label: string, r: CannonResult): string[] {
  const issues: string[] = []
  const bad = Object.entries(r.unexpected)
  if (bad.length > 0) issues.push(`${label}: unexpected statuses ${bad.map(([c, n]) => `${c}×${n}`).join(', ')}`)
  if (r.errors > 0 || r.timeouts > 0) issues.push(`${label}: ${r.errors} errors, ${r.timeouts} timeouts`)
  return issues
}

/**
 * Sets a figure's goal, judged on the median of `on` (the gateway's figure or the comparison with
 * the baseline). Returns the figure for chaining.
 */
export function judge (fig: Figure, text: string, on: 'ours' | 'compare', op: '>=' | '<=', threshold: number): Figure {
  const s = on === 'ours' ? fig.ours : fig.compare?.value
  const v = s?.median
  const met = v === undefined || !Number.isFinite(v) ? undefined : op === '>=' ? v >= threshold : v <= threshold
  fig.goal = { text, met, on }
  return fig
}
