import { isDeepStrictEqual } from 'node:util'
import { loadConfigFile } from './load.js'
import { ConfigError, formatIssues } from './errors.js'
import type { Config } from './types.js'
import type { GatewayContext } from '../gateway-context.js'
import { compileRules } from '../routing/rules.js'

export type ReloadResult =
  | { ok: true, changed: boolean, needsRestart: string[] }
  | { ok: false, error: string }

// What a running process cannot change: its listener and its Redis connection.
const RESTART_ONLY: Array<[string, (c: Config) => unknown]> = [
  ['server.host', (c) => c.server.host],
  ['server.port', (c) => c.server.port],
  ['server.tls', (c) => c.server.tls],
  ['server.limits', (c) => c.server.limits],
  ['server.timeouts', (c) => c.server.timeouts],
  ['store', (c) => c.store]
]

/**
 * Validates the file and swaps the new config in at once, or keeps the old one whole. Settings
 * that need a restart keep their old values, and the log says which.
 */
export async function reloadConfig (ctx: GatewayContext, file: string, env: NodeJS.ProcessEnv = process.env): Promise<ReloadResult> {
  let next: Config
  try {
    next = loadConfigFile(file, env)
    compileRules(next.routing.rules)
  } catch (err) {
    const error = err instanceof ConfigError ? formatIssues(err.source, err.issues) : (err as Error).message
    ctx.metrics.configReloads.inc({ result: 'failed' })
    ctx.logger.error({ file, error }, 'config reload failed: keeping the running configuration')
    return { ok: false, error }
  }
  const prev = ctx.config
  const needsRestart = RESTART_ONLY.filter(([, get]) => !isDeepStrictEqual(get(prev), get(next))).map(([name]) => name)
  const merged: Config = { ...next, server: prev.server, store: prev.store }
  if (isDeepStrictEqual(prev, merged)) {
    ctx.metrics.configReloads.inc({ result: 'unchanged' })
    return { ok: true, changed: false, needsRestart }
  }
  ctx.config = merged
  ctx.router.reconfigure(merged.routing)
  if (!isDeepStrictEqual(prev.upstream, merged.upstream)) ctx.pools.reconfigure(merged.upstream)
  await ctx.clusters.apply()
  ctx.metrics.configReloads.inc({ result: 'applied' })
  if (needsRestart.length > 0) ctx.logger.warn({ file, settings: needsRestart }, 'config reloaded; these settings keep their old values until a restart')
  else ctx.logger.info({ file }, 'config reloaded')
  return { ok: true, changed: true, needsRestart }
}
