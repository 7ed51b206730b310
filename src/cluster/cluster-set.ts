import type { GatewayContext } from '../gateway-context.js'
import { effectiveClusters, type EffectiveCluster } from './effective-clusters.js'

/**
 * Keeps the registry, the monitor and the discovery listeners on the effective cluster list:
 * the config file's clusters with the admin API's runtime changes on top. Re-applied when either
 * changes (a hot reload, an override from any replica).
 */
export class ClusterSet {
  private current: EffectiveCluster[] = []
  private applying: Promise<void> = Promise.resolve()

  constructor (private readonly ctx: GatewayContext) {}

  list (): readonly EffectiveCluster[] {
    return this.current
  }

  get (name: string): EffectiveCluster | undefined {
    return this.current.find((c) => c.config.name === name)
  }

  /** Serialised: two overrides arriving together must not interleave their listener changes. */
  async apply (): Promise<void> {
    const run = this.applying.then(async () => { await this.applyNow() })
    this.applying = run.catch(() => {})
    await run
  }

  private async applyNow (): Promise<void> {
    const { ctx } = this
    const eff = effectiveClusters(ctx.config.clusters, ctx.shared.overrides(), ctx.config.routing.defaultGroup)
    const configs = eff.map((e) => e.config)
    ctx.registry.setClusters(configs, ctx.config.health)
    for (const [name, state] of ctx.shared.adminStates()) ctx.registry.setAdminState(name, state)
    ctx.monitor.setClusters(configs, ctx.config.health)
    await ctx.discovery.setClusters(configs)
    this.current = eff
  }
}
