import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Trino, BasicAuth } from 'trino-client'
import { request } from 'undici'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'
import { CLIENTS, expectedRows } from '../helpers/clients.js'

for (const mode of ['handoff', 'proxy'] as const) {
  describe(`${mode} mode`, () => {
    for (const client of CLIENTS) {
      describe(`${client.name} with Basic credentials`, () => {
        let fx: Fixture
        before(async () => {
          const auth = { user: 'alice', password: 'secret' }
          fx = await startGateway(
            [{ name: 'blue', flavor: client.flavor, emulator: { auth }, monitor: auth }, { name: 'green', flavor: client.flavor, emulator: { auth }, monitor: auth }],
            { routing: { mode } }
          )
          await until(fx.app, allEligible, 'both clusters eligible')
        })
        after(async () => { await fx.close() })

        test('a multi-page query returns the same rows as direct', async () => {
          const run = await client.run(fx.url, 'SELECT n, s FROM t /* rows=150 pages=3 */', { user: 'alice', password: 'secret' })
          assert.equal(run.error, undefined)
          assert.deepEqual(run.rows, expectedRows(150))
          const stored = await fx.app.gateway.store.getQuery(run.queryId ?? '')
          assert.equal(stored?.mode, mode, 'the gateway recorded the query before the client polled it')
        })

        test('wrong credentials are still rejected by the coordinator', async () => {
          const run = await client.run(fx.url, 'SELECT 1', { user: 'alice', password: 'wrong' })
          assert.ok(run.error !== undefined)
        })
      })
    }
  })
}

describe('where the client is sent next', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway([{ name: 'blue' }], {
      routing: { mode: 'redirect', rules: [{ name: 'h', match: { source: '^handoff$' }, mode: 'handoff' }, { name: 'p', match: { source: '^proxy$' }, mode: 'proxy' }] }
    })
    await until(fx.app, allEligible, 'cluster eligible')
  })
  after(async () => { await fx.close() })

  async function nextUris (source: string): Promise<string[]> {
    const trino = Trino.create({ server: fx.url, source, auth: new BasicAuth('tester') })
    const uris: string[] = []
    for await (const r of await trino.query('SELECT n FROM t /* rows=30 pages=3 */')) if (r.nextUri !== undefined) uris.push(r.nextUri)
    return uris
  }

  test('handoff: nextUri points at the coordinator', async () => {
    const uris = await nextUris('handoff')
    assert.ok(uris.length >= 3)
    for (const u of uris) assert.ok(u.startsWith(`${fx.emulators['blue-a']?.url}/`), u)
  })

  test('proxy: a spooled-segment URI no cluster knows is a 404 after asking each primary', async () => {
    const before = fx.emulators['blue-a']?.requests.count('/v1/spooled') ?? 0
    const res = await request(`${fx.url}/v1/spooled/download/c2VnbWVudA`)
    assert.equal(res.statusCode, 404)
    assert.equal(await res.body.text(), 'Segment not found on any cluster')
    assert.equal(fx.emulators['blue-a']?.requests.count('/v1/spooled'), before + 1, 'the primary was asked')
  })

  test('proxy: nextUri points at the gateway', async () => {
    const uris = await nextUris('proxy')
    assert.ok(uris.length >= 3)
    for (const u of uris) assert.ok(u.startsWith(`${fx.url}/`), u)
    assert.equal(fx.emulators['blue-a']?.requests.count('/v1/statement/executing') !== 0, true)
  })
})
