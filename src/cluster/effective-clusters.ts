import { isDeepStrictEqual } from 'node:util'
import { normalizeCluster, type ClusterConfig } from '../config/index.js'
import type { ClusterOverride } from './shared-state.js'

export type FieldSource = 'file' | 'runtime'

export interface EffectiveCluster {
  config: ClusterConfig
  /** where the cluster as a whole comes from */
  source: 'file' | 'runtime' | 'file+runtime'
  /** per top-level field: the file's value, or one set through the admin API */
  fields: Record<string, FieldSource>
}

/**
 * The cluster list a gateway routes to: the config file's clusters, with runtime changes from the
 * admin API applied on top (a document replaces or adds a cluster, null removes it). The file
 * stays the base: deleting an override brings its version back.
 */
export function effectiveClusters (file: readonly ClusterConfig[], overrides: ReadonlyMap<string, ClusterOverride>, defaultGroup: string): EffectiveCluster[] {
  const out: EffectiveCluster[] = []
  const fromFile = new Set<string>()
  for (const c of file) {
    fromFile.add(c.name)
    const o = overrides.get(c.name)
    if (o === undefined) {
      out.push({ config: c, source: 'file', fields: fieldSources(c, undefined) })
    } else if (o.doc !== null) {
      const rc = normalizeCluster(o.doc, defaultGroup)
      out.push({ config: rc, source: 'file+runtime', fields: fieldSources(rc, c) })
    }
  }
  const added = [...overrides.entries()].filter(([name, o]) => !fromFile.has(name) && o.doc !== null).sort(([a], [b]) => a.localeCompare(b))
  for (const [, o] of added) {
    if (o.doc === null) continue
    const rc = normalizeCluster(o.doc, defaultGroup)
    out.push({ config: rc, source: 'runtime', fields: fieldSources(rc, null) })
  }
  return out
}

function fieldSources (c: ClusterConfig, base: ClusterConfig | undefined | null): Record<string, FieldSource> {
  const fields: Record<string, FieldSource> = {}
  for (const [k, v] of Object.entries(c)) {
    fields[k] = base === undefined ? 'file' : base === null ? 'runtime' : isDeepStrictEqual(v, (base as unknown as Record<string, unknown>)[k]) ? 'file' : 'runtime'
  }
  return fields
}
