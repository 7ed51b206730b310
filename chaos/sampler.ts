// Samples, every few hundred milliseconds, what each live replica says of every cluster (its
// admin API: primary, epoch, eligibility, coordinator health) and what Redis holds as the agreed
// primaries. The invariant checks read these samples besides the replicas' logs.
import { Redis } from 'ioredis'
import { KEY_PREFIX, VIEWER_TOKEN, type Topology } from './topology.js'

export interface ClusterSample {
  primary: string | null
  epoch: number
  eligible: boolean
  health: Record<string, string>
}

export interface Sample {
  at: number
  /** generation label → cluster → view; a replica that did not answer is absent */
  replicas: Map<string, Map<string, ClusterSample>>
  /** cluster → agreed primary in Redis; undefined when Redis did not answer */
  redis: Map<string, { coordinator: string | null, epoch: number }> | undefined
}

interface AdminCluster {
  name: string
  primary: string | null
  epoch: number
  eligible: boolean
  coordinators: Array<{ name: string, health: string }>
}

export async function adminClusters (url: string, timeoutMs = 1000): Promise<Map<string, ClusterSample>> {
  const res = await fetch(`${url}/admin/clusters`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` }, signal: AbortSignal.timeout(timeoutMs) })
  if (res.status !== 200) {
    await res.arrayBuffer()
    throw new Error(`admin answered ${res.status}`)
  }
  const doc = await res.json() as AdminCluster[]
  const out = new Map<string, ClusterSample>()
  for (const c of doc) {
    out.set(c.name, { primary: c.primary, epoch: c.epoch, eligible: c.eligible, health: Object.fromEntries(c.coordinators.map((x) => [x.name, x.health])) })
  }
  return out
}

export class Sampler {
  readonly samples: Sample[] = []
  private readonly redis: Redis
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined

  constructor (private readonly topo: Topology, readonly periodMs: number) {
    this.redis = new Redis(topo.redis.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      retryStrategy: () => 200
    })
    this.redis.on('error', () => { /* Redis is killed on purpose */ })
  }

  async start (): Promise<void> {
    await this.redis.connect().catch(() => {})
    this.timer = setInterval(() => {
      if (this.running !== undefined) return
      this.running = this.sampleOnce().finally(() => { this.running = undefined })
    }, this.periodMs)
  }

  /** The agreed primaries in Redis now (undefined when Redis does not answer). */
  async agreed (): Promise<Map<string, { coordinator: string | null, epoch: number }> | undefined> {
    try {
      const p = this.redis.pipeline()
      for (const c of this.topo.clusters) p.hmget(`${KEY_PREFIX}ha:primary:${c.name}`, 'coordinator', 'epoch')
      const res = await p.exec()
      if (res === null) return undefined
      const out = new Map<string, { coordinator: string | null, epoch: number }>()
      for (const [i, c] of this.topo.clusters.entries()) {
        const [err, value] = res[i] ?? [new Error('missing'), null]
        if (err !== null) return undefined
        const [coordinator, epoch] = value as [string | null, string | null]
        out.set(c.name, { coordinator, epoch: Number(epoch ?? 0) })
      }
      return out
    } catch {
      return undefined
    }
  }

  private async sampleOnce (): Promise<void> {
    const at = Date.now()
    const replicas = new Map<string, Map<string, ClusterSample>>()
    await Promise.all(this.topo.replicas.map(async (r) => {
      const g = r.generations[r.generations.length - 1]
      if (r.current === undefined || g === undefined || g.stopRequestedAt !== undefined) return
      try {
        replicas.set(g.label, await adminClusters(r.url, Math.max(this.periodMs * 3, 1000)))
      } catch { /* not answering: absent from this sample */ }
    }))
    const redis = await this.agreed()
    this.samples.push({ at, replicas, redis })
  }

  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.running
    this.redis.disconnect()
  }
}
