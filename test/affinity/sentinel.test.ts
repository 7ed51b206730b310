// store.redis.sentinels: the store finds the master through a real Redis Sentinel and follows a
// failover to the promoted replica.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { startRedis, startSentinel } from '../helpers/redis-server.js'
import { createAffinityStore, type AffinityStore } from '../../src/affinity/index.js'
import { eventually, queryId, route, silentLogger, waitFor } from './util.js'

test('through Sentinel: reads and writes, then a failover to the replica loses nothing this replica wrote', async () => {
  const master = await startRedis()
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] })
  const sentinel = await startSentinel({ masterPort: master.port, name: 'phg', downAfterMs: 1000, failoverTimeoutMs: 3000 })
  const stores: AffinityStore[] = []
  const make = (): AffinityStore => {
    const store = createAffinityStore(
      { redis: { sentinels: [{ host: sentinel.host, port: sentinel.port }], name: 'phg', keyPrefix: 'phg:' }, queryTtlSeconds: 3600, transactionTtlSeconds: 3600 },
      { logger: silentLogger, tuning: { commandTimeoutMs: 300, reconnectMaxDelayMs: 200, probeIntervalMs: 100, connectTimeoutMs: 500 } })
    stores.push(store)
    return store
  }
  const replicaClient = new Redis(replica.url, { lazyConnect: true })
  try {
    await replicaClient.connect()
    await eventually('the replica to sync', async () => /master_link_status:up/.test(await replicaClient.info('replication')))
    const store = make()
    assert.equal(await store.ready(10_000), true)
    const now = Date.now()
    const before = queryId(now, 1, 'sntnl')
    await store.putQuery(before, route({ coordinator: 'blue-a' }))
    assert.equal((await store.getQuery(before))?.coordinator, 'blue-a')
    await eventually('the write to reach the replica', async () => (await replicaClient.exists(`phg:qm:${before.slice(0, 13)}`)) === 1)

    const degraded = waitFor(store, 'degraded')
    await master.stop()
    await degraded
    const during = queryId(now, 2, 'sntnl')
    await store.putQuery(during, route({ coordinator: 'blue-b' }))
    await waitFor(store, 'recovered', 30_000) // Sentinel promotes the replica; the store follows
    assert.match(await replicaClient.info('replication'), /role:master/)

    const other = make()
    assert.equal(await other.ready(10_000), true)
    assert.equal((await other.getQuery(before))?.coordinator, 'blue-a')
    assert.equal((await other.getQuery(during))?.coordinator, 'blue-b')
  } finally {
    replicaClient.disconnect()
    await Promise.all(stores.map(async (s) => { await s.close() }))
    await sentinel.stop()
    await replica.stop()
    await master.stop()
  }
})
