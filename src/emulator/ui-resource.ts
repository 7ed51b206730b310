import type { RequestContext } from './context.js'
import { formLoginChallenge, uiCookieName } from './auth.js'
import { clusterStats } from './cluster-stats.js'
import { readBody, sendEmpty, sendJson, sendText } from './http-util.js'
import type { Router } from './router.js'

const LOGIN_FORM = '/ui/login.html'

function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function page (title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`
}

/** Form login as Trino's LoginResource: a cookie and 303 to redirectPath, or 303 back to the form. */
async function login (ctx: RequestContext): Promise<void> {
  const { opts, ui } = ctx.state
  const form = new URLSearchParams((await readBody(ctx.req, 64 * 1024)).toString('utf8'))
  const username = form.get('username') ?? ''
  const password = form.get('password') ?? ''
  const valid = opts.auth === null
    ? username !== ''
    : username === opts.auth.user && password === opts.auth.password
  if (!valid) {
    sendEmpty(ctx.res, 303, { location: LOGIN_FORM })
    return
  }
  const redirectPath = form.get('redirectPath') ?? ''
  const token = ui.create(username)
  sendEmpty(ctx.res, 303, {
    location: redirectPath === '' ? '/ui/' : redirectPath,
    'set-cookie': `${uiCookieName(opts.flavor)}=${token}; Path=/ui; HttpOnly`
  })
}

/** Web UI pages need a session; without one, API calls get 401 and pages a redirect to the form. */
function uiUser (ctx: RequestContext, api: boolean): string | null {
  const user = ctx.state.ui.userOf(ctx.req, ctx.state.opts.flavor)
  if (user !== null) return user
  if (api) sendText(ctx.res, 401, 'Unauthorized', { 'www-authenticate': formLoginChallenge(ctx.state.opts.flavor) })
  else sendEmpty(ctx.res, 303, { location: LOGIN_FORM })
  return null
}

export function uiRoutes (router: Router, flavor: 'trino' | 'presto'): void {
  router.add('POST', /^\/ui\/login\/?$/, login)
  router.add('GET', /^\/ui\/logout\/?$/, (ctx) => {
    sendEmpty(ctx.res, 303, { location: LOGIN_FORM, 'set-cookie': `${uiCookieName(ctx.state.opts.flavor)}=delete; Path=/ui; Max-Age=0; HttpOnly` })
  })
  router.add('GET', /^\/ui\/login\.html$/, (ctx) => {
    sendText(ctx.res, 200, page('Log In', '<form method="post" action="/ui/login"><input name="username"><input name="password" type="password"><input name="redirectPath" type="hidden"><button>Log In</button></form>'), {}, 'text/html')
  })
  if (flavor === 'trino') {
    router.add('GET', /^\/ui\/api\/stats\/?$/, async (ctx) => {
      if (uiUser(ctx, true) === null) return
      await sendJson(ctx.req, ctx.res, 200, clusterStats(ctx.state))
    })
  }
  router.add('GET', /^\/ui\/query\.html$/, (ctx) => {
    if (uiUser(ctx, false) === null) return
    const id = ctx.url.search.replace(/^\?/, '')
    const q = ctx.state.registry.get(id)
    const body = q === undefined
      ? `<h1>Query ${escapeHtml(id)}</h1><p>Query not found</p>`
      : `<h1>Query ${escapeHtml(q.id)}</h1><p id="state">${q.state}</p><p>User: ${escapeHtml(q.user)}</p><pre>${escapeHtml(q.sql)}</pre>`
    sendText(ctx.res, 200, page(`Query ${id}`, body), {}, 'text/html')
  })
  router.add('GET', /^\/ui\/?$/, (ctx) => {
    const user = uiUser(ctx, false)
    if (user === null) return
    sendText(ctx.res, 200, page('Cluster Overview', `<h1>Cluster Overview</h1><p>Logged in as ${escapeHtml(user)}</p>`), {}, 'text/html')
  })
}
