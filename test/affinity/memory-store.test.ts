import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { createAffinityStore, MemoryAffinityStore, type QueryRoute, type StoreLogger } from '../../src/affinity/index.js'

const logger: StoreLogger = pino({ level: 'silent' }) // a pino logger fits the store's logger type
const route = (over: Partial<QueryRoute> = {}): QueryRoute => ({ cluster: 'blue', coordinator: 'blue-a', mode: 'redirect', group: 'adhoc', routedAt: Date.now(), ...over })

async function eventually (what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test('without store.redis the memory store is made, and it is always healthy', async () => {
  const store = createAffinityStore({ queryTtlSeconds: 60, transactionTtlSeconds: 60 }, { logger })
  assert.equal(store.kind, 'memory')
  assert.equal(store.healthy(), true)
  assert.equal(await store.ready(), true)
  await store.close()
  await store.close()
})

test('memory store: query and transaction round trips', async () => {
  const hits: string[] = []
  let misses = 0
  const store = createAffinityStore({ queryTtlSeconds: 60, transactionTtlSeconds: 60 }, { logger, metrics: { hit: (s) => hits.push(s), miss: () => { misses++ } } })
  const r = route({ mode: 'handoff', user: 'alice' })
  await store.putQuery('20250301_120000_00001_abcde', r)
  assert.deepEqual(await store.getQuery('20250301_120000_00001_abcde'), r)
  assert.equal(await store.getQuery('20250301_120000_00002_abcde'), undefined)
  assert.deepEqual(hits, ['store'])
  assert.equal(misses, 1)
  // a returned route is a copy
  const got = await store.getQuery('20250301_120000_00001_abcde')
  assert.ok(got)
  got.cluster = 'changed'
  assert.equal((await store.getQuery('20250301_120000_00001_abcde'))?.cluster, 'blue')

  const tx = { cluster: 'blue', coordinator: 'blue-b', startedAt: Date.now() }
  await store.putTransaction('tx-1', tx)
  await store.putTransaction('tx-2', { ...tx, cluster: 'green' })
  await store.putTransaction('tx-3', tx)
  assert.deepEqual(await store.getTransaction('tx-1'), tx)
  assert.equal(await store.openTransactions('blue'), 2)
  assert.equal(await store.openTransactions('green'), 1)
  assert.equal(await store.openTransactions('red'), 0)
  await store.deleteTransaction('tx-1')
  await store.deleteTransaction('tx-unknown')
  assert.equal(await store.getTransaction('tx-1'), undefined)
  assert.equal(await store.openTransactions('blue'), 1)
  assert.equal(store.stats().cachedQueries, 1)
  await store.close()
})

test('memory store: entries expire after their TTL', async () => {
  const store = new MemoryAffinityStore({ queryTtlSeconds: 1, transactionTtlSeconds: 1 }, { logger, tuning: { sweepIntervalMs: 100 } })
  await store.putQuery('q1', route())
  await store.putTransaction('t1', { cluster: 'blue', coordinator: 'blue-a', startedAt: Date.now() })
  assert.ok(await store.getQuery('q1'))
  assert.equal(await store.openTransactions('blue'), 1)
  await eventually('expiry', async () => (await store.getQuery('q1')) === undefined && (await store.getTransaction('t1')) === undefined)
  assert.equal(await store.openTransactions('blue'), 0)
  await eventually('the sweep', async () => store.stats().cachedQueries === 0 && store.stats().localTransactions === 0)
  // a route whose routedAt is already older than the TTL is not kept
  await store.putQuery('old', route({ routedAt: Date.now() - 5000 }))
  assert.equal(await store.getQuery('old'), undefined)
  await store.close()
})

test('memory store: bounded, the oldest entries are evicted', async () => {
  const store = new MemoryAffinityStore({ queryTtlSeconds: 60, transactionTtlSeconds: 60 }, { logger, tuning: { maxEntries: 3 } })
  for (let i = 1; i <= 5; i++) await store.putQuery(`q${i}`, route())
  assert.equal(store.stats().cachedQueries, 3)
  assert.equal(await store.getQuery('q1'), undefined)
  assert.equal(await store.getQuery('q2'), undefined)
  assert.ok(await store.getQuery('q5'))
  for (let i = 1; i <= 5; i++) await store.putTransaction(`t${i}`, { cluster: 'blue', coordinator: 'blue-a', startedAt: Date.now() })
  assert.equal(await store.openTransactions('blue'), 3)
  await store.close()
})
