import type { RequestContext } from './context.js'
import { readBody, sendEmpty, sendJson, sendText } from './http-util.js'
import type { Router } from './router.js'

const MAX_ANNOUNCEMENT_BYTES = 1024 * 1024

function self (ctx: RequestContext): Parameters<RequestContext['state']['discovery']['services']>[0] {
  const { opts } = ctx.state
  return { nodeId: opts.nodeId, environment: opts.environment, flavor: opts.flavor, version: opts.version, url: ctx.state.selfUrl() }
}

async function putAnnouncement (ctx: RequestContext, nodeId: string): Promise<void> {
  const { opts, discovery } = ctx.state
  let body: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse((await readBody(ctx.req, MAX_ANNOUNCEMENT_BYTES)).toString('utf8'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    body = parsed as Record<string, unknown>
  } catch {
    sendText(ctx.res, 400, 'Invalid announcement')
    return
  }
  // airlift's DynamicAnnouncementResource refuses announcements for another environment.
  if (body.environment !== opts.environment) {
    sendText(ctx.res, 400, `Environment mismatch. Expected: ${opts.environment}, Provided: ${String(body.environment)}`)
    return
  }
  discovery.announceAirlift(nodeId, { ...body, environment: opts.environment })
  sendEmpty(ctx.res, 202)
}

async function postAnnounce (ctx: RequestContext): Promise<void> {
  const text = (await readBody(ctx.req, MAX_ANNOUNCEMENT_BYTES)).toString('utf8').trim()
  let uri: URL
  try {
    uri = new URL(text)
  } catch {
    sendText(ctx.res, 400, `Invalid URI: ${text}`)
    return
  }
  ctx.state.discovery.announceUri(uri.toString().replace(/\/$/, ''), ctx.state.opts.environment)
  sendEmpty(ctx.res, 204)
}

export function discoveryRoutes (router: Router): void {
  router.add('PUT', /^\/v1\/announcement\/([^/]+)$/, async (ctx, [nodeId = '']) => await putAnnouncement(ctx, nodeId))
  router.add('DELETE', /^\/v1\/announcement\/([^/]+)$/, (ctx, [nodeId = '']) => {
    ctx.state.discovery.unannounce(nodeId)
    sendEmpty(ctx.res, 204)
  })
  router.add('GET', /^\/v1\/service(?:\/([^/]+))?(?:\/([^/]+))?\/?$/, async (ctx, [type, pool]) => {
    const services = ctx.state.discovery.services(self(ctx), type === '' ? undefined : type, pool === '' ? undefined : pool)
    await sendJson(ctx.req, ctx.res, 200, { environment: ctx.state.opts.environment, services })
  })
  router.add('POST', /^\/v1\/announce\/?$/, postAnnounce)
  router.add('GET', /^\/v1\/announce\/?$/, async (ctx) => await sendJson(ctx.req, ctx.res, 200, ctx.state.discovery.announcedUris()))
}
