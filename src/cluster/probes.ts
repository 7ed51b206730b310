import type { Dispatcher } from 'undici'
import type { Observation, LoadSnapshot } from './coordinator-status.js'
import type { ClusterConfig } from '../config/index.js'

// The two questions the monitor asks a coordinator: is it alive and ready, and how busy is it.

async function getJson (pool: Dispatcher, path: string, signal: AbortSignal, headers: Record<string, string> = {}): Promise<{ status: number, body: unknown, headers: Dispatcher.ResponseData['headers'] }> {
  const res = await pool.request({ path, method: 'GET', headers: { accept: 'application/json', ...headers }, signal })
  const text = await res.body.text()
  let body: unknown
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined
  } catch {
    body = text
  }
  return { status: res.statusCode, body, headers: res.headers }
}

/**
 * `/v1/info` always; `/v1/info/state` only when `knownShuttingDown` is undefined (the caller asks
 * for it), otherwise the state the caller last saw is reported again.
 */
export async function checkHealth (pool: Dispatcher, signal: AbortSignal, knownShuttingDown?: boolean): Promise<Observation> {
  try {
    const [info, state] = await Promise.all([
      getJson(pool, '/v1/info', signal),
      knownShuttingDown === undefined ? getJson(pool, '/v1/info/state', signal).catch(() => undefined) : undefined
    ])
    if (info.status !== 200 || info.body === null || typeof info.body !== 'object') {
      return { kind: 'failed', error: `/v1/info answered ${info.status}` }
    }
    const doc = info.body as { starting?: unknown, coordinator?: unknown }
    if (doc.starting === true) return { kind: 'starting' }
    if (doc.coordinator === false) return { kind: 'failed', error: '/v1/info says this node is not a coordinator' }
    const shuttingDown = knownShuttingDown ?? (state !== undefined && state.status === 200 && state.body === 'SHUTTING_DOWN')
    return { kind: 'ok', shuttingDown }
  } catch (err) {
    return { kind: 'failed', error: describeError(err) }
  }
}

export function describeError (err: unknown): string {
  const e = err as { code?: string, name?: string, message?: string }
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'timed out'
  return e?.code !== undefined ? `${e.code}: ${e.message ?? ''}`.trim() : (e?.message ?? String(err))
}

function num (v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0
}

function toSnapshot (body: unknown, now: number): LoadSnapshot {
  const b = (body ?? {}) as Record<string, unknown>
  return {
    runningQueries: num(b.runningQueries),
    queuedQueries: num(b.queuedQueries),
    blockedQueries: num(b.blockedQueries),
    activeWorkers: num(b.activeWorkers),
    polledAt: now
  }
}

function basic (monitor: ClusterConfig['monitor']): Record<string, string> {
  if (monitor?.password === undefined) return {}
  return { authorization: `Basic ${Buffer.from(`${monitor.user}:${monitor.password}`).toString('base64')}` }
}

/** Per-coordinator UI session for Trino's /ui/api/stats; kept by the caller between polls. */
export interface UiSession { cookie: string | undefined }

const DEFAULT_MONITOR_USER = 'presto-ha-gateway'

async function uiLogin (pool: Dispatcher, cluster: ClusterConfig, signal: AbortSignal): Promise<string> {
  const user = cluster.monitor?.user ?? DEFAULT_MONITOR_USER
  const form = new URLSearchParams({ username: user, password: cluster.monitor?.password ?? '', redirectPath: '' })
  const res = await pool.request({
    path: '/ui/login',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    signal
  })
  await res.body.dump()
  const set = res.headers['set-cookie']
  const cookies = (Array.isArray(set) ? set : set !== undefined ? [set] : [])
    .map((c) => c.split(';')[0] ?? '')
    .filter((c) => /-UI-Token=./i.test(c))
  if (cookies.length === 0) throw new Error(`/ui/login answered ${res.statusCode} without a session (check the cluster's monitor credentials)`)
  return cookies.join('; ')
}

export async function pollLoad (pool: Dispatcher, cluster: ClusterConfig, session: UiSession, signal: AbortSignal, now: () => number): Promise<LoadSnapshot> {
  if (cluster.flavor === 'presto') {
    const res = await getJson(pool, '/v1/cluster', signal, basic(cluster.monitor))
    if (res.status !== 200) throw new Error(`/v1/cluster answered ${res.status}`)
    return toSnapshot(res.body, now())
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    if (session.cookie === undefined) session.cookie = await uiLogin(pool, cluster, signal)
    const res = await getJson(pool, '/ui/api/stats', signal, { cookie: session.cookie })
    if (res.status === 200) return toSnapshot(res.body, now())
    // The UI session expired (coordinator restart, or its lifetime ran out): log in again once.
    session.cookie = undefined
    if (res.status !== 401 && res.status !== 403 && res.status !== 303) throw new Error(`/ui/api/stats answered ${res.status}`)
  }
  throw new Error('/ui/api/stats refused the session right after login')
}
