// The system under chaos, every piece a process of its own on loopback: Redis, two gateway
// replicas (the real CLI), an HAProxy front door in front of them (as deploy/haproxy does), and
// emulated coordinators (the real CLI's `emulate`), plus emulated workers announcing through each
// replica's discovery ports. Coordinators and replicas can be killed, stopped and started again on
// the same ports.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, runDir, sleep, spawnNode, spawnProc, type Proc } from './procs.js'
import { startGatewayProcess, type GatewayProcess } from '../test/helpers/gateway-process.js'
import { startRedis, type RedisServer } from '../test/helpers/redis-server.js'
import { startWorkerAnnouncer, type WorkerAnnouncer } from '../src/emulator/index.js'
import type { ClientKind, Flavor } from './clients.js'

export const KEY_PREFIX = 'phgchaos:'
export const VIEWER_TOKEN = 'chaos-viewer-token-0123456789'
export type Mode = 'redirect' | 'handoff' | 'proxy'
export const MODES: readonly Mode[] = ['redirect', 'handoff', 'proxy']

export interface HealthSettings { intervalMs: number, timeoutMs: number, rise: number, fall: number }

export interface CoordinatorNode {
  readonly name: string
  readonly cluster: string
  readonly flavor: Flavor
  readonly port: number
  readonly url: string
  proc: Proc | undefined
  /** 1 for the first process, +1 per restart */
  generation: number
  /** query id suffix → generation: which process instance made a query id */
  readonly suffixes: Map<string, number>
  state: 'running' | 'killed' | 'stopped'
}

export interface ClusterNode {
  readonly name: string
  readonly flavor: Flavor
  readonly group: string
  readonly coordinators: CoordinatorNode[]
  /** discovery port of this cluster on each replica (index = replica index) */
  readonly discoveryPorts: number[]
}

export interface Generation {
  /** e.g. gw1#2 */
  readonly label: string
  readonly replica: string
  readonly gen: number
  readonly proc: GatewayProcess
  readonly startedAt: number
  /** when the harness asked it to stop (SIGTERM) */
  stopRequestedAt: number | undefined
  stoppedAt: number | undefined
}

export interface ReplicaNode {
  readonly name: string
  readonly index: number
  readonly port: number
  readonly url: string
  readonly config: Record<string, unknown>
  current: GatewayProcess | undefined
  readonly generations: Generation[]
}

export interface Stream { client: ClientKind, flavor: Flavor, mode: Mode, group: string, user: string }

export interface Topology {
  readonly redis: RedisServer
  readonly clusters: ClusterNode[]
  readonly replicas: ReplicaNode[]
  readonly coordinators: CoordinatorNode[]
  readonly frontUrl: string
  readonly haproxy: Proc
  readonly health: HealthSettings
  readonly streams: Stream[]
  readonly announcers: WorkerAnnouncer[]
  restartCoordinator: (c: CoordinatorNode) => Promise<void>
  startReplica: (r: ReplicaNode) => Promise<void>
  stopReplica: (r: ReplicaNode) => Promise<void>
  close: () => Promise<void>
}

const CLUSTERS: Array<{ name: string, flavor: Flavor, group: string }> = [
  { name: 'blue', flavor: 'trino', group: 'trino' },
  { name: 'green', flavor: 'trino', group: 'trino' },
  { name: 'orange', flavor: 'presto', group: 'presto' },
  { name: 'purple', flavor: 'presto', group: 'presto' }
]

/** Every mode × every client, each client on a routing group its header family can use. */
function streamsFor (): Stream[] {
  const clients: Array<{ client: ClientKind, flavor: Flavor }> = [
    { client: 'trino-client', flavor: 'trino' },
    { client: 'presto-client', flavor: 'trino' },
    { client: 'raw', flavor: 'trino' },
    { client: 'presto-js-client', flavor: 'presto' },
    { client: 'presto-client', flavor: 'presto' },
    { client: 'raw', flavor: 'presto' }
  ]
  const out: Stream[] = []
  for (const mode of MODES) {
    for (const c of clients) {
      // The rules choose group and mode from the user name: {r|h|p}_{t|p}_...
      out.push({ ...c, mode, group: c.flavor, user: `${mode[0] ?? 'x'}_${c.flavor[0] ?? 'x'}_${c.client.replace(/-/g, '')}` })
    }
  }
  return out
}

function rules (): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const mode of MODES) {
    for (const group of ['trino', 'presto']) {
      out.push({ name: `${mode}-${group}`, match: { user: `^${mode[0] ?? 'x'}_${group[0] ?? 'x'}_` }, group, mode })
    }
  }
  return out
}

async function startCoordinatorProcess (c: CoordinatorNode, log: (s: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const proc = spawnNode('src/server.ts', ['emulate', '--port', String(c.port), '--flavor', c.flavor, '--workers', '0'], c.name)
    try {
      const m = await proc.waitForLog(/emulated (\S+) \(query id suffix ([a-z0-9]+)\)/, 45_000)
      c.proc = proc
      c.generation++
      c.suffixes.set(m[2] ?? '', c.generation)
      c.state = 'running'
      return
    } catch (err) {
      await proc.stop(500)
      if (attempt >= 3) throw err
      log(`  ${c.name} did not start (attempt ${attempt}): ${(err as Error).message.split('\n')[0] ?? ''}; retrying`)
      await sleep(500)
    }
  }
}

function haproxyConfig (port: number, replicas: Array<{ name: string, port: number }>, health: HealthSettings): string {
  return [
    '# The chaos front door: deploy/haproxy/haproxy.cfg on loopback, with faster checks.',
    'global',
    '  maxconn 4096',
    'defaults',
    '  timeout connect 2s',
    '  timeout client 10m',
    '  timeout server 10m',
    '  timeout http-request 30s',
    '  timeout http-keep-alive 65s',
    '  timeout check 2s',
    '  retries 2',
    '  option redispatch 1',
    `  default-server inter ${Math.max(100, Math.round(health.intervalMs / 2))} fall 2 rise 2`,
    'frontend clients',
    '  mode http',
    `  bind 127.0.0.1:${port}`,
    '  default_backend gateways',
    'backend gateways',
    '  mode http',
    '  balance roundrobin',
    '  option httpchk',
    '  http-check send meth GET uri /readyz',
    '  http-check expect status 200',
    '  retry-on conn-failure',
    ...replicas.map((r) => `  server ${r.name} 127.0.0.1:${r.port} check`),
    ''
  ].join('\n')
}

export async function startTopology (health: HealthSettings, log: (s: string) => void): Promise<Topology> {
  const redis = await startRedis()
  log(`redis ${redis.url}`)
  const replicaPorts = [await freePort(), await freePort()]
  const frontPort = await freePort()
  const frontUrl = `http://127.0.0.1:${frontPort}`

  const clusters: ClusterNode[] = []
  for (const spec of CLUSTERS) {
    const coordinators: CoordinatorNode[] = []
    for (const suffix of ['a', 'b']) {
      const port = await freePort()
      coordinators.push({ name: `${spec.name}-${suffix}`, cluster: spec.name, flavor: spec.flavor, port, url: `http://127.0.0.1:${port}`, proc: undefined, generation: 0, suffixes: new Map(), state: 'killed' })
    }
    clusters.push({ ...spec, coordinators, discoveryPorts: [await freePort(), await freePort()] })
  }
  const coordinators = clusters.flatMap((c) => c.coordinators)
  // Two at a time: tsx compiles on start, and a 2-core machine is shared with the gateways.
  for (let i = 0; i < coordinators.length; i += 2) {
    await Promise.all(coordinators.slice(i, i + 2).map(async (c) => { await startCoordinatorProcess(c, log) }))
  }
  log(`coordinators ${coordinators.map((c) => `${c.name}=:${c.port}`).join(' ')}`)

  const replicas: ReplicaNode[] = replicaPorts.map((port, index) => {
    const name = `gw${index + 1}`
    const config = {
      server: { host: '127.0.0.1', port, publicUrl: frontUrl, shutdownGraceMs: 1500 },
      store: { redis: { url: redis.url, keyPrefix: KEY_PREFIX } },
      health,
      routing: { mode: 'redirect', defaultGroup: 'trino', rules: rules() },
      admin: { tokens: [{ name: 'chaos', token: VIEWER_TOKEN, role: 'viewer' }] },
      clusters: clusters.map((c) => ({
        name: c.name,
        flavor: c.flavor,
        group: c.group,
        minWorkers: 1,
        failback: 'sticky',
        discovery: { port: c.discoveryPorts[index] },
        coordinators: c.coordinators.map((x) => ({ name: x.name, url: x.url }))
      }))
    }
    return { name, index, port, url: `http://127.0.0.1:${port}`, config, current: undefined, generations: [] }
  })

  const startReplica = async (r: ReplicaNode): Promise<void> => {
    const gen = r.generations.length + 1
    const label = `${r.name}#${gen}`
    let proc: GatewayProcess | undefined
    for (let attempt = 1; proc === undefined; attempt++) {
      try {
        proc = await startGatewayProcess(r.config, { name: label, startTimeoutMs: 45_000 })
      } catch (err) {
        if (attempt >= 3) throw err
        log(`  ${label} did not start (attempt ${attempt}): ${(err as Error).message.split('\n')[0] ?? ''}; retrying`)
        await sleep(1000)
      }
    }
    r.current = proc
    const listening = proc.logs.find((l) => l.component === undefined && typeof l.msg === 'string' && l.msg.startsWith('Server listening'))
    r.generations.push({ label, replica: r.name, gen, proc, startedAt: listening?.time ?? Date.now(), stopRequestedAt: undefined, stoppedAt: undefined })
  }
  const stopReplica = async (r: ReplicaNode): Promise<void> => {
    const g = r.generations[r.generations.length - 1]
    if (r.current === undefined || g === undefined) return
    g.stopRequestedAt = Date.now()
    await r.current.stop()
    g.stoppedAt = Date.now()
    r.current = undefined
  }
  await Promise.all(replicas.map(startReplica))
  log(`replicas ${replicas.map((r) => `${r.name}=${r.url}`).join(' ')}`)

  const cfgFile = join(runDir(), 'haproxy.cfg')
  writeFileSync(cfgFile, haproxyConfig(frontPort, replicas, health))
  const check = spawnSync('haproxy', ['-c', '-f', cfgFile], { encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`haproxy rejects its config: ${check.stdout}${check.stderr}`)
  const haproxy = spawnProc('haproxy', ['-db', '-f', cfgFile], 'haproxy')
  log(`front door (haproxy) ${frontUrl}`)

  // Workers: two per cluster, each announcing through one replica's discovery port.
  const announcers: WorkerAnnouncer[] = []
  for (const c of clusters) {
    for (const r of replicas) {
      announcers.push(startWorkerAnnouncer({
        discoveryUri: `http://127.0.0.1:${c.discoveryPorts[r.index] ?? 0}`,
        nodeId: `${c.name}-worker-${r.index + 1}`,
        environment: 'test',
        style: c.flavor === 'trino' && r.index === 0 ? 'announce' : 'airlift',
        serviceType: c.flavor,
        workerUri: `http://127.0.0.1:9/${c.name}-worker-${r.index + 1}`,
        intervalMs: 1000
      }))
    }
  }

  return {
    redis,
    clusters,
    replicas,
    coordinators,
    frontUrl,
    haproxy,
    health,
    streams: streamsFor(),
    announcers,
    restartCoordinator: async (c) => { await startCoordinatorProcess(c, log) },
    startReplica,
    stopReplica,
    close: async () => {
      await Promise.all(announcers.map(async (a) => { await a.stop() }))
      await haproxy.stop(1000)
      await Promise.all(replicas.map(async (r) => {
        if (r.current !== undefined) {
          const g = r.generations[r.generations.length - 1]
          if (g !== undefined) g.stopRequestedAt ??= Date.now()
          await r.current.kill()
          if (g !== undefined) g.stoppedAt ??= Date.now()
        }
      }))
      await Promise.all(coordinators.map(async (c) => {
        if (c.proc !== undefined) {
          c.proc.child.kill('SIGCONT')
          await c.proc.stop(1000)
        }
      }))
      await redis.stop()
    }
  }
}
