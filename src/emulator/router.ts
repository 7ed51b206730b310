import { sendText } from './http-util.js'
import type { RequestContext } from './context.js'

function safeDecode (s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

export type Handler = (ctx: RequestContext, params: string[]) => Promise<void> | void

interface Route {
  methods: string[]
  pattern: RegExp
  handler: Handler
}

/** Method + path-regex routing; captured groups become the handler's params. */
export class Router {
  private readonly routes: Route[] = []

  add (methods: string | string[], pattern: RegExp, handler: Handler): this {
    this.routes.push({ methods: Array.isArray(methods) ? methods : [methods], pattern, handler })
    return this
  }

  async handle (ctx: RequestContext): Promise<void> {
    let pathMatched = false
    const method = ctx.req.method ?? 'GET'
    for (const route of this.routes) {
      const m = route.pattern.exec(ctx.path)
      if (m === null) continue
      pathMatched = true
      if (!route.methods.includes(method)) continue
      await route.handler(ctx, m.slice(1).map((p) => safeDecode(p ?? '')))
      return
    }
    if (pathMatched) sendText(ctx.res, 405, 'Method Not Allowed')
    else sendText(ctx.res, 404, 'Not Found')
  }
}
