import type { IncomingHttpHeaders } from 'node:http'

/** One announcement as a worker sent it, kept so that it can be sent again to a new primary. */
export interface Announcement {
  method: 'PUT' | 'POST'
  /** path and query as the worker sent them */
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
  at: number
}

/**
 * The latest announcement of each worker that announced through this gateway, per cluster. A new
 * primary starts with no workers and would otherwise wait for each worker's next announcement
 * (5–8 s on Trino and Presto); sent again at once, they are all there within a round trip.
 * Entries older than `maxAgeMs` (a coordinator forgets a worker after ~30 s) are never sent again;
 * that also keeps a replayed `X-Trino-Internal-Bearer` well inside its 5 minutes of validity.
 */
export class AnnouncementMemory {
  private readonly byCluster = new Map<string, Map<string, Announcement>>()

  constructor (private readonly maxAgeMs = 30_000, private readonly now: () => number = Date.now) {}

  remember (cluster: string, a: Omit<Announcement, 'at'>): void {
    // airlift: one registration per node id (the path); Trino's /v1/announce: the body is the worker's URI.
    const key = a.method === 'PUT' ? pathOf(a.url) : `announce ${a.body.toString('utf8')}`
    let m = this.byCluster.get(cluster)
    if (m === undefined) this.byCluster.set(cluster, (m = new Map()))
    m.delete(key)
    m.set(key, { ...a, at: this.now() })
    this.prune(m)
  }

  /** A worker unannounced itself (airlift DELETE /v1/announcement/{nodeId}). */
  forget (cluster: string, path: string): void {
    this.byCluster.get(cluster)?.delete(pathOf(path))
  }

  /** The announcements still fresh enough to send to a new primary. */
  fresh (cluster: string): Announcement[] {
    const m = this.byCluster.get(cluster)
    if (m === undefined) return []
    this.prune(m)
    return [...m.values()]
  }

  dropCluster (cluster: string): void {
    this.byCluster.delete(cluster)
  }

  private prune (m: Map<string, Announcement>): void {
    // Insertion order is announcement order (re-announcements are moved to the end).
    const oldest = this.now() - this.maxAgeMs
    for (const [k, a] of m) {
      if (a.at >= oldest) break
      m.delete(k)
    }
  }
}

function pathOf (url: string): string {
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}
