import { loadConfigFile, ConfigError, formatIssues } from '../config/index.js'

/** `presto-ha-gateway check-config FILE`: prints every error with its path; 0 when valid. */
export function checkConfig (file: string | undefined, env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): number {
  if (file === undefined) {
    err('usage: presto-ha-gateway check-config FILE')
    return 2
  }
  try {
    const cfg = loadConfigFile(file, env)
    const coordinators = cfg.clusters.reduce((n, c) => n + c.coordinators.length, 0)
    out(`${file}: valid (${cfg.clusters.length} clusters, ${coordinators} coordinators, mode ${cfg.routing.mode}, store ${cfg.store.redis === undefined ? 'memory' : 'redis'})`)
    return 0
  } catch (e) {
    if (e instanceof ConfigError) {
      err(formatIssues(e.source, e.issues))
      return 1
    }
    throw e
  }
}
