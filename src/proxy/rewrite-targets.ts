import type { ClusterConfig } from '../config/index.js'

/** Origins whose URIs proxy mode rewrites: every coordinator of the cluster, internal and external. */
export function rewriteOrigins (cluster: ClusterConfig): string[] {
  const out = new Set<string>()
  for (const k of cluster.coordinators) {
    out.add(new URL(k.url).origin)
    out.add(new URL(k.externalUrl).origin)
  }
  return [...out]
}
