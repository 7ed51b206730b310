import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'

const ADMIN = 'admin-token-0123456789abcdef'
const VIEWER = 'viewer-token-0123456789abcdef'

async function call (url: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, token?: string, body?: unknown): Promise<{ status: number, json: any }> {
  const res = await request(`${url}${path}`, {
    method,
    headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  const text = await res.body.text()
  return { status: res.statusCode, json: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text }
}

describe('admin API authorization', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway([{ name: 'blue' }, { name: 'green' }], {
      admin: { tokens: [{ name: 'ops', token: ADMIN, role: 'admin' }, { name: 'oncall', token: VIEWER, role: 'viewer' }] }
    })
    await until(fx.app, allEligible, 'clusters eligible')
  })
  after(async () => { await fx.close() })

  const reads: Array<[string, string]> = [['GET', '/admin/clusters'], ['GET', '/admin/clusters/blue'], ['GET', '/admin/queries/20260101_000000_00001_abcde']]
  const writes: Array<[string, string, unknown?]> = [
    ['POST', '/admin/clusters/green/drain'],
    ['POST', '/admin/clusters/green/activate'],
    ['POST', '/admin/clusters/blue/primary', { coordinator: 'blue-a' }],
    ['PUT', '/admin/clusters/extra', { name: 'extra', coordinators: [{ name: 'extra-a', url: 'http://127.0.0.1:9' }] }],
    ['DELETE', '/admin/clusters/extra?force=true']
  ]

  for (const [method, path] of reads) {
    test(`${method} ${path}: 401 without or with a wrong token, allowed for viewer and admin`, async () => {
      assert.equal((await call(fx.url, method as 'GET', path)).status, 401)
      assert.equal((await call(fx.url, method as 'GET', path, 'wrong-token-0123456789abcdef')).status, 401)
      assert.notEqual((await call(fx.url, method as 'GET', path, VIEWER)).status, 401)
      assert.notEqual((await call(fx.url, method as 'GET', path, ADMIN)).status, 401)
    })
  }

  for (const [method, path, body] of writes) {
    test(`${method} ${path}: 401 without a token, 403 for a viewer, done for an admin`, async () => {
      assert.equal((await call(fx.url, method as 'POST', path, undefined, body)).status, 401)
      const viewer = await call(fx.url, method as 'POST', path, VIEWER, body)
      assert.equal(viewer.status, 403)
      assert.match(viewer.json.message, /viewer/)
      const admin = await call(fx.url, method as 'POST', path, ADMIN, body)
      assert.equal(admin.status, 200, JSON.stringify(admin.json))
    })
  }

  test('a cluster view says state, primary, coordinators and where fields come from; never a password', async () => {
    const { status, json } = await call(fx.url, 'GET', '/admin/clusters/blue', VIEWER)
    assert.equal(status, 200)
    assert.equal(json.state, 'active')
    assert.equal(json.primary, 'blue-a')
    assert.deepEqual(json.coordinators.map((c: { name: string, role: string }) => `${c.name}:${c.role}`), ['blue-a:primary', 'blue-b:standby'])
    assert.equal(json.source, 'file')
    assert.equal(json.fieldSources.weight, 'file')
  })

  test('bad input gets a 400 naming the field', async () => {
    const res = await call(fx.url, 'PUT', '/admin/clusters/bad', ADMIN, { name: 'bad', coordinators: [{ name: 'bad-a', url: 'ftp://x' }] })
    assert.equal(res.status, 400)
    assert.match(res.json.message, /url/)
  })

  test('draining the last active cluster of a group needs force', async () => {
    assert.equal((await call(fx.url, 'POST', '/admin/clusters/green/drain', ADMIN)).status, 200)
    const last = await call(fx.url, 'POST', '/admin/clusters/blue/drain', ADMIN)
    assert.equal(last.status, 409)
    assert.match(last.json.message, /force=true/)
    assert.equal((await call(fx.url, 'POST', '/admin/clusters/blue/drain?force=true', ADMIN)).status, 200)
    await call(fx.url, 'POST', '/admin/clusters/blue/activate', ADMIN)
    await call(fx.url, 'POST', '/admin/clusters/green/activate', ADMIN)
  })

  test('OpenAPI lists the admin routes', async () => {
    const { status, json } = await call(fx.url, 'GET', '/admin/openapi.json')
    assert.equal(status, 200)
    assert.ok(json.paths['/admin/clusters/{name}/drain'])
    assert.ok(json.paths['/admin/queries/{queryId}'])
    const docs = await request(`${fx.url}/admin/docs`)
    await docs.body.dump()
    assert.ok(docs.statusCode < 400)
  })
})

describe('admin API with no token configured', () => {
  let fx: Fixture
  before(async () => { fx = await startGateway([{ name: 'blue' }]) })
  after(async () => { await fx.close() })

  test('refuses every request and says why', async () => {
    const res = await call(fx.url, 'GET', '/admin/clusters', 'anything-0123456789abcdef')
    assert.equal(res.status, 401)
    assert.match(res.json.message, /no admin.tokens/)
  })
})
