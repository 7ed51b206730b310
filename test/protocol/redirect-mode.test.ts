import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'
import { CLIENTS, expectedRows } from '../helpers/clients.js'

describe('redirect mode with the three real clients', () => {
  for (const client of CLIENTS) {
    describe(client.name, () => {
      let fx: Fixture
      before(async () => {
        fx = await startGateway([{ name: 'blue', flavor: client.flavor }, { name: 'green', flavor: client.flavor }])
        await until(fx.app, allEligible, 'both clusters eligible')
      })
      after(async () => { await fx.close() })

      test('a multi-page query runs to completion with the right rows', async () => {
        const run = await client.run(fx.url, 'SELECT n, s FROM t /* rows=120 pages=4 */')
        assert.equal(run.error, undefined)
        assert.deepEqual(run.rows, expectedRows(120))
        const owner = Object.values(fx.emulators).find((e) => e.queries().some((q) => q.id === run.queryId))
        assert.ok(owner !== undefined, 'the query ran on one of the primaries')
        const primaries = ['blue-a', 'green-a'].map((n) => fx.emulators[n])
        assert.ok(primaries.includes(owner), 'and only primaries get queries')
      })

      test('an unknown routing group ends in a FAILED document the client shows', async () => {
        const header = client.flavor === 'presto' ? 'X-Presto-Routing-Group' : 'X-Trino-Routing-Group'
        const run = await client.run(fx.url, 'SELECT 1', { headers: { [header]: 'nope' } })
        assert.match(run.error ?? '', /routing group "nope"/)
      })
    })
  }
})

describe('redirect mode, protocol details', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway([{ name: 'blue' }])
    await until(fx.app, allEligible, 'cluster eligible')
  })
  after(async () => { await fx.close() })

  test('POST answers 307 to the primary with the query string kept and no-store', async () => {
    const res = await request(`${fx.url}/v1/statement?foo=bar`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'u' } })
    await res.body.dump()
    assert.equal(res.statusCode, 307)
    assert.equal(res.headers.location, `${fx.emulators['blue-a']?.url}/v1/statement?foo=bar`)
    assert.equal(res.headers['cache-control'], 'no-store')
  })

  test('a follow-up carrying a query id is redirected to the owning coordinator; with credentials it is forwarded', async () => {
    const emu = fx.emulators['blue-a']
    assert.ok(emu)
    const post = await request(`${emu.url}/v1/statement`, { method: 'POST', body: 'SELECT 1 /* delayMs=5000 */', headers: { 'x-trino-user': 'u' } })
    const doc = await post.body.json() as { id: string }
    const viaGw = await request(`${fx.url}/v1/query/${doc.id}`, { method: 'GET', headers: { 'x-trino-user': 'u' } })
    await viaGw.body.dump()
    assert.equal(viaGw.statusCode, 307)
    assert.equal(viaGw.headers.location, `${emu.url}/v1/query/${doc.id}`)
    const withAuth = await request(`${fx.url}/v1/query/${doc.id}`, { method: 'DELETE', headers: { 'x-trino-user': 'u', authorization: `Basic ${Buffer.from('u:').toString('base64')}` } })
    await withAuth.body.dump()
    assert.equal(withAuth.statusCode, 204)
    assert.equal(emu.queries().find((q) => q.id === doc.id)?.state, 'FAILED', 'the cancel reached the coordinator')
  })

  test('ids nobody knows get Trino\'s answers: 410 on /v1/query, 404 on statement URIs', async () => {
    const id = '20260101_000000_00001_abcde'
    const q = await request(`${fx.url}/v1/query/${id}`, { method: 'GET' })
    await q.body.dump()
    assert.equal(q.statusCode, 410)
    const s = await request(`${fx.url}/v1/statement/executing/${id}/y123/1`, { method: 'GET' })
    assert.equal(s.statusCode, 404)
    assert.equal(await s.body.text(), 'Query not found')
  })

  test('GET /v1/info is answered by a healthy primary', async () => {
    const res = await request(`${fx.url}/v1/info`)
    const info = await res.body.json() as { coordinator: boolean, environment: string }
    assert.equal(res.statusCode, 200)
    assert.equal(info.coordinator, true)
  })
})
