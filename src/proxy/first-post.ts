import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Dispatcher } from 'undici'
import type { GatewayContext } from '../gateway-context.js'
import type { ClusterConfig } from '../config/index.js'
import type { CoordinatorStatus } from '../cluster/coordinator-status.js'
import { upstreamRequestHeaders, clientResponseHeaders } from './hop-headers.js'
import { classify } from './forwarder.js'
import { rewriteDocument } from './uri-rewriter.js'
import { publicBase } from '../protocol/gateway-query.js'

export interface FirstPost {
  cluster: ClusterConfig
  coordinator: CoordinatorStatus
  mode: 'handoff' | 'proxy'
  group: string
  user: string | undefined
  body: Buffer
  transactionId: string | undefined
  /** the cluster's coordinator origins (ClusterRuntime.rewriteFrom) */
  rewriteFrom: readonly string[]
  /**
   * Whether the coordinator is still the cluster's primary. A primary that stalled while holding
   * the POST may answer after its standby took over: that answer must not reach the client.
   */
  stillPrimary: () => boolean
  /** runs once the coordinator accepted the query, before the client hears of it */
  beforeReply: (queryId: string | undefined) => void
}

export type FirstPostOutcome =
  | { ok: true }
  | { ok: false, kind: 'connect' | 'timeout' | 'reset' | 'status' | 'superseded', error: string }

// A first POST's answer is one small QUEUED document: reading it whole lets the gateway record
// the query id before the client can send anything else (a cancel to another replica finds it).
const MAX_FIRST_ANSWER = 4 * 1024 * 1024
const RETRYABLE_STATUS = new Set([502, 503, 504])

/**
 * Forwards the first POST of a query to the coordinator. In handoff mode with the Host of the
 * coordinator's externalUrl, so its URIs send the client straight there; in proxy mode with its
 * internal Host, and its URIs are rewritten to the gateway.
 * Before the coordinator answers nothing reaches the client, so the caller may try elsewhere:
 * the coordinator runs a query only once its queued URI is polled (PROTOCOL.md §1).
 */
export async function sendFirstPost (ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply, p: FirstPost): Promise<FirstPostOutcome> {
  const headers = upstreamRequestHeaders(req.headers, p.cluster.forwardedHeaders)
  headers.host = p.mode === 'handoff' ? p.coordinator.externalHost : p.coordinator.host
  headers['accept-encoding'] = 'identity'
  let res: Dispatcher.ResponseData
  let buf: Buffer
  try {
    res = await ctx.pools.get(p.coordinator.url, 'forward').request({
      path: req.url,
      method: 'POST',
      headers,
      body: p.body,
      headersTimeout: ctx.config.upstream.timeouts.headersMs
    })
    buf = await readBounded(res.body, MAX_FIRST_ANSWER)
  } catch (err) {
    return { ok: false, kind: classify(err), error: (err as Error).message }
  }
  if (RETRYABLE_STATUS.has(res.statusCode)) return { ok: false, kind: 'status', error: `coordinator answered ${res.statusCode}` }

  let queryId: string | undefined
  let nextUri: string | undefined
  if (res.statusCode === 200) {
    try {
      const doc = JSON.parse(buf.toString('utf8')) as { id?: unknown, nextUri?: unknown }
      if (typeof doc.id === 'string') queryId = doc.id
      if (typeof doc.nextUri === 'string') nextUri = doc.nextUri
    } catch {}
  }
  if (queryId !== undefined && p.transactionId === undefined && !p.stillPrimary()) {
    // Registered but never polled, so never run: drop it there and place the query anew.
    withdraw(ctx, p.coordinator, nextUri)
    return { ok: false, kind: 'superseded', error: `${p.coordinator.name} answered after it stopped being primary` }
  }
  if (queryId !== undefined) {
    ctx.locator.learn(queryId, p.coordinator.name)
    await ctx.store.putQuery(queryId, {
      cluster: p.cluster.name,
      coordinator: p.coordinator.name,
      mode: p.mode,
      group: p.group,
      routedAt: Date.now(),
      ...(p.user !== undefined ? { user: p.user } : {}),
      ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {})
    })
  }
  p.beforeReply(queryId)
  ctx.metrics.forwards.inc({ kind: 'statement', mode: p.mode })
  const out = clientResponseHeaders(res.headers)
  delete out['content-length']
  delete out['content-encoding']
  if (p.mode === 'proxy') buf = rewriteDocument(buf, { from: p.rewriteFrom, to: publicBase(ctx, req) })
  reply.code(res.statusCode).headers(out).send(buf)
  return { ok: true }
}

/** Cancels a registered query on a coordinator, in the background (DELETE of its queued URI). */
function withdraw (ctx: GatewayContext, coordinator: CoordinatorStatus, nextUri: string | undefined): void {
  if (nextUri === undefined) return
  let path: string
  try {
    const u = new URL(nextUri)
    path = u.pathname + u.search
  } catch {
    return
  }
  ctx.pools.get(coordinator.url, 'forward').request({ path, method: 'DELETE', headers: { host: coordinator.host }, signal: AbortSignal.timeout(ctx.config.upstream.timeouts.headersMs) })
    .then(async (r) => { await r.body.dump() }, () => {})
}

async function readBounded (body: Dispatcher.ResponseData['body'], max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > max) {
      body.destroy()
      throw Object.assign(new Error(`first answer larger than ${max} bytes`), { code: 'PHG_FIRST_ANSWER_TOO_LARGE' })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}
