import type { ClusterRegistry } from './registry.js'

/** What installs a primary the registry asks for. */
export interface PrimaryAuthority {
  start (): Promise<void>
  close (): Promise<void>
}

/** A single gateway with the in-memory store decides alone: every proposal is installed at once. */
export function localAuthority (registry: ClusterRegistry): PrimaryAuthority {
  const onProposal = (cluster: string, _from: string | undefined, to: string, reason: string): void => {
    const rt = registry.get(cluster)
    if (rt === undefined) return
    registry.installPrimary(cluster, to, rt.epoch + 1, reason)
  }
  return {
    async start () { registry.on('proposal', onProposal) },
    async close () { registry.off('proposal', onProposal) }
  }
}
