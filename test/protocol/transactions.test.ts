import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'
import { runRaw } from '../helpers/raw-client.js'

for (const mode of ['redirect', 'handoff', 'proxy'] as const) {
  describe(`a transaction in ${mode} mode`, () => {
    let fx: Fixture
    before(async () => {
      fx = await startGateway([{ name: 'blue' }, { name: 'green' }], { routing: { mode } })
      await until(fx.app, allEligible, 'both clusters eligible')
    })
    after(async () => { await fx.close() })

    function ownerOf (queryId: string | undefined): string | undefined {
      return Object.entries(fx.emulators).find(([, e]) => e.queries().some((q) => q.id === queryId))?.[0]
    }

    test('stays on one coordinator while other queries spread across clusters', async () => {
      const start = await runRaw(fx.url, 'START TRANSACTION ISOLATION LEVEL READ COMMITTED', { 'x-trino-transaction-id': 'NONE' })
      assert.equal(start.error, undefined)
      const tx = start.headers['x-trino-started-transaction-id']
      assert.ok(tx !== undefined, 'Started-Transaction-Id reached the client')
      const home = ownerOf(start.queryId)
      assert.ok(home !== undefined)

      const others = new Set<string>()
      for (let i = 0; i < 8; i++) {
        const inTx = await runRaw(fx.url, `SELECT ${i}`, { 'x-trino-transaction-id': tx })
        assert.equal(inTx.error, undefined)
        assert.deepEqual(inTx.rows, [[i]])
        assert.equal(ownerOf(inTx.queryId), home, 'statement in the transaction ran on its coordinator')
        const outside = await runRaw(fx.url, 'SELECT 1', { 'x-trino-transaction-id': 'NONE' })
        others.add(ownerOf(outside.queryId) ?? '?')
      }
      // The transaction's statements count as load on its cluster, so other queries go elsewhere too.
      assert.ok([...others].some((o) => o.split('-')[0] !== home.split('-')[0]), `other queries ran on ${[...others].join(', ')}, the transaction on ${home}`)

      const commit = await runRaw(fx.url, 'COMMIT', { 'x-trino-transaction-id': tx })
      assert.equal(commit.error, undefined)
      assert.equal(commit.headers['x-trino-clear-transaction-id'], 'true')
      assert.equal(ownerOf(commit.queryId), home)
      assert.equal(await fx.app.gateway.store.getTransaction(tx), undefined, 'the gateway forgot the ended transaction')

      const late = await runRaw(fx.url, 'SELECT 1', { 'x-trino-transaction-id': tx })
      assert.match(late.error ?? '', /Unknown transaction ID/)
    })
  })
}
