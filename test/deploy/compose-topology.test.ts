// The docker-compose deployments checked without Docker: what compose mounts exists, the gateway
// config the replicas get passes check-config with the environment compose gives them, and the
// Trino/Presto properties, the gateway config and the haproxy front door name the same hosts and
// ports (coordinator urls, published externalUrls, workers' discovery.uri → a cluster's
// discovery.port → every replica), with unique node ids and one environment and secret per cluster.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfigFile, type Config } from '../../src/config/index.js'
import { checkConfig } from '../../src/cli/check-config.js'
import {
  profiles, repoRoot, loadCompose, hostPathOf, isDir, isFile, parseProperties, resolveEnvRefs,
  parseHaproxy, haproxyRoute, type Compose, type Profile, type Service
} from './compose-model.js'

interface EngineNode {
  service: Service
  coordinator: boolean
  config: Map<string, string>
  node: Map<string, string>
  jvm: string[]
  catalogs: Map<string, Map<string, string>>
}

interface Deployment {
  profile: Profile
  compose: Compose
  gateways: Service[]
  gatewayConfigFile: string
  gatewayEnv: Record<string, string>
  gatewayConfig: Config
  nodes: EngineNode[]
  frontdoor: Service | undefined
  haproxy: ReturnType<typeof parseHaproxy>
}

function readEngineNode (profile: Profile, service: Service): EngineNode {
  const where = `${service.name}`
  const file = (name: string): string => {
    const p = hostPathOf(service, `${profile.etcDir}/${name}`)
    assert.ok(p !== undefined, `${where}: nothing mounted at ${profile.etcDir}/${name}`)
    assert.ok(isFile(p), `${where}: ${p} (mounted at ${profile.etcDir}/${name}) is not a file`)
    return p
  }
  const props = (name: string): Map<string, string> => {
    const p = file(name)
    const parsed = parseProperties(readFileSync(p, 'utf8'), p)
    return new Map([...parsed].map(([k, v]) => [k, resolveEnvRefs(v, service.environment, `${where} ${name} ${k}`)]))
  }
  const catalogDir = hostPathOf(service, `${profile.etcDir}/catalog`)
  assert.ok(catalogDir !== undefined && isDir(catalogDir), `${where}: no catalog directory mounted at ${profile.etcDir}/catalog`)
  const catalogs = new Map(readdirSync(catalogDir).filter((f) => f.endsWith('.properties'))
    .map((f) => [f.replace(/\.properties$/, ''), parseProperties(readFileSync(join(catalogDir, f), 'utf8'), f)]))
  const config = props('config.properties')
  const coordinator = config.get('coordinator')
  assert.ok(coordinator === 'true' || coordinator === 'false', `${where}: config.properties must say coordinator=true|false`)
  return {
    service,
    coordinator: coordinator === 'true',
    config,
    node: props('node.properties'),
    jvm: readFileSync(file('jvm.config'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')),
    catalogs
  }
}

function loadDeployment (profile: Profile): Deployment {
  const compose = loadCompose(profile.composeFile)
  const all = [...compose.services.values()]
  const built = all.find((s) => s.build)
  assert.ok(built?.image !== undefined, `${profile.composeFile}: one service builds the gateway image and names it`)
  const gateways = all.filter((s) => s.image === built.image)
  const first = gateways[0]
  assert.ok(first !== undefined)
  const gatewayConfigPath = first.environment.GATEWAY_CONFIG
  assert.ok(gatewayConfigPath !== undefined, `${first.name}: GATEWAY_CONFIG is set`)
  const gatewayConfigFile = hostPathOf(first, gatewayConfigPath)
  assert.ok(gatewayConfigFile !== undefined && isFile(gatewayConfigFile), `${first.name}: ${gatewayConfigPath} is mounted from a file of the repository`)
  const nodes = all.filter((s) => s.image?.split(':')[0] === profile.engineImage).map((s) => readEngineNode(profile, s))
  const frontdoor = all.find((s) => s.image?.startsWith('haproxy:') === true)
  const cfgPath = frontdoor === undefined ? undefined : hostPathOf(frontdoor, '/usr/local/etc/haproxy/haproxy.cfg')
  return {
    profile,
    compose,
    gateways,
    gatewayConfigFile,
    gatewayEnv: first.environment,
    gatewayConfig: loadConfigFile(gatewayConfigFile, first.environment),
    nodes,
    frontdoor,
    haproxy: cfgPath === undefined ? [] : parseHaproxy(readFileSync(cfgPath, 'utf8'))
  }
}

const serviceNamed = (d: Deployment, host: string): Service | undefined =>
  d.compose.services.get(host) ?? [...d.compose.services.values()].find((s) => s.hostname === host)

/** The cluster a node belongs to: coordinators through the gateway's urls, workers through their discovery port. */
function clusterOf (d: Deployment, n: EngineNode): string {
  if (n.coordinator) {
    for (const c of d.gatewayConfig.clusters) {
      for (const k of c.coordinators) if (serviceNamed(d, new URL(k.url).hostname) === n.service) return c.name
    }
    assert.fail(`${n.service.name}: coordinator not listed in the gateway config`)
  }
  const port = Number(new URL(n.config.get('discovery.uri') ?? 'http://x').port)
  const c = d.gatewayConfig.clusters.find((x) => x.discovery?.port === port)
  assert.ok(c !== undefined, `${n.service.name}: discovery.uri port ${port} is no cluster's discovery.port`)
  return c.name
}

for (const profile of profiles) {
  describe(`${profile.composeFile} (${profile.engine})`, () => {
    const d = loadDeployment(profile)
    const coordinators = d.nodes.filter((n) => n.coordinator)
    const workers = d.nodes.filter((n) => !n.coordinator)

    test('every bind mount exists in the repository, as a file or a directory as its target expects', () => {
      let count = 0
      for (const s of d.compose.services.values()) {
        for (const m of s.mounts) {
          assert.equal(m.kind, 'bind', `${s.name}: ${m.target} is a bind mount of the repository`)
          assert.ok(m.source.startsWith(repoRoot + '/'), `${s.name}: ${m.source} is inside the repository`)
          const wantsFile = /\.(properties|config|cfg|ya?ml|json)$/.test(m.target)
          assert.ok(wantsFile ? isFile(m.source) : isDir(m.source), `${s.name}: ${m.source} (→ ${m.target}) exists as a ${wantsFile ? 'file' : 'directory'}`)
          assert.ok(m.readOnly, `${s.name}: ${m.target} is mounted read-only`)
          count++
        }
      }
      assert.ok(count >= 20, `expected the config mounts, found ${count}`)
    })

    test('the topology: redis, two gateway replicas, a front door on 8080, two clusters of two coordinators and workers', () => {
      assert.ok([...d.compose.services.values()].some((s) => s.image?.startsWith('redis:') === true), 'a redis service')
      assert.equal(d.gateways.length, 2, 'two gateway replicas')
      assert.ok(d.frontdoor !== undefined, 'an haproxy front door')
      assert.ok(d.frontdoor.ports.some((p) => p.host === 8080), 'the front door is published on 8080')
      assert.equal(d.gatewayConfig.clusters.length, 2)
      for (const c of d.gatewayConfig.clusters) {
        assert.ok(c.coordinators.length >= 2, `${c.name}: at least two coordinators`)
        assert.equal(c.flavor, profile.engine, `${c.name}: flavor ${profile.engine}`)
        assert.ok(c.discovery !== undefined, `${c.name}: has a discovery port`)
        assert.ok(workers.some((w) => clusterOf(d, w) === c.name), `${c.name}: at least one worker`)
      }
      for (const s of d.compose.services.values()) {
        assert.ok(s.image !== undefined && /:[^:/]+$/.test(s.image) && !s.image.endsWith(':latest'), `${s.name}: image ${s.image ?? '(none)'} has a pinned tag`)
      }
    })

    test('the gateway config the replicas mount passes check-config with the environment compose gives them', () => {
      const out: string[] = []
      const err: string[] = []
      assert.equal(checkConfig(d.gatewayConfigFile, d.gatewayEnv, (s) => out.push(s), (s) => err.push(s)), 0, err.join('\n'))
      assert.match(out.join('\n'), /valid \(2 clusters, 4 coordinators, mode auto, store redis\)/)
      // Both replicas run the same config with the same environment.
      for (const g of d.gateways) {
        assert.deepEqual(g.environment, d.gatewayEnv, `${g.name}: same environment as ${d.gateways[0]?.name ?? ''}`)
        assert.equal(hostPathOf(g, d.gatewayEnv.GATEWAY_CONFIG ?? ''), d.gatewayConfigFile, `${g.name}: same config file`)
      }
      assert.equal(d.gatewayConfig.routing.mode, 'auto', 'the deployment defaults to auto')
      const redis = new URL(d.gatewayConfig.store.redis?.url ?? 'redis://none')
      assert.ok(serviceNamed(d, redis.hostname)?.image?.startsWith('redis:') === true, `store.redis.url names the redis service (${redis.hostname})`)
    })

    test('the CLI accepts it as `check-config FILE`, as `docker run IMAGE check-config` would run it', () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts', 'check-config', d.gatewayConfigFile], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH, ...d.gatewayEnv }
      })
      assert.equal(r.status, 0, `check-config failed:\n${r.stdout}${r.stderr}`)
      assert.match(r.stdout, /valid/)
    })

    test('coordinators: one gateway coordinator each, url = service and http port, externalUrl = the published port, discovery at itself', () => {
      const listed = new Set<Service>()
      for (const c of d.gatewayConfig.clusters) {
        for (const k of c.coordinators) {
          const url = new URL(k.url)
          const s = serviceNamed(d, url.hostname)
          assert.ok(s !== undefined, `${c.name}/${k.name}: ${url.hostname} is a compose service`)
          const n = coordinators.find((x) => x.service === s)
          assert.ok(n !== undefined, `${c.name}/${k.name}: ${s.name} runs a ${profile.engine} coordinator`)
          assert.ok(!listed.has(s), `${s.name} is listed once`)
          listed.add(s)
          const port = Number(n.config.get('http-server.http.port') ?? '8080')
          assert.equal(Number(url.port || 80), port, `${k.name}: url port = ${s.name}'s http-server.http.port`)
          const ext = new URL(k.externalUrl)
          const published = s.ports.find((p) => p.container === port)
          assert.ok(published !== undefined, `${s.name}: port ${port} is published on the host`)
          assert.equal(Number(ext.port || 80), published.host, `${k.name}: externalUrl port = the port compose publishes`)
          assert.ok(['localhost', '127.0.0.1'].includes(ext.hostname) || published.ip === '0.0.0.0' || ext.hostname === published.ip,
            `${k.name}: externalUrl host ${ext.hostname} reaches the port published on ${published.ip}`)
          const disc = new URL(n.config.get('discovery.uri') ?? 'http://missing')
          assert.ok(['localhost', '127.0.0.1', s.name, s.hostname].includes(disc.hostname) && Number(disc.port || 80) === port,
            `${s.name}: discovery.uri ${disc.href} points at itself`)
          assert.equal(n.config.get('node-scheduler.include-coordinator'), 'false', `${s.name}: schedules no work on itself`)
          if (profile.engine === 'presto') assert.equal(n.config.get('discovery-server.enabled'), 'true', `${s.name}: runs the embedded discovery server`)
        }
      }
      assert.equal(listed.size, coordinators.length, 'every coordinator service is in the gateway config')
    })

    test('workers: discovery.uri names a cluster discovery port that reaches every gateway replica at that port', () => {
      assert.ok(workers.length >= 2)
      for (const w of workers) {
        const uri = new URL(w.config.get('discovery.uri') ?? 'http://missing')
        const port = Number(uri.port || 80)
        const cluster = d.gatewayConfig.clusters.find((c) => c.discovery?.port === port)
        assert.ok(cluster !== undefined, `${w.service.name}: ${uri.href} uses a cluster's discovery.port`)
        const target = serviceNamed(d, uri.hostname)
        assert.ok(target !== undefined, `${w.service.name}: ${uri.hostname} is a compose service`)
        if (d.gateways.includes(target)) continue
        assert.equal(target, d.frontdoor, `${w.service.name}: announces to a gateway replica or the front door`)
        const route = haproxyRoute(d.haproxy, port)
        assert.ok(route !== undefined, `the front door binds ${port} and sends it to a backend`)
        assert.equal(route.mode, 'tcp', `discovery on ${port} passes through byte for byte (mode tcp)`)
        assert.deepEqual(route.servers.map((s) => `${s.host}:${s.port}`).sort(), d.gateways.map((g) => `${g.name}:${port}`).sort(),
          `the front door's ${port} backend is every replica's ${port}`)
        for (const s of route.servers) assert.equal(s.checkPort, d.gatewayConfig.server.port, `${s.name}: health-checked on the replica's own port`)
        assert.equal(w.config.get('coordinator'), 'false')
      }
    })

    test('the front door sends clients to every replica, and server.publicUrl is its published address', () => {
      const route = haproxyRoute(d.haproxy, 8080)
      assert.ok(route !== undefined, 'the front door binds 8080')
      assert.equal(route.mode, 'http')
      assert.deepEqual(route.servers.map((s) => `${s.host}:${s.port}`).sort(), d.gateways.map((g) => `${g.name}:${d.gatewayConfig.server.port}`).sort())
      const pub = new URL(d.gatewayConfig.server.publicUrl ?? 'http://missing')
      assert.ok(d.frontdoor?.ports.some((p) => p.container === 8080 && p.host === Number(pub.port || 80)), `publicUrl ${pub.href} is the front door's published port`)
      for (const g of d.gateways) {
        assert.equal(g.healthcheck?.[0], 'CMD', `${g.name}: health check`)
      }
    })

    test('one environment and one internal secret per cluster, different between clusters; node ids unique and valid', () => {
      const ids = new Set<string>()
      const envOf = new Map<string, string>()
      const secretOf = new Map<string, string | undefined>()
      const typeOf = new Map<string, string | undefined>()
      for (const n of d.nodes) {
        const id = n.node.get('node.id')
        assert.ok(id !== undefined && /^[A-Za-z0-9][_A-Za-z0-9-]*$/.test(id), `${n.service.name}: node.id ${id ?? '(none)'} is set and valid`)
        assert.ok(!ids.has(id), `${n.service.name}: node.id ${id} is unique`)
        ids.add(id)
        const env = n.node.get('node.environment')
        assert.ok(env !== undefined && /^[a-z0-9][_a-z0-9]*$/.test(env), `${n.service.name}: node.environment ${env ?? '(none)'} is valid`)
        assert.ok(n.node.get('node.data-dir') !== undefined, `${n.service.name}: node.data-dir`)
        const cluster = clusterOf(d, n)
        const secret = n.config.get('internal-communication.shared-secret')
        if (profile.engine === 'trino') assert.ok(secret !== undefined && secret.length >= 32, `${n.service.name}: internal-communication.shared-secret is set (>= 32 characters)`)
        const type = n.config.get('discovery.type')
        if (profile.engine === 'trino') assert.equal(type, 'announce', `${n.service.name}: discovery.type=announce (Trino >= 477)`)
        for (const [map, value, what] of [[envOf, env, 'node.environment'], [secretOf, secret, 'shared secret'], [typeOf, type, 'discovery.type']] as const) {
          if (map.has(cluster)) assert.equal(value, map.get(cluster), `${n.service.name}: same ${what} as the rest of cluster ${cluster}`)
          else (map as Map<string, string | undefined>).set(cluster, value)
        }
      }
      assert.equal(new Set(envOf.values()).size, envOf.size, 'each cluster has its own node.environment')
      if (profile.engine === 'trino') assert.equal(new Set(secretOf.values()).size, secretOf.size, 'each cluster has its own shared secret')
    })

    test('every node has a heap size and the same tpch catalog', () => {
      for (const n of d.nodes) {
        assert.ok(n.jvm.some((l) => /^-Xmx\d+[kKmMgG]$/.test(l)), `${n.service.name}: jvm.config sets -Xmx`)
        assert.equal(n.catalogs.get('tpch')?.get('connector.name'), 'tpch', `${n.service.name}: catalog/tpch.properties`)
        assert.deepEqual([...n.catalogs.keys()].sort(), [...(d.nodes[0]?.catalogs.keys() ?? [])].sort(), `${n.service.name}: the same catalogs on every node`)
      }
    })

    test('published ports are unique; health checks and depends_on make `up` converge in order', () => {
      const seen = new Map<string, string>()
      for (const s of d.compose.services.values()) {
        for (const p of s.ports) {
          const key = `${p.ip}:${p.host}`
          assert.ok(!seen.has(key), `${s.name}: host port ${key} also published by ${seen.get(key) ?? ''}`)
          seen.set(key, s.name)
        }
        for (const [dep, condition] of s.dependsOn) {
          const target = d.compose.services.get(dep)
          assert.ok(target !== undefined, `${s.name}: depends on unknown service ${dep}`)
          assert.ok(['service_healthy', 'service_started'].includes(condition), `${s.name} → ${dep}: ${condition}`)
          if (condition === 'service_healthy') assert.ok(target.healthcheck !== undefined, `${dep} has a health check (${s.name} waits for it)`)
        }
      }
      for (const n of d.nodes) assert.ok(n.service.healthcheck !== undefined, `${n.service.name}: health check`)
      const healthy = (s: Service, dep: string): boolean => s.dependsOn.get(dep) === 'service_healthy'
      for (const g of d.gateways) {
        for (const dep of [...d.compose.services.values()].filter((s) => s.image?.startsWith('redis:') === true)) assert.ok(healthy(g, dep.name), `${g.name} waits for ${dep.name}`)
        for (const c of coordinators) assert.ok(healthy(g, c.service.name), `${g.name} waits for ${c.service.name}`)
        if (d.frontdoor !== undefined) assert.ok(healthy(d.frontdoor, g.name), `the front door waits for ${g.name}`)
      }
      for (const w of workers) {
        const target = serviceNamed(d, new URL(w.config.get('discovery.uri') ?? 'http://x').hostname)
        assert.ok(target !== undefined && healthy(w.service, target.name), `${w.service.name} waits for ${target?.name ?? '?'}, where it announces`)
      }
    })
  })
}

test('the gateway configs of both variants differ only in comments and flavor', () => {
  const dir = join(repoRoot, 'deploy/gateway')
  const strip = (f: string): string => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n').replaceAll('flavor: presto', 'flavor: trino')
  assert.equal(strip('gateway.presto.yaml'), strip('gateway.yaml'))
})
