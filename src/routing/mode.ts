import type { IncomingHttpHeaders } from 'node:http'
import type { RoutingMode } from '../config/index.js'
import { hasCredentials } from '../protocol/headers.js'

export type EffectiveMode = Exclude<RoutingMode, 'auto'>

/**
 * The mode a request is served in. `auto` redirects a request without credentials and hands off
 * one with `Authorization` or cookies: trino-client, presto-client and @prestodb/presto-js-client
 * all drop Basic credentials on a 307 to another host:port and fail with 401 (DESIGN.md).
 * `configured` is the first matching rule's mode, else routing.mode.
 */
export function effectiveMode (configured: RoutingMode, headers: IncomingHttpHeaders): EffectiveMode {
  if (configured !== 'auto') return configured
  return hasCredentials(headers) ? 'handoff' : 'redirect'
}
