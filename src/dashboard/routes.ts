import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { PAGE_HTML } from './assets/page.js'
import { STYLE_CSS } from './assets/style.js'
import { CLIENT_JS } from './assets/client.js'
import { ICON_SVG } from './assets/icon.js'

/**
 * Only this origin's own files, no inline script or style, no framing, no form posts: every
 * value the page shows is set with textContent, and this policy is the second line behind it.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

interface Asset { body: Buffer, type: string, etag: string }

function asset (text: string, type: string): Asset {
  const body = Buffer.from(text, 'utf8')
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
}

export const DASHBOARD_ASSETS: Readonly<Record<string, Asset>> = {
  '/dashboard': asset(PAGE_HTML, 'text/html; charset=utf-8'),
  '/dashboard/app.js': asset(CLIENT_JS, 'text/javascript; charset=utf-8'),
  '/dashboard/style.css': asset(STYLE_CSS, 'text/css; charset=utf-8'),
  '/dashboard/icon.svg': asset(ICON_SVG, 'image/svg+xml')
}

/**
 * `GET /dashboard`: the gateway's own web page. Static files from the package (no CDN, no build
 * step); the page reads everything through the admin API with the token the operator types in,
 * so it needs no authorization of its own and shows nothing without a valid token.
 */
export async function dashboardRoutes (app: FastifyInstance): Promise<void> {
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', DASHBOARD_CSP)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('x-frame-options', 'DENY')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('cross-origin-opener-policy', 'same-origin')
    reply.header('cross-origin-resource-policy', 'same-origin')
  })

  for (const [path, a] of Object.entries(DASHBOARD_ASSETS)) {
    app.get(path, { schema: { hide: true } }, async (req, reply) => {
      // Revalidated on every load (a new gateway version brings new files), cheap with the ETag.
      reply.header('cache-control', 'no-cache').header('etag', a.etag)
      if (req.headers['if-none-match'] === a.etag) return await reply.code(304).send()
      return await reply.type(a.type).send(a.body)
    })
  }
  // Relative, like every URL of the page: right behind a proxy's path prefix too.
  app.get('/dashboard/', { schema: { hide: true } }, async (_req, reply) => await reply.redirect('../dashboard', 308))
}
