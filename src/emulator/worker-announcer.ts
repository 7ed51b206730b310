import { randomUUID } from 'node:crypto'
import { request } from 'node:http'

export interface WorkerAnnouncerOptions {
  /** The worker's discovery.uri: a coordinator, or the gateway's discovery port. */
  discoveryUri: string
  nodeId: string
  environment: string
  /** airlift: PUT /v1/announcement/{nodeId} (Presto, older Trino); announce: POST /v1/announce (Trino). */
  style: 'airlift' | 'announce'
  /** Re-announce period; real workers use ~8 s (airlift) or 5 s (announce). */
  intervalMs: number
  /** The worker's own internal URI (default http://127.0.0.1:8081/{nodeId}). */
  workerUri?: string
  /** Service type of an airlift announcement (default 'trino'). */
  serviceType?: 'trino' | 'presto'
  pool?: string
  version?: string
}

export interface WorkerAnnouncer {
  /** Announces at once; resolves with the HTTP status, rejects when the discovery server cannot be reached. */
  announceNow: () => Promise<number>
  /** Stops announcing; with unannounce (airlift), also DELETEs the registration as a shutting-down worker does. */
  stop: (opts?: { unannounce?: boolean }) => Promise<void>
  /** The outcome of the latest announcement, for tests that wait on it. */
  last: () => { status: number | null, error: string | null, count: number }
}

function send (method: string, target: URL, body: string | null, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': contentType }
    if (body !== null) headers['content-length'] = Buffer.byteLength(body)
    // No keep-alive agent: an announcer must never hold a process open or reuse a socket a fault cut.
    const req = request(target, { method, headers, agent: false, timeout: 5000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('announcement timed out')))
    req.on('error', reject)
    req.end(body ?? undefined)
  })
}

/** An emulated worker that keeps announcing itself to a discovery server, like a real worker. */
export function startWorkerAnnouncer (opts: WorkerAnnouncerOptions): WorkerAnnouncer {
  const base = opts.discoveryUri.replace(/\/+$/, '')
  const workerUri = opts.workerUri ?? `http://127.0.0.1:8081/${opts.nodeId}`
  const serviceId = randomUUID()
  let status: number | null = null
  let error: string | null = null
  let count = 0
  let stopped = false

  const announceNow = async (): Promise<number> => {
    try {
      const code = opts.style === 'airlift'
        ? await send('PUT', new URL(`${base}/v1/announcement/${encodeURIComponent(opts.nodeId)}`), JSON.stringify({
          environment: opts.environment,
          nodeId: opts.nodeId,
          pool: opts.pool ?? 'general',
          location: `/${opts.nodeId}`,
          services: [{
            id: serviceId,
            type: opts.serviceType ?? 'trino',
            properties: { node_version: opts.version ?? 'emulated', coordinator: 'false', http: workerUri, 'http-external': workerUri }
          }]
        }), 'application/json')
        : await send('POST', new URL(`${base}/v1/announce`), workerUri, 'text/plain')
      status = code
      error = null
      count++
      return code
    } catch (e) {
      status = null
      error = e instanceof Error ? e.message : String(e)
      throw e
    }
  }

  const timer = setInterval(() => {
    if (!stopped) announceNow().catch(() => {})
  }, opts.intervalMs)
  timer.unref()
  announceNow().catch(() => {})

  return {
    announceNow,
    last: () => ({ status, error, count }),
    stop: async (stopOpts) => {
      stopped = true
      clearInterval(timer)
      if (stopOpts?.unannounce === true && opts.style === 'airlift') {
        await send('DELETE', new URL(`${base}/v1/announcement/${encodeURIComponent(opts.nodeId)}`), null, 'application/json').catch(() => 0)
      }
    }
  }
}
