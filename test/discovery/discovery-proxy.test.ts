// The discovery proxy on its own: byte-for-byte forwarding to whatever the current primary is,
// nothing else. Upstreams are plain node:http servers that record what they get.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import pino from 'pino'
import { DiscoveryProxies, type DiscoveryResult, type DiscoveryTarget } from '../../src/discovery/index.js'
import type { ClusterConfig } from '../../src/config/index.js'

interface Seen { method: string, url: string, headers: IncomingHttpHeaders, rawHeaders: string[], body: Buffer }

interface Upstream { url: string, seen: Seen[], server: Server }

async function upstream (name: string): Promise<Upstream> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) })
      res.writeHead(req.method === 'PUT' ? 202 : 200, { 'content-type': 'application/json', 'x-upstream': name, 'x-odd-header': 'Keep  Spacing' })
      res.end(JSON.stringify({ from: name }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, seen, server }
}

interface Answer { status: number, headers: IncomingHttpHeaders, body: string }

/** A raw HTTP/1.1 request, so the test controls every header byte. */
async function send (port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

const cluster = (name: string, port = 0): ClusterConfig => ({
  name,
  flavor: 'trino',
  group: 'adhoc',
  weight: 1,
  failback: 'sticky',
  minWorkers: 1,
  forwardedHeaders: false,
  discovery: { port },
  coordinators: [{ name: `${name}-a`, url: 'http://127.0.0.1:1', externalUrl: 'http://127.0.0.1:1' }]
})

let one: Upstream
let two: Upstream
let primary: DiscoveryTarget | undefined
const results: Array<{ result: DiscoveryResult, coordinator: string | undefined }> = []
let proxies: DiscoveryProxies
let port = 0

before(async () => {
  one = await upstream('one')
  two = await upstream('two')
  primary = { name: 'blue-a', url: one.url }
  proxies = new DiscoveryProxies({
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    upstream: { timeouts: { connectMs: 500, headersMs: 2000, bodyIdleMs: 2000 } },
    primaryOf: (c) => c === 'blue' ? primary : undefined,
    onResult: (_c, result, coordinator) => { results.push({ result, coordinator }) }
  })
  await proxies.setClusters([cluster('blue'), { ...cluster('green'), discovery: undefined }])
  port = proxies.port('blue') ?? 0
  assert.ok(port > 0)
  assert.equal(proxies.port('green'), undefined, 'no listener without discovery.port')
})

after(async () => {
  await proxies.close()
  one.server.close()
  two.server.close()
})

test('an airlift announcement passes byte for byte, internal authentication headers included, and so does the answer', async () => {
  const body = Buffer.from('{"environment":"test","nodeId":"w1","pool":"general","services":[{"id":"x","type":"trino","properties":{"http":"http://w1:8080"}}]}  \n')
  const headers = {
    'content-type': 'application/json',
    'x-trino-internal-bearer': 'eyJhbGciOiJIUzI1NiJ9.secret.sig',
    'x-presto-internal-bearer': 'presto-secret',
    'user-agent': 'airlift-http-client',
    'x-custom': 'Mixed  Case'
  }
  const res = await send(port, 'PUT', '/v1/announcement/w1?x=1&y=%20', headers, body)
  assert.equal(res.status, 202)
  assert.equal(res.headers['x-upstream'], 'one')
  assert.equal(res.headers['x-odd-header'], 'Keep  Spacing')
  assert.equal(res.body, '{"from":"one"}')
  const seen = one.seen.at(-1)
  assert.ok(seen !== undefined)
  assert.equal(seen.method, 'PUT')
  assert.equal(seen.url, '/v1/announcement/w1?x=1&y=%20')
  assert.deepEqual(seen.body, body, 'the body is not re-encoded')
  for (const [k, v] of Object.entries(headers)) assert.equal(seen.headers[k], v, k)
  assert.equal(seen.headers['content-length'], String(body.length))
  assert.equal(Object.keys(seen.headers).some((k) => k.startsWith('x-forwarded')), false, 'no X-Forwarded-* (Trino answers 406 to those)')
  assert.deepEqual(results.at(-1), { result: 'forwarded', coordinator: 'blue-a' })
})

test('every discovery route is forwarded; nothing else is', async () => {
  const ok: Array<[string, string]> = [
    ['DELETE', '/v1/announcement/w1'],
    ['GET', '/v1/service'],
    ['GET', '/v1/service/trino'],
    ['GET', '/v1/service/trino/general'],
    ['POST', '/v1/announce'],
    ['GET', '/v1/announce']
  ]
  for (const [method, path] of ok) {
    const before = one.seen.length
    const res = await send(port, method, path, { 'content-type': 'text/plain' }, method === 'POST' ? Buffer.from('http://10.0.0.7:8080') : undefined)
    assert.ok(res.status < 300, `${method} ${path} → ${res.status}`)
    assert.equal(one.seen.length, before + 1, `${method} ${path} reached the primary`)
    assert.equal(one.seen.at(-1)?.url, path)
  }
  assert.equal(one.seen.at(-2)?.body.toString(), 'http://10.0.0.7:8080')
  const refused: Array<[string, string]> = [
    ['GET', '/v1/info'], ['POST', '/v1/statement'], ['GET', '/ui/'], ['PUT', '/v1/announce'],
    ['GET', '/v1/announcement/w1'], ['GET', '/v1/service/a/b/c'], ['GET', '/metrics'], ['HEAD', '/v1/service']
  ]
  const before = one.seen.length
  for (const [method, path] of refused) {
    const res = await send(port, method, path, {})
    assert.equal(res.status, 404, `${method} ${path}`)
  }
  assert.equal(one.seen.length, before, 'nothing else reached the coordinator')
})

test('the upstream is the current primary at each request; none → 503; unreachable → 502', async () => {
  primary = { name: 'blue-b', url: two.url }
  const res = await send(port, 'POST', '/v1/announce', { 'content-type': 'text/plain' }, Buffer.from('http://w2:8080'))
  assert.equal(res.headers['x-upstream'], 'two', 'the first announcement after the change goes to the new primary')
  assert.equal(two.seen.at(-1)?.body.toString(), 'http://w2:8080')

  primary = undefined
  const none = await send(port, 'GET', '/v1/service', {})
  assert.equal(none.status, 503)
  assert.deepEqual(results.at(-1), { result: 'no-primary', coordinator: undefined })

  primary = { name: 'blue-c', url: 'http://127.0.0.1:1' }
  const down = await send(port, 'PUT', '/v1/announcement/w1', { 'content-type': 'application/json' }, Buffer.from('{}'))
  assert.equal(down.status, 502)
  assert.match(down.body, /blue-c/)
  assert.deepEqual(results.at(-1), { result: 'upstream-error', coordinator: 'blue-c' })
  primary = { name: 'blue-a', url: one.url }
})

test('listeners follow the cluster list: added, kept, closed', async () => {
  await proxies.setClusters([cluster('blue'), cluster('green')])
  assert.equal(proxies.port('blue'), port, 'an unchanged cluster keeps its listener')
  const green = proxies.port('green')
  assert.ok(green !== undefined && green > 0)
  assert.equal((await send(green, 'GET', '/v1/service', {})).status, 503, 'green has no primary in this test')
  await proxies.setClusters([cluster('blue')])
  assert.equal(proxies.port('green'), undefined)
  await assert.rejects(send(green, 'GET', '/v1/service', {}))
})
