// The pieces a scenario puts together: gateways (the real CLI, one process each), emulated
// coordinators, the two bare baselines, the load generator, Redis. Core placement: what is being
// measured (gateway, baseline, HAProxy) on core 0; load generator, emulators, workers and Redis on
// core 1 — so the thing under test has a core to itself and the rest of the rig never steals it.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startRedis, type RedisServer } from '../../test/helpers/redis-server.js'
import { pin, registerOwnPid, runDir, spawnNode, sleep, type Proc } from './procs.js'
import { startRpcChild, type RpcProc } from './rpc.js'

export const CORE_UNDER_TEST = 0
export const CORE_RIG = 1

export interface GatewayProc extends Proc {
  url: string
  port: number
  /** cluster → bound discovery port */
  discoveryPorts: Map<string, number>
  /** started with --profile: profileStart/profileStop bracket a load window */
  profiling: boolean
  profileStart: () => Promise<void>
  /** the .cpuprofile written (undefined when not profiling) */
  profileStop: () => Promise<string | undefined>
}

export interface CoordinatorSpec { name: string, url: string }
export interface ClusterSpec {
  name: string
  coordinators: CoordinatorSpec[]
  discoveryPort?: number
  minWorkers?: number
}

export interface GatewayConfigOptions {
  mode: 'redirect' | 'handoff' | 'proxy'
  redisUrl?: string | undefined
  keyPrefix?: string
  clusters: ClusterSpec[]
  health?: { intervalMs?: number, timeoutMs?: number, rise?: number, fall?: number }
}

/** A gateway config (YAML is a superset of JSON): loopback, port 0, no shutdown grace. */
export function gatewayConfig (o: GatewayConfigOptions): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 0 },
    ...(o.redisUrl !== undefined ? { store: { redis: { url: o.redisUrl, keyPrefix: o.keyPrefix ?? 'phg:' } } } : {}),
    routing: { mode: o.mode },
    ...(o.health !== undefined ? { health: o.health } : {}),
    clusters: o.clusters.map((c) => ({
      name: c.name,
      ...(c.minWorkers !== undefined ? { minWorkers: c.minWorkers } : {}),
      ...(c.discoveryPort !== undefined ? { discovery: { port: c.discoveryPort } } : {}),
      coordinators: c.coordinators.map((x) => ({ name: x.name, url: x.url }))
    }))
  }
}

/** `node --import tsx src/server.ts --config FILE` on the core under test; resolves once it routes. */
export async function startGateway (name: string, config: Record<string, unknown>, opts: { profile?: boolean, waitEligible?: boolean } = {}): Promise<GatewayProc> {
  const file = join(runDir(), `${name}.yaml`)
  writeFileSync(file, JSON.stringify(config, null, 2))
  const profileDir = join(runDir(), `${name}-profiles`)
  if (opts.profile === true) mkdirSync(profileDir, { recursive: true })
  // Started on any core (tsx compiles the sources: seconds of CPU), pinned once it listens.
  const proc = spawnNode('src/server.ts', ['--config', file], {
    name,
    ...(opts.profile === true ? { nodeArgs: ['--import', './bench/procs/cpu-profiler.ts'], env: { PHG_BENCH_PROFILE_DIR: profileDir } } : {})
  })
  // The discovery listeners log the same message with a "component" field.
  const m = await proc.waitForLog(/^(?:(?!"component")[^\n])*"msg":"Server listening at (http:\/\/127\.0\.0\.1:(\d+))"/m, 60_000)
  pin(proc.pid, CORE_UNDER_TEST)
  const url = m[1] ?? ''
  const discoveryPorts = new Map<string, number>()
  for (const line of proc.log().split('\n')) {
    if (!line.includes('"discovery proxy listening"')) continue
    try {
      const doc = JSON.parse(line) as { cluster?: string, port?: number }
      if (typeof doc.cluster === 'string' && typeof doc.port === 'number') discoveryPorts.set(doc.cluster, doc.port)
    } catch { /* not JSON */ }
  }
  if (opts.waitEligible !== false) await waitReady(url, 30_000)
  return Object.assign(proc, {
    url,
    port: Number(m[2]),
    discoveryPorts,
    profiling: opts.profile === true,
    profileStart: async () => {
      if (opts.profile !== true) return
      const from = proc.logSize()
      writeFileSync(join(profileDir, 'start'), '')
      await proc.waitForLog(/cpu profile started/, 10_000, from)
    },
    profileStop: async () => {
      if (opts.profile !== true) return undefined
      const from = proc.logSize()
      writeFileSync(join(profileDir, 'stop'), '')
      const w = await proc.waitForLog(/cpu profile written (\S+\.cpuprofile)/, 30_000, from)
      return w[1]
    }
  })
}

/** /readyz answers 200 with no degradation (every group has an eligible cluster). */
export async function waitReady (url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })
      last = await res.text()
      if (res.status === 200 && (JSON.parse(last) as { degradations?: unknown[] }).degradations?.length === 0) return
    } catch (err) {
      last = (err as Error).message
    }
    await sleep(100)
  }
  throw new Error(`gateway ${url} not ready after ${timeoutMs} ms: ${last}`)
}

export interface EmulatorInfo { name: string, url: string, port: number, controlUrl: string, suffix: string }
export interface Emulators extends RpcProc { coordinators: Map<string, EmulatorInfo> }

/** Emulated coordinators in one process on the rig core. */
export async function startEmulators (name: string, coordinators: Array<{ name: string, port?: number, workers?: number, queuedTimeoutMs?: number }>): Promise<Emulators> {
  const proc = await startRpcChild('bench/procs/emulators.ts', [JSON.stringify({ coordinators })], { name, core: CORE_RIG })
  const list = proc.info as EmulatorInfo[]
  return Object.assign(proc, { coordinators: new Map(list.map((e) => [e.name, e])) })
}

export async function control (e: EmulatorInfo, action: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${e.controlUrl}/faults/${action}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) })
  if (res.status !== 200) throw new Error(`${e.name}: ${action} answered ${res.status}: ${await res.text()}`)
}

/** Active workers an emulated coordinator reports (announced ones included). */
export async function activeWorkers (e: EmulatorInfo): Promise<number> {
  const res = await fetch(`${e.controlUrl}/state`, { signal: AbortSignal.timeout(2000) })
  const doc = await res.json() as { stats?: { activeWorkers?: number } }
  return doc.stats?.activeWorkers ?? 0
}

export interface Baseline extends Proc { url: string }

/** One of the bare node:http baselines, on the core under test. */
export async function startBaseline (name: string, kind: 'redirect' | 'proxy' | 'fastify', target: string): Promise<Baseline> {
  const proc = spawnNode(`bench/procs/baseline-${kind}.ts`, [target], { name, core: CORE_UNDER_TEST })
  const m = await proc.waitForLog(/listening (\d+)/, 30_000)
  return Object.assign(proc, { url: `http://127.0.0.1:${m[1] ?? '0'}` })
}

/** The load generator, on the rig core. */
export async function startLoadgen (): Promise<RpcProc> {
  return await startRpcChild('bench/procs/loadgen.ts', [], { name: 'loadgen', core: CORE_RIG })
}

/** A real redis-server (test/helpers/redis-server.ts), moved onto the rig core. */
export async function startPinnedRedis (): Promise<RedisServer> {
  const redis = await startRedis()
  if (redis.pid !== undefined) {
    pin(redis.pid, CORE_RIG)
    registerOwnPid(redis.pid)
  }
  return redis
}

/** FLUSHALL on a Redis, between scenarios that share it. */
export async function flushRedis (url: string): Promise<void> {
  const { Redis } = await import('ioredis')
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await client.connect()
    await client.flushall('SYNC')
  } finally {
    client.disconnect()
  }
}
