// The haproxy front door (deploy/haproxy/haproxy.cfg), run for real with haproxy from the
// machine (.ci/run installs it): `haproxy -c` accepts the file, and the same file, with only its
// listen ports and the replicas' addresses moved to free loopback ports, spreads clients
// over the replicas that say ready, drops one whose /readyz fails, passes discovery traffic byte
// for byte (no X-Forwarded-For: Trino would answer 406) and reports itself unhealthy with no replica.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import { once } from 'node:events'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { repoRoot, parseHaproxy } from './compose-model.js'

const CONFIG = join(repoRoot, 'deploy/haproxy/haproxy.cfg')

function haproxyBin (): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    if (dir !== '' && existsSync(join(dir, 'haproxy'))) return join(dir, 'haproxy')
  }
  assert.fail('haproxy is not installed: apt-get install haproxy (bash .ci/run installs it when missing)')
}

async function freePort (): Promise<number> {
  const s = net.createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const port = (s.address() as net.AddressInfo).port
  s.close()
  await once(s, 'close')
  return port
}

test('haproxy -c accepts the front door config, without a warning', (t) => {
  // The replicas' names resolve only on the compose network (Docker's DNS): give them a loopback
  // address rather than send lookups to this machine's resolver. Nothing else changes.
  const text = readFileSync(CONFIG, 'utf8')
  const local = text.replace(/(\bserver\s+\S+\s+)gateway-\d:/g, '$1127.0.0.1:')
  assert.notEqual(local, text)
  const dir = mkdtempSync(join(tmpdir(), 'phg-frontdoor-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'haproxy.cfg'), local)
  const r = spawnSync(haproxyBin(), ['-c', '-f', join(dir, 'haproxy.cfg')], { encoding: 'utf8', timeout: 30_000 })
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`)
  assert.deepEqual(r.stderr.split('\n').filter((l) => /\[(WARNING|ALERT)\]/.test(l)), [])
})

interface FakeReplica {
  name: string
  ready: boolean
  /** headers of every request its discovery listeners got */
  discovery: IncomingHttpHeaders[]
  servers: Server[]
}

async function fakeReplica (name: string, clientPort: number, discoveryPorts: number[]): Promise<FakeReplica> {
  const r: FakeReplica = { name, ready: true, discovery: [], servers: [] }
  const main = createServer((req, res) => {
    if (req.url === '/readyz') res.writeHead(r.ready ? 200 : 503).end(r.ready ? 'ready' : 'stopping')
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(name)
  })
  r.servers.push(main)
  for (const port of discoveryPorts) {
    const d = createServer((req, res) => {
      r.discovery.push(req.headers)
      req.resume()
      req.on('end', () => { res.writeHead(202).end(name) })
    })
    r.servers.push(d)
    d.listen(port, '127.0.0.1')
    await once(d, 'listening')
  }
  main.listen(clientPort, '127.0.0.1')
  await once(main, 'listening')
  return r
}

async function get (port: number, path: string, method = 'GET', headers: Record<string, string> = {}, body = ''): Promise<{ status: number, body: string }> {
  const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false })
  req.end(body)
  const [res] = await once(req, 'response') as [import('node:http').IncomingMessage]
  let text = ''
  for await (const chunk of res) text += String(chunk)
  return { status: res.statusCode ?? 0, body: text }
}

async function until (what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check().catch(() => false)) return
    await sleep(100)
  }
  assert.fail(`timed out waiting for: ${what}`)
}

test('the front door spreads clients over ready replicas and passes discovery through untouched', { timeout: 60_000 }, async (t) => {
  const text = readFileSync(CONFIG, 'utf8')
  const sections = parseHaproxy(text)
  const binds = [...new Set(sections.flatMap((s) => s.binds))]
  assert.deepEqual(binds.sort(), [8080, 8404, 8411, 8412])
  const replicaNames = [...new Set(sections.flatMap((s) => s.servers.map((x) => x.host)))].sort()
  assert.deepEqual(replicaNames, ['gateway-1', 'gateway-2'])
  const replicaPorts = [...new Set(sections.flatMap((s) => s.servers.map((x) => x.port)))].sort()
  assert.deepEqual(replicaPorts, [8080, 8411, 8412])

  // Free ports for what the front door binds and for each replica's ports.
  const bindMap = new Map<number, number>()
  for (const b of binds) bindMap.set(b, await freePort())
  const replicaMap = new Map<string, Map<number, number>>()
  for (const name of replicaNames) {
    const m = new Map<number, number>()
    for (const p of replicaPorts) m.set(p, await freePort())
    replicaMap.set(name, m)
  }
  const moved = text.split('\n').map((line) => {
    let l = line.replace(/^(\s*bind\s+):(\d+)/, (_w, pre: string, p: string) => `${pre}127.0.0.1:${bindMap.get(Number(p)) ?? p}`)
    const server = /^(\s*server\s+\S+\s+)(gateway-\d):(\d+)(.*)$/.exec(l)
    if (server !== null) {
      const ports = replicaMap.get(server[2] ?? '')
      assert.ok(ports !== undefined)
      const rest = (server[4] ?? '').replace(/\bport (\d+)/, (_w, p: string) => `port ${ports.get(Number(p)) ?? p}`)
      l = `${server[1] ?? ''}127.0.0.1:${ports.get(Number(server[3])) ?? ''}${rest}`
    }
    return l
  }).join('\n')
  const dir = mkdtempSync(join(tmpdir(), 'phg-frontdoor-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  const cfg = join(dir, 'haproxy.cfg')
  writeFileSync(cfg, moved)

  const replicas: FakeReplica[] = []
  for (const name of replicaNames) {
    const m = replicaMap.get(name) as Map<number, number>
    replicas.push(await fakeReplica(name, m.get(8080) as number, [m.get(8411) as number, m.get(8412) as number]))
  }
  t.after(() => { for (const r of replicas) for (const s of r.servers) { s.closeAllConnections(); s.close() } })

  const proc: ChildProcess = spawn(haproxyBin(), ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  proc.stderr?.on('data', (b: Buffer) => { log += b.toString() })
  t.after(() => { proc.kill('SIGKILL') })

  const front = bindMap.get(8080) as number
  const admin = bindMap.get(8404) as number
  await until('the front door answers /healthz', async () => (await get(admin, '/healthz')).status === 200)

  // Clients: round robin over both replicas.
  await until('both replicas serve clients', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 6; i++) seen.add((await get(front, '/v1/info')).body)
    return seen.size === 2
  })

  // Discovery (tcp): bytes untouched, internal auth header kept, nothing added.
  for (const port of [8411, 8412]) {
    const r = await get(bindMap.get(port) as number, '/v1/announce', 'POST', { 'content-type': 'text/plain', 'x-trino-internal-bearer': 'signed-token' }, 'http://10.0.0.5:8080')
    assert.equal(r.status, 202)
  }
  const got = replicas.flatMap((r) => r.discovery)
  assert.equal(got.length, 2)
  for (const h of got) {
    assert.equal(h['x-trino-internal-bearer'], 'signed-token')
    assert.equal(h['x-forwarded-for'], undefined)
    assert.equal(h.forwarded, undefined)
    assert.ok([8411, 8412].map((p) => `127.0.0.1:${String(bindMap.get(p))}`).includes(h.host ?? ''), `Host as the worker sent it (${h.host ?? ''})`)
  }

  // A replica whose /readyz fails (shutdown grace) leaves the pool within fall × inter.
  const [first, second] = replicas as [FakeReplica, FakeReplica]
  first.ready = false
  await until(`${first.name} leaves the pool`, async () => {
    for (let i = 0; i < 4; i++) if ((await get(front, '/v1/info')).body !== second.name) return false
    return true
  })
  // With no replica ready the container health check fails.
  second.ready = false
  await until('/healthz reports no replica', async () => (await get(admin, '/healthz')).status === 503)
  first.ready = true
  await until(`${first.name} comes back`, async () => (await get(front, '/v1/info')).body === first.name)
  assert.equal((await get(admin, '/healthz')).status, 200)
  // The only alerts: the moment no replica was ready.
  assert.deepEqual(log.split('\n').filter((l) => l.includes('[ALERT]') && !/has no server available/.test(l)), [])
})
