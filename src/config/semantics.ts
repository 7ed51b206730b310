import type { RawConfig, ClusterInput } from './schema.js'
import type { ConfigIssue } from './types.js'

// Checks the schema cannot express: uniqueness, cross references, regexes and URLs that parse.

function checkRegex (issues: ConfigIssue[], path: string, source: string | undefined): void {
  if (source === undefined) return
  try {
    // eslint-disable-next-line no-new
    new RegExp(source)
  } catch (err) {
    issues.push({ path, message: `invalid regular expression: ${(err as Error).message}` })
  }
}

function checkUrl (issues: ConfigIssue[], path: string, value: string | undefined): void {
  if (value === undefined) return
  let u: URL
  try {
    u = new URL(value)
  } catch {
    issues.push({ path, message: 'must be a valid URL' })
    return
  }
  if (u.pathname !== '/' && u.pathname !== '') issues.push({ path, message: 'must not have a path (coordinators serve /v1 at the root)' })
  if (u.username !== '' || u.password !== '') issues.push({ path, message: 'must not carry credentials (use monitor.user/password)' })
}

export function clusterIssues (c: ClusterInput, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const names = new Set<string>()
  c.coordinators.forEach((k, j) => {
    const p = `${path}/coordinators/${j}`
    if (names.has(k.name)) issues.push({ path: `${p}/name`, message: `duplicate coordinator name "${k.name}"` })
    names.add(k.name)
    checkUrl(issues, `${p}/url`, k.url)
    checkUrl(issues, `${p}/externalUrl`, k.externalUrl)
  })
  return issues
}

export function semanticIssues (cfg: RawConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const clusterNames = new Set<string>()
  const coordinatorNames = new Map<string, string>()
  const ports = new Map<number, string>([[cfg.server.port, '/server/port']])
  const groups = new Set<string>()

  cfg.clusters.forEach((c, i) => {
    const path = `/clusters/${i}`
    if (clusterNames.has(c.name)) issues.push({ path: `${path}/name`, message: `duplicate cluster name "${c.name}"` })
    clusterNames.add(c.name)
    groups.add(c.group ?? cfg.routing.defaultGroup)
    issues.push(...clusterIssues(c, path))
    c.coordinators.forEach((k, j) => {
      const other = coordinatorNames.get(k.name)
      if (other !== undefined && other !== c.name) {
        issues.push({ path: `${path}/coordinators/${j}/name`, message: `coordinator name "${k.name}" is already used in cluster "${other}"` })
      }
      coordinatorNames.set(k.name, c.name)
    })
    if (c.discovery !== undefined) {
      const taken = ports.get(c.discovery.port)
      if (c.discovery.port !== 0 && taken !== undefined) {
        issues.push({ path: `${path}/discovery/port`, message: `port ${c.discovery.port} is already used by ${taken}` })
      }
      ports.set(c.discovery.port, `${path}/discovery/port`)
    }
  })

  const ruleNames = new Set<string>()
  cfg.routing.rules.forEach((r, i) => {
    const path = `/routing/rules/${i}`
    if (ruleNames.has(r.name)) issues.push({ path: `${path}/name`, message: `duplicate rule name "${r.name}"` })
    ruleNames.add(r.name)
    checkRegex(issues, `${path}/match/user`, r.match.user)
    checkRegex(issues, `${path}/match/source`, r.match.source)
    checkRegex(issues, `${path}/match/userAgent`, r.match.userAgent)
    if (r.group === undefined && r.mode === undefined) issues.push({ path, message: 'a rule needs a group, a mode or both' })
    if (r.group !== undefined && cfg.clusters.length > 0 && !groups.has(r.group)) {
      issues.push({ path: `${path}/group`, message: `no cluster is in group "${r.group}"` })
    }
  })
  if (cfg.clusters.length > 0 && !groups.has(cfg.routing.defaultGroup)) {
    issues.push({ path: '/routing/defaultGroup', message: `no cluster is in group "${cfg.routing.defaultGroup}"` })
  }

  const tokenNames = new Set<string>()
  const tokens = new Set<string>()
  cfg.admin.tokens.forEach((t, i) => {
    if (tokenNames.has(t.name)) issues.push({ path: `/admin/tokens/${i}/name`, message: `duplicate token name "${t.name}"` })
    if (tokens.has(t.token)) issues.push({ path: `/admin/tokens/${i}/token`, message: 'the same token is listed twice' })
    tokenNames.add(t.name)
    tokens.add(t.token)
  })

  const redis = cfg.store.redis
  if (redis !== undefined) {
    if (redis.url === undefined && redis.sentinels === undefined) issues.push({ path: '/store/redis', message: 'needs url or sentinels' })
    if (redis.url !== undefined && redis.sentinels !== undefined) issues.push({ path: '/store/redis', message: 'url and sentinels exclude each other' })
    if (redis.sentinels !== undefined && redis.name === undefined) issues.push({ path: '/store/redis/name', message: 'is required with sentinels (the master group name)' })
  }
  checkUrl(issues, '/server/publicUrl', cfg.server.publicUrl)
  if (cfg.health.timeoutMs >= cfg.health.intervalMs * 4) {
    issues.push({ path: '/health/timeoutMs', message: 'must be below 4 × health.intervalMs' })
  }
  return issues
}
