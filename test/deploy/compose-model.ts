// Reads the docker-compose deployment the way compose and the containers would, without Docker:
// compose files (YAML merge keys, ${VAR:-default} interpolation with an empty environment, so the
// defaults are what is checked), bind mounts, published ports, Java .properties files with Trino's
// ${ENV:VAR} references, and the haproxy front door's frontends and backends.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { parse } from 'yaml'

export const repoRoot = resolve(import.meta.dirname, '../..')

/** The two deployments: the Trino one and its prestodb/presto variant. */
export interface Profile {
  composeFile: string
  engine: 'trino' | 'presto'
  /** image name (before the tag) of the coordinators and workers */
  engineImage: string
  /** where the image reads config.properties, node.properties, jvm.config and catalog/ */
  etcDir: string
}

export const profiles: Profile[] = [
  { composeFile: 'docker-compose.yml', engine: 'trino', engineImage: 'trinodb/trino', etcDir: '/etc/trino' },
  { composeFile: 'docker-compose.presto.yml', engine: 'presto', engineImage: 'prestodb/presto', etcDir: '/opt/presto-server/etc' }
]

// --- compose interpolation -------------------------------------------------------------------

const COMPOSE_VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g

/** Compose's variable interpolation. A variable neither in `env` nor given a default is an error. */
export function interpolate (value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(COMPOSE_VAR, (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$'
    const name = braced ?? bare ?? ''
    const v = env[name]
    if (op === ':-') return v === undefined || v === '' ? interpolate(arg ?? '', env) : v
    if (op === '-') return v === undefined ? interpolate(arg ?? '', env) : v
    if (v !== undefined && (op !== ':?' || v !== '')) return v
    throw new Error(`compose variable ${name} has no default (${whole})`)
  })
}

function interpolateDeep (value: unknown): unknown {
  if (typeof value === 'string') return interpolate(value)
  if (Array.isArray(value)) return value.map(interpolateDeep)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v)]))
  }
  return value
}

// --- services ----------------------------------------------------------------------------------

export interface Mount { source: string, target: string, readOnly: boolean, kind: 'bind' | 'volume' }
export interface PublishedPort { ip: string, host: number, container: number }

export interface Service {
  name: string
  raw: Record<string, unknown>
  image: string | undefined
  hostname: string | undefined
  build: boolean
  environment: Record<string, string>
  mounts: Mount[]
  ports: PublishedPort[]
  /** depends_on: service name → condition */
  dependsOn: Map<string, string>
  healthcheck: string[] | undefined
}

export interface Compose {
  file: string
  services: Map<string, Service>
}

export function loadCompose (file: string): Compose {
  const path = join(repoRoot, file)
  const doc = parse(readFileSync(path, 'utf8'), { merge: true }) as { services?: Record<string, Record<string, unknown>> }
  const services = new Map<string, Service>()
  for (const [name, rawService] of Object.entries(doc.services ?? {})) {
    const raw = interpolateDeep(rawService) as Record<string, unknown>
    services.set(name, {
      name,
      raw,
      image: typeof raw.image === 'string' ? raw.image : undefined,
      hostname: typeof raw.hostname === 'string' ? raw.hostname : undefined,
      build: raw.build !== undefined,
      environment: environmentOf(raw.environment),
      mounts: ((raw.volumes ?? []) as unknown[]).map((v) => mountOf(v, path)),
      ports: ((raw.ports ?? []) as unknown[]).map(portOf),
      dependsOn: dependsOnOf(raw.depends_on),
      healthcheck: healthcheckOf(raw.healthcheck)
    })
  }
  return { file, services }
}

function environmentOf (env: unknown): Record<string, string> {
  if (env === undefined || env === null) return {}
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => {
      const s = String(e)
      const eq = s.indexOf('=')
      return eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)]
    }))
  }
  return Object.fromEntries(Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : String(v)]))
}

function mountOf (v: unknown, composePath: string): Mount {
  const base = resolve(composePath, '..')
  if (typeof v === 'string') {
    const [source = '', target = '', mode = ''] = v.split(':')
    const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~')
    return { source: bind ? resolve(base, source) : source, target, readOnly: mode.split(',').includes('ro'), kind: bind ? 'bind' : 'volume' }
  }
  const m = v as { type?: string, source?: string, target?: string, read_only?: boolean }
  const bind = m.type === 'bind'
  const source = m.source ?? ''
  return { source: bind && !isAbsolute(source) ? resolve(base, source) : source, target: m.target ?? '', readOnly: m.read_only === true, kind: bind ? 'bind' : 'volume' }
}

function portOf (p: unknown): PublishedPort {
  if (typeof p === 'object' && p !== null) {
    const o = p as { host_ip?: string, published?: string | number, target?: number }
    return { ip: o.host_ip ?? '0.0.0.0', host: Number(o.published), container: Number(o.target) }
  }
  const parts = String(p).replace(/\/tcp$/, '').split(':')
  const container = Number(parts.at(-1))
  const host = parts.length >= 2 ? Number(parts.at(-2)) : container
  const ip = parts.length >= 3 ? parts.slice(0, -2).join(':') : '0.0.0.0'
  return { ip, host, container }
}

function dependsOnOf (d: unknown): Map<string, string> {
  if (d === undefined || d === null) return new Map()
  if (Array.isArray(d)) return new Map(d.map((n) => [String(n), 'service_started']))
  return new Map(Object.entries(d as Record<string, { condition?: string }>).map(([n, c]) => [n, c?.condition ?? 'service_started']))
}

function healthcheckOf (h: unknown): string[] | undefined {
  if (h === undefined || h === null) return undefined
  const o = h as { test?: unknown, disable?: boolean }
  if (o.disable === true) return undefined
  if (typeof o.test === 'string') return ['CMD-SHELL', o.test]
  if (Array.isArray(o.test) && o.test[0] !== 'NONE') return o.test.map(String)
  return undefined
}

/** The host path mounted at `target` (a file mount, or a file under a mounted directory). */
export function hostPathOf (service: Service, target: string): string | undefined {
  for (const m of service.mounts) {
    if (m.kind !== 'bind') continue
    if (m.target === target) return m.source
    if (target.startsWith(m.target.replace(/\/?$/, '/'))) return join(m.source, target.slice(m.target.replace(/\/?$/, '/').length))
  }
  return undefined
}

export function isFile (p: string): boolean {
  return existsSync(p) && statSync(p).isFile()
}

export function isDir (p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory()
}

// --- Java properties ---------------------------------------------------------------------------

/** A Java .properties file (comments, `=`, `:` or blank separators, continuations); duplicate keys are an error. */
export function parseProperties (text: string, source = 'properties'): Map<string, string> {
  const props = new Map<string, string>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').replace(/^\s+/, '')
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').replace(/^\s+/, '')
    }
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line) ?? /^((?:\\.|[^=:\s\\])+)$/.exec(line)
    if (m === null) throw new Error(`${source}:${i + 1}: cannot parse "${line}"`)
    const key = unescape(m[1] ?? '')
    if (props.has(key)) throw new Error(`${source}:${i + 1}: duplicate key ${key}`)
    props.set(key, unescape(m[2] ?? ''))
  }
  return props
}

function unescape (s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_w, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16))
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[c] ?? c
  })
}

/** Trino's and Presto's `${ENV:VAR}` references, resolved from the container's environment. */
export function resolveEnvRefs (value: string, env: Record<string, string>, where: string): string {
  return value.replace(/\$\{ENV:([^}]+)\}/g, (_w, name: string) => {
    const v = env[name]
    if (v === undefined || v === '') throw new Error(`${where}: \${ENV:${name}} but the container has no ${name}`)
    return v
  })
}

// --- haproxy ----------------------------------------------------------------------------------

export interface HaproxySection { kind: string, name: string, mode: string | undefined, binds: number[], defaultBackend: string | undefined, servers: Array<{ name: string, host: string, port: number, checkPort: number | undefined }> }

/** The frontends, backends and listen sections of an haproxy.cfg (enough to follow ports to servers). */
export function parseHaproxy (text: string): HaproxySection[] {
  const sections: HaproxySection[] = []
  let current: HaproxySection | undefined
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').trim()
    if (line === '') continue
    const words = line.split(/\s+/)
    const [first = '', second = ''] = words
    if (!/^\s/.test(rawLine)) {
      current = { kind: first, name: second, mode: undefined, binds: [], defaultBackend: undefined, servers: [] }
      sections.push(current)
      continue
    }
    if (current === undefined) continue
    if (first === 'mode') current.mode = second
    if (first === 'bind') current.binds.push(Number(second.split(':').at(-1)))
    if (first === 'default_backend') current.defaultBackend = second
    if (first === 'server') {
      const address = words[2] ?? ''
      const colon = address.lastIndexOf(':')
      const portWord = words.indexOf('port')
      current.servers.push({
        name: second,
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        checkPort: portWord > 0 ? Number(words[portWord + 1]) : undefined
      })
    }
  }
  return sections
}

/** The backend servers behind a port the front door binds, and the mode of that path. */
export function haproxyRoute (sections: HaproxySection[], port: number): { mode: string | undefined, servers: HaproxySection['servers'] } | undefined {
  const front = sections.find((s) => (s.kind === 'frontend' || s.kind === 'listen') && s.binds.includes(port))
  if (front === undefined) return undefined
  const back = front.kind === 'listen' ? front : sections.find((s) => s.kind === 'backend' && s.name === front.defaultBackend)
  if (back === undefined) return undefined
  return { mode: back.mode ?? front.mode, servers: back.servers }
}
