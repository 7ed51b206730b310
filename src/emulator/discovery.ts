import { randomUUID } from 'node:crypto'
import type { Announcement, ServiceDescriptor } from './types.js'

interface Entry {
  style: 'airlift' | 'announce'
  nodeId: string
  uri: string | null
  environment: string
  pool: string
  location: string
  services: ServiceDescriptor[]
  announcedAt: number
}

export interface SelfDescription {
  nodeId: string
  environment: string
  flavor: 'trino' | 'presto'
  version: string
  url: string
}

/** A worker: any announce-style node, or an airlift node whose trino/presto service is not a coordinator. */
function isWorker (e: Entry): boolean {
  if (e.style === 'announce') return true
  return e.services.some((s) => (s.type === 'trino' || s.type === 'presto') && s.properties.coordinator !== 'true')
}

/**
 * The coordinator's embedded discovery server: airlift announcements (PUT /v1/announcement) and
 * Trino's announce mode (POST /v1/announce). Entries expire lazily after maxAgeMs without renewal.
 */
export class DiscoveryStore {
  private readonly entries = new Map<string, Entry>()
  private readonly selfIds = { node: randomUUID(), coordinator: randomUUID(), discovery: randomUUID() }

  constructor (private readonly maxAgeMs: number) {}

  private sweep (): void {
    const now = Date.now()
    for (const [key, e] of this.entries) if (now - e.announcedAt > this.maxAgeMs) this.entries.delete(key)
  }

  announceAirlift (nodeId: string, body: { environment: string, pool?: unknown, location?: unknown, services?: unknown }): void {
    const services: ServiceDescriptor[] = []
    if (Array.isArray(body.services)) {
      for (const s of body.services as Array<Record<string, unknown>>) {
        const props: Record<string, string> = {}
        if (typeof s.properties === 'object' && s.properties !== null) {
          for (const [k, v] of Object.entries(s.properties as Record<string, unknown>)) props[k] = String(v)
        }
        services.push({ id: typeof s.id === 'string' ? s.id : randomUUID(), type: String(s.type ?? ''), properties: props })
      }
    }
    this.entries.set(`airlift:${nodeId}`, {
      style: 'airlift',
      nodeId,
      uri: null,
      environment: body.environment,
      pool: typeof body.pool === 'string' ? body.pool : 'general',
      location: typeof body.location === 'string' ? body.location : `/${nodeId}`,
      services,
      announcedAt: Date.now()
    })
  }

  unannounce (nodeId: string): void {
    this.entries.delete(`airlift:${nodeId}`)
  }

  announceUri (uri: string, environment: string): void {
    this.entries.set(`announce:${uri}`, {
      style: 'announce',
      nodeId: uri,
      uri,
      environment,
      pool: 'general',
      location: uri,
      services: [],
      announcedAt: Date.now()
    })
  }

  announcedUris (): string[] {
    this.sweep()
    return [...this.entries.values()].filter((e) => e.style === 'announce').map((e) => e.uri ?? '')
  }

  list (): Announcement[] {
    this.sweep()
    return [...this.entries.values()].map((e) => ({
      style: e.style,
      nodeId: e.nodeId,
      uri: e.uri,
      environment: e.environment,
      pool: e.pool,
      location: e.location,
      services: e.services.map((s) => ({ ...s, properties: { ...s.properties } })),
      isWorker: isWorker(e),
      announcedAt: new Date(e.announcedAt),
      expiresAt: new Date(e.announcedAt + this.maxAgeMs)
    }))
  }

  activeWorkers (): number {
    this.sweep()
    let n = 0
    for (const e of this.entries.values()) if (isWorker(e)) n++
    return n
  }

  /** GET /v1/service[/{type}[/{pool}]]: airlift entries plus the coordinator's own services. */
  services (self: SelfDescription, type?: string, pool?: string): Array<Record<string, unknown>> {
    this.sweep()
    const own: Entry = {
      style: 'airlift',
      nodeId: self.nodeId,
      uri: null,
      environment: self.environment,
      pool: 'general',
      location: `/${self.nodeId}`,
      services: [
        { id: this.selfIds.node, type: self.flavor, properties: { node_version: self.version, coordinator: 'true', http: self.url, 'http-external': self.url } },
        { id: this.selfIds.coordinator, type: `${self.flavor}-coordinator`, properties: { http: self.url, 'http-external': self.url } },
        { id: this.selfIds.discovery, type: 'discovery', properties: { http: self.url, 'http-external': self.url } }
      ],
      announcedAt: Date.now()
    }
    const out: Array<Record<string, unknown>> = []
    for (const e of [own, ...this.entries.values()]) {
      if (e.style !== 'airlift' || (pool !== undefined && e.pool !== pool)) continue
      for (const s of e.services) {
        if (type !== undefined && s.type !== type) continue
        out.push({ id: s.id, nodeId: e.nodeId, type: s.type, pool: e.pool, location: e.location, properties: s.properties })
      }
    }
    return out
  }
}
