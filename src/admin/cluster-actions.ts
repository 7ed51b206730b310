import type { GatewayContext } from '../gateway-context.js'
import { validateCluster, ConfigError } from '../config/index.js'
import type { ClusterInput } from '../config/schema.js'
import { switchover } from '../cluster/switchover.js'
import { UnknownClusterError } from '../cluster/ha-errors.js'
import { clusterState, clusterView } from './cluster-view.js'
import { InvalidCluster, LastActiveCluster, NotDrained, UnknownQuery } from './errors.js'
import { QUERY_ID_RE } from '../protocol/query-id.js'

/** What the admin routes do, apart from HTTP: every change is logged as an audit event. */
export function clusterActions (ctx: GatewayContext) {
  const audit = (by: string, route: string, cluster: string, before: unknown, after: unknown): void => {
    ctx.logger.info({ audit: true, by, route, cluster, before, after }, 'admin change')
  }

  const runtime = (name: string) => {
    const rt = ctx.registry.get(name)
    if (rt === undefined) throw new UnknownClusterError(name)
    return rt
  }

  const view = async (name: string) => await clusterView(ctx, runtime(name), ctx.clusters.get(name))

  const stateOf = async (name: string) => {
    const rt = runtime(name)
    return clusterState(rt, await ctx.store.openTransactions(name))
  }

  return {
    list: async () => await Promise.all([...ctx.registry.all()].map(async (rt) => await clusterView(ctx, rt, ctx.clusters.get(rt.config.name)))),

    get: view,

    async put (name: string, body: unknown, by: string, route: string) {
      let cfg
      try {
        cfg = validateCluster(body, ctx.config.routing.defaultGroup)
      } catch (err) {
        if (err instanceof ConfigError) throw new InvalidCluster(err.issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; '))
        throw err
      }
      if (cfg.name !== name) throw new InvalidCluster(`/name: "${cfg.name}" does not match the URL's "${name}"`)
      const clash = conflicts(ctx, cfg.name, cfg.coordinators.map((k) => k.name), cfg.discovery?.port)
      if (clash !== undefined) throw new InvalidCluster(clash)
      const before = ctx.registry.get(name)?.config
      await ctx.shared.putCluster(body as ClusterInput, by)
      await ctx.clusters.apply()
      audit(by, route, name, before ?? null, cfg)
      return await view(name)
    },

    async remove (name: string, force: boolean, by: string, route: string) {
      const state = await stateOf(name)
      if (state !== 'drained' && !force) throw new NotDrained(name, state)
      const before = ctx.registry.get(name)?.config
      const fromFile = ctx.config.clusters.some((c) => c.name === name)
      if (fromFile) await ctx.shared.deleteCluster(name, by)
      else await ctx.shared.clearOverride(name)
      await ctx.clusters.apply()
      audit(by, route, name, before ?? null, null)
      return { deleted: name }
    },

    async drain (name: string, force: boolean, by: string, route: string) {
      const rt = runtime(name)
      const othersActive = [...ctx.registry.all()].some((o) => o !== rt && o.config.group === rt.config.group && o.adminState === 'active')
      if (rt.adminState === 'active' && !othersActive && !force) throw new LastActiveCluster(name, rt.config.group)
      const before = rt.adminState
      await ctx.shared.setAdminState(name, 'draining', by)
      // Applied here at once too: the event from Redis may come a moment later.
      ctx.registry.setAdminState(name, 'draining')
      audit(by, route, name, before, 'draining')
      return await view(name)
    },

    async activate (name: string, by: string, route: string) {
      const rt = runtime(name)
      const before = rt.adminState
      await ctx.shared.setAdminState(name, 'active', by)
      ctx.registry.setAdminState(name, 'active')
      audit(by, route, name, before, 'active')
      return await view(name)
    },

    async switchPrimary (name: string, coordinator: string, immediate: boolean, by: string, route: string) {
      const before = runtime(name).primary
      const result = await switchover(ctx, name, coordinator, { immediate, by })
      audit(by, route, name, before ?? null, { primary: result.to, epoch: result.epoch, immediate })
      return await view(name)
    },

    async query (queryId: string) {
      if (!QUERY_ID_RE.test(queryId)) throw new UnknownQuery(queryId)
      const found = await ctx.locator.locate(queryId)
      if (found === undefined) throw new UnknownQuery(queryId)
      const r = found.route
      return { queryId, cluster: r.cluster, coordinator: r.coordinator, mode: r.mode, group: r.group, routedAt: r.routedAt, user: r.user ?? null, source: found.source }
    }
  }
}

/** A runtime cluster must not reuse another cluster's coordinator names or discovery port. */
function conflicts (ctx: GatewayContext, cluster: string, coordinators: string[], port: number | undefined): string | undefined {
  for (const rt of ctx.registry.all()) {
    if (rt.config.name === cluster) continue
    for (const k of rt.config.coordinators) {
      if (coordinators.includes(k.name)) return `coordinator name "${k.name}" is already used in cluster "${rt.config.name}"`
    }
    if (port !== undefined && port !== 0 && rt.config.discovery?.port === port) return `discovery port ${port} is already used by cluster "${rt.config.name}"`
  }
  if (port !== undefined && port === ctx.config.server.port) return `discovery port ${port} is the gateway's own port`
  return undefined
}
