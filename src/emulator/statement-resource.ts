import type { OutgoingHttpHeaders } from 'node:http'
import { authenticate } from './auth.js'
import type { RequestContext } from './context.js'
import { executingDocument, executingUri, queuedDocument, queuedUri, writePage } from './documents.js'
import { BodyTooLargeError, readBody, sendEmpty, sendJson, sendText, streamJson } from './http-util.js'
import { headerPrefix, mixesFamilies, readClientSession } from './protocol-headers.js'
import type { Query } from './query.js'
import type { Router } from './router.js'

const MAX_SQL_BYTES = 10 * 1024 * 1024
const MAX_WAIT_MS = 1000
const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `maxWait` is an airlift Duration ("500ms", "1s"); like Trino, waits never exceed one second. */
export function maxWaitMs (url: URL): number {
  const raw = url.searchParams.get('maxWait')
  if (raw === null) return MAX_WAIT_MS
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/.exec(raw)
  const unit = m === null ? undefined : DURATION_UNITS[m[2] ?? '']
  if (m === null || unit === undefined) return MAX_WAIT_MS
  return Math.min(MAX_WAIT_MS, Number(m[1]) * unit)
}

function nodes (ctx: RequestContext): number {
  return 1 + ctx.state.activeWorkers()
}

function queryNotFound (ctx: RequestContext): void {
  sendText(ctx.res, 404, 'Query not found')
}

/** Presto guards every statement URI with authentication; Trino leaves follow-ups public (the slug is the secret). */
function followUpAllowed (ctx: RequestContext): boolean {
  const { opts } = ctx.state
  if (opts.flavor === 'trino') return true
  return authenticate(ctx.req, ctx.res, { flavor: opts.flavor, credentials: opts.auth }, false) !== null
}

async function postStatement (ctx: RequestContext): Promise<void> {
  const { req, res, state } = ctx
  const { flavor } = state.opts
  if (mixesFamilies(req.headers)) {
    sendText(res, 400, 'Both Trino and Presto headers detected')
    return
  }
  const user = authenticate(req, res, { flavor, credentials: state.opts.auth }, true)
  if (user === null) return
  let body: Buffer
  try {
    body = await readBody(req, MAX_SQL_BYTES)
  } catch (e) {
    if (e instanceof BodyTooLargeError) sendText(res, 413, 'Query text too large')
    else res.destroy()
    return
  }
  const sql = body.toString('utf8')
  if (sql === '') {
    sendText(res, 400, 'SQL statement is empty')
    return
  }
  const query = state.registry.create({ sql, flavor, session: readClientSession(req.headers, flavor), user, remoteAddress: ctx.remoteAddress })
  // Never any session headers here: clients only apply them from the executing responses.
  await sendJson(req, res, 200, queuedDocument(ctx.base, query, queuedUri(ctx.base, query, 1), nodes(ctx)))
}

async function getQueued (ctx: RequestContext, id: string, slug: string, token: number): Promise<void> {
  if (!followUpAllowed(ctx)) return
  const { registry } = ctx.state
  const query = registry.get(id)
  if (query === undefined || !query.slug.isValid('queued', slug, token)) {
    queryNotFound(ctx)
    return
  }
  if (token !== query.queuedToken && token !== query.queuedToken + 1) {
    sendText(ctx.res, 410, 'Invalid token')
    return
  }
  query.queuedToken = token
  await query.poll(async () => await answerQueued(ctx, query, token))
}

async function answerQueued (ctx: RequestContext, query: Query, token: number): Promise<void> {
  await ctx.state.registry.dispatch(query, maxWaitMs(ctx.url))
  if (query.state === 'FAILED') {
    await sendJson(ctx.req, ctx.res, 200, queuedDocument(ctx.base, query, null, nodes(ctx)))
  } else if (query.waitingForSlot) {
    await sendJson(ctx.req, ctx.res, 200, queuedDocument(ctx.base, query, queuedUri(ctx.base, query, token + 1), nodes(ctx)))
  } else if (query.flavor === 'trino') {
    await sendJson(ctx.req, ctx.res, 200, queuedDocument(ctx.base, query, executingUri(ctx.base, query, 0), nodes(ctx)))
  } else {
    // Presto answers a dispatched query's queued GET with the first executing response itself.
    await serveExecuting(ctx, query, 0)
  }
}

function sessionHeaders (query: Query): OutgoingHttpHeaders {
  const out: Record<string, string[]> = {}
  const prefix = headerPrefix(query.flavor)
  for (const [suffix, value] of query.plan?.headers ?? []) {
    const name = prefix + suffix
    ;(out[name] ??= []).push(value)
  }
  return out
}

async function serveExecuting (ctx: RequestContext, query: Query, token: number): Promise<void> {
  if (!query.dispatched || query.waitingForSlot) {
    queryNotFound(ctx)
    return
  }
  await query.poll(async () => await answerExecuting(ctx, query, token))
}

async function answerExecuting (ctx: RequestContext, query: Query, token: number): Promise<void> {
  const result = await query.resultFor(token, maxWaitMs(ctx.url))
  if (result === 410 || result === 404) {
    sendText(ctx.res, result, result === 410 ? 'Gone' : 'Not Found')
    return
  }
  const doc = executingDocument(ctx.base, query, token, result, nodes(ctx))
  const headers = sessionHeaders(query)
  const plan = query.plan
  if (result.kind === 'page' && plan !== null) {
    await streamJson(ctx.req, ctx.res, headers, async (write) => await writePage(doc, plan.pages, result.index, write))
  } else {
    await sendJson(ctx.req, ctx.res, 200, doc, headers)
  }
}

async function getExecuting (ctx: RequestContext, id: string, slug: string, token: number): Promise<void> {
  if (!followUpAllowed(ctx)) return
  const query = ctx.state.registry.get(id)
  if (query === undefined || !query.slug.isValid('executing', slug, token)) {
    queryNotFound(ctx)
    return
  }
  await serveExecuting(ctx, query, token)
}

function cancel (ctx: RequestContext, id: string, slug: string, token: number, context: 'queued' | 'executing'): void {
  if (!followUpAllowed(ctx)) return
  const query = ctx.state.registry.get(id)
  if (query === undefined || !query.slug.isValid(context, slug, token)) {
    queryNotFound(ctx)
    return
  }
  query.cancel()
  sendEmpty(ctx.res, 204)
}

function prestoSlug (ctx: RequestContext): string {
  return ctx.url.searchParams.get('slug') ?? ''
}

export function statementRoutes (router: Router, flavor: 'trino' | 'presto'): void {
  router.add('POST', /^\/v1\/statement\/?$/, postStatement)
  if (flavor === 'trino') {
    router.add('DELETE', /^\/v1\/statement\/executing\/partialCancel\/([^/]+)\/(\d+)\/([^/]+)\/(\d+)$/, (ctx, [id = '', , slug = '', token = '']) => {
      const query = ctx.state.registry.get(id)
      if (query === undefined || !query.slug.isValid('executing', slug, Number(token))) queryNotFound(ctx)
      else sendEmpty(ctx.res, 204)
    })
    router.add('GET', /^\/v1\/statement\/queued\/([^/]+)\/([^/]+)\/(\d+)$/, async (ctx, [id = '', slug = '', token = '']) => await getQueued(ctx, id, slug, Number(token)))
    router.add('DELETE', /^\/v1\/statement\/queued\/([^/]+)\/([^/]+)\/(\d+)$/, (ctx, [id = '', slug = '', token = '']) => cancel(ctx, id, slug, Number(token), 'queued'))
    router.add('GET', /^\/v1\/statement\/executing\/([^/]+)\/([^/]+)\/(\d+)$/, async (ctx, [id = '', slug = '', token = '']) => await getExecuting(ctx, id, slug, Number(token)))
    router.add('DELETE', /^\/v1\/statement\/executing\/([^/]+)\/([^/]+)\/(\d+)$/, (ctx, [id = '', slug = '', token = '']) => cancel(ctx, id, slug, Number(token), 'executing'))
  } else {
    router.add('GET', /^\/v1\/statement\/queued\/([^/]+)\/(\d+)$/, async (ctx, [id = '', token = '']) => await getQueued(ctx, id, prestoSlug(ctx), Number(token)))
    router.add('DELETE', /^\/v1\/statement\/queued\/([^/]+)\/(\d+)$/, (ctx, [id = '', token = '']) => cancel(ctx, id, prestoSlug(ctx), Number(token), 'queued'))
    router.add('GET', /^\/v1\/statement\/executing\/([^/]+)\/(\d+)$/, async (ctx, [id = '', token = '']) => await getExecuting(ctx, id, prestoSlug(ctx), Number(token)))
    router.add('DELETE', /^\/v1\/statement\/executing\/([^/]+)\/(\d+)$/, (ctx, [id = '', token = '']) => cancel(ctx, id, prestoSlug(ctx), Number(token), 'executing'))
    router.add('DELETE', /^\/v1\/stage\/([^/]+)\.(\d+)$/, (ctx) => sendEmpty(ctx.res, 204))
  }
}
