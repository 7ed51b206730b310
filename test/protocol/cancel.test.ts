import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Trino, BasicAuth } from 'trino-client'
import presto from 'presto-client'
import { request } from 'undici'
import { startClusters, gatewayFor, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'
import { startRedis, type RedisServer } from '../helpers/redis-server.js'
import type { EmulatorHandle } from '../../src/emulator/index.js'

function stateOf (emulators: Record<string, EmulatorHandle>, id: string | undefined): string | undefined {
  for (const e of Object.values(emulators)) {
    const q = e.queries().find((s) => s.id === id)
    if (q !== undefined) return q.state
  }
  return undefined
}

for (const mode of ['redirect', 'handoff', 'proxy'] as const) {
  describe(`cancel through the gateway (${mode})`, () => {
    let fx: Fixture
    before(async () => {
      const { emulators, clusters } = await startClusters([{ name: 'blue' }, { name: 'green' }])
      const gw = await gatewayFor(clusters, { routing: { mode } })
      fx = { ...gw, emulators, close: async () => { await gw.close(); await Promise.all(Object.values(emulators).map(async (e) => await e.close())) } }
      await until(fx.app, allEligible, 'both clusters eligible')
    })
    after(async () => { await fx.close() })

    test('trino-client: DELETE /v1/query/{id} sent to the gateway ends the query on its coordinator', async () => {
      const trino = Trino.create({ server: fx.url, auth: new BasicAuth('tester') })
      const it = await trino.query('SELECT n FROM t /* rows=100 pages=50 delayMs=200 */')
      const first = await it.next()
      const id = first.value?.id
      assert.ok(id !== undefined)
      await trino.cancel(id)
      assert.equal(stateOf(fx.emulators, id), 'FAILED')
    })

    test('presto-client: its cancel callback ends the query on its coordinator', async () => {
      const u = new URL(fx.url)
      const client = new presto.Client({ host: u.hostname, port: Number(u.port), user: 'tester', engine: 'trino', checkInterval: 5 })
      let id: string | undefined
      let cancel = false
      const done = new Promise<void>((resolve) => {
        client.execute({
          query: 'SELECT n FROM t /* rows=100 pages=50 delayMs=100 */',
          state: (_e, qid) => { id ??= qid },
          data: () => { cancel = true },
          cancel: () => cancel,
          success: () => resolve(),
          error: () => resolve()
        })
      })
      await done
      assert.ok(id !== undefined)
      // The client sends its DELETE and moves on; wait for the coordinator to see it.
      for (let i = 0; i < 200 && stateOf(fx.emulators, id) !== 'FAILED'; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      assert.equal(stateOf(fx.emulators, id), 'FAILED')
    })
  })
}

describe('affinity survives a gateway restart through Redis', () => {
  let redis: RedisServer
  let emulators: Record<string, EmulatorHandle>
  let clusters: Array<Record<string, unknown>>
  before(async () => {
    redis = await startRedis()
    ;({ emulators, clusters } = await startClusters([{ name: 'blue' }, { name: 'green' }]))
  })
  after(async () => {
    await Promise.all(Object.values(emulators).map(async (e) => await e.close()))
    await redis.stop()
  })

  test('a query handed off by one gateway is cancelled through the next one', async () => {
    const config = { routing: { mode: 'handoff' }, store: { redis: { url: redis.url } } }
    const first = await gatewayFor(clusters, config)
    await until(first.app, allEligible, 'first gateway ready')
    const post = await request(`${first.url}/v1/statement`, { method: 'POST', body: 'SELECT 1 /* delayMs=60000 */', headers: { 'x-trino-user': 'tester' } })
    const doc = await post.body.json() as { id: string, nextUri: string }
    await (await request(doc.nextUri, { headers: { 'x-trino-user': 'tester' } })).body.dump()
    await first.close()

    const second = await gatewayFor(clusters, config)
    try {
      await until(second.app, allEligible, 'second gateway ready')
      const del = await request(`${second.url}/v1/query/${doc.id}`, { method: 'DELETE', headers: { 'x-trino-user': 'tester', authorization: 'Basic dGVzdGVyOg==' } })
      await del.body.dump()
      assert.equal(del.statusCode, 204)
      assert.equal(stateOf(emulators, doc.id), 'FAILED')
      const lookups = (await (await request(`${second.url}/metrics`)).body.text()).match(/phg_affinity_lookups_total\{kind="query",result="hit"\} (\d+)/)?.[1]
      assert.equal(lookups, '1', 'found in Redis, not by asking coordinators')
    } finally {
      await second.close()
    }
  })
})
