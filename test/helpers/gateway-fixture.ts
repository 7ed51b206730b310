import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator/index.js'
import { validateConfig } from '../../src/config/index.js'
import { buildApp, type GatewayApp, type AppOptions } from '../../src/app.js'
import type { ClusterRegistry } from '../../src/cluster/registry.js'

export interface ClusterSpec {
  name: string
  group?: string
  coordinators?: number
  failback?: 'sticky' | 'prefer-first'
  minWorkers?: number
  weight?: number
  flavor?: 'trino' | 'presto'
  emulator?: EmulatorOptions
  monitor?: { user: string, password?: string }
  extra?: Record<string, unknown>
}

export interface Fixture {
  app: GatewayApp
  url: string
  /** emulators by coordinator name, e.g. emulators['blue-a'] */
  emulators: Record<string, EmulatorHandle>
  close: () => Promise<void>
}

/** Starts one emulator per coordinator, named `{cluster}-a`, `{cluster}-b`, ... */
export async function startClusters (specs: readonly ClusterSpec[]): Promise<{ emulators: Record<string, EmulatorHandle>, clusters: Array<Record<string, unknown>> }> {
  const emulators: Record<string, EmulatorHandle> = {}
  const clusters: Array<Record<string, unknown>> = []
  for (const spec of specs) {
    const coordinators = []
    for (let i = 0; i < (spec.coordinators ?? 2); i++) {
      const name = `${spec.name}-${String.fromCharCode(97 + i)}`
      const emu = await startEmulator({ workers: 2, flavor: spec.flavor ?? 'trino', ...spec.emulator })
      emulators[name] = emu
      coordinators.push({ name, url: emu.url })
    }
    clusters.push({
      name: spec.name,
      ...(spec.group !== undefined ? { group: spec.group } : {}),
      ...(spec.failback !== undefined ? { failback: spec.failback } : {}),
      ...(spec.minWorkers !== undefined ? { minWorkers: spec.minWorkers } : {}),
      ...(spec.weight !== undefined ? { weight: spec.weight } : {}),
      ...(spec.flavor !== undefined ? { flavor: spec.flavor } : {}),
      ...(spec.monitor !== undefined ? { monitor: spec.monitor } : {}),
      ...spec.extra,
      coordinators
    })
  }
  return { emulators, clusters }
}

/** A gateway (port 0, loopback) in front of emulated clusters; fast health checks for tests. */
export async function startGateway (specs: readonly ClusterSpec[], config: Record<string, unknown> = {}, opts: AppOptions = {}): Promise<Fixture> {
  const { emulators, clusters } = await startClusters(specs)
  try {
    const gw = await gatewayFor(clusters, config, opts)
    return {
      ...gw,
      emulators,
      close: async () => {
        await gw.close()
        await Promise.all(Object.values(emulators).map(async (e) => await e.close()))
      }
    }
  } catch (err) {
    await Promise.all(Object.values(emulators).map(async (e) => await e.close()))
    throw err
  }
}

export async function gatewayFor (clusters: Array<Record<string, unknown>>, config: Record<string, unknown> = {}, opts: AppOptions = {}): Promise<{ app: GatewayApp, url: string, close: () => Promise<void> }> {
  const { server, health, ...rest } = config as { server?: Record<string, unknown>, health?: Record<string, unknown> }
  const cfg = validateConfig({
    server: { host: '127.0.0.1', port: 0, ...server },
    // Quick enough for tests to be brisk, calm enough not to flap on a busy 2-core machine.
    health: { intervalMs: 200, timeoutMs: 500, rise: 2, fall: 2, ...health },
    clusters,
    ...rest
  }, 'test')
  const app = await buildApp(cfg, { logger: false, defaultMetrics: false, ...opts })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url, close: async () => { await app.close() } }
}

/**
 * Resolves once `predicate` holds, re-checking whenever the gateway learns something (a health
 * observation or a load poll). Event-driven: no sleeps; bounded by `timeoutMs`.
 */
export async function until (app: GatewayApp, predicate: (r: ClusterRegistry) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const { registry, monitor } = app.gateway
  if (predicate(registry)) return
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      // listeners run in order: let the registry apply the event first
      setImmediate(() => {
        if (!predicate(registry)) return
        cleanup()
        resolve()
      })
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out waiting for: ${what}`))
    }, timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      monitor.off('observation', check)
      monitor.off('load', check)
    }
    monitor.on('observation', check)
    monitor.on('load', check)
  })
}

/** Every cluster has a primary that takes new queries. */
export function allEligible (r: ClusterRegistry): boolean {
  for (const rt of r.all()) if (!r.eligibility(rt).ok) return false
  return true
}

export function primaryOf (app: GatewayApp, cluster: string): string | undefined {
  return app.gateway.registry.get(cluster)?.primary
}
