// The Redis affinity store against a real redis-server (test/helpers/redis-server.ts), never a mock.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import { startRedis, type RedisServer } from '../helpers/redis-server.js'
import { createAffinityStore, type AffinityStore, type StoreConfig, type StoreDeps, type StoreTuning } from '../../src/affinity/index.js'
import { captureLogger, eventually, percentile, queryId, route, silentLogger, waitFor } from './util.js'

// Short bounds so outages are noticed and recovered from quickly.
const fast: StoreTuning = { commandTimeoutMs: 300, reconnectMaxDelayMs: 200, probeIntervalMs: 100, connectTimeoutMs: 500 }

let shared: RedisServer
let raw: Redis
const stores: AffinityStore[] = []

function makeStore (url: string, over: Partial<StoreConfig> = {}, deps: Partial<StoreDeps> = {}): AffinityStore {
  const store = createAffinityStore(
    { redis: { url, keyPrefix: 'phg:' }, queryTtlSeconds: 3600, transactionTtlSeconds: 3600, ...over },
    { logger: silentLogger, tuning: fast, ...deps })
  stores.push(store)
  return store
}

before(async () => {
  shared = await startRedis()
  raw = new Redis(shared.url, { lazyConnect: true })
  await raw.connect()
})

after(async () => {
  await Promise.all(stores.map(async (s) => { await s.close() }))
  raw.disconnect()
  await shared.stop()
})

test('with store.redis the Redis store is made; it becomes healthy once connected', async () => {
  const store = makeStore(shared.url)
  assert.equal(store.kind, 'redis')
  assert.equal(await store.ready(5000), true)
  assert.equal(store.healthy(), true)
})

test('query and transaction round trips, for Trino ids and any other id', async () => {
  const store = makeStore(shared.url)
  await store.ready()
  const now = Date.now()
  const trinoId = queryId(now, 1)
  const r = route({ routedAt: now })
  await store.putQuery(trinoId, r)
  assert.deepEqual(await store.getQuery(trinoId), r)
  // stored compactly: one hash per minute of the id, the rest of the id as the field
  const bucket = `phg:qm:${trinoId.slice(0, 13)}`
  assert.equal(await raw.hget(bucket, trinoId.slice(13)), `h|blue|blue-a|adhoc|${now.toString(36)}|uetl_user`)
  const ttl = await raw.pttl(bucket)
  assert.ok(ttl > 3_500_000 && ttl <= 3_600_000, `bucket TTL ${ttl}`)

  const otherId = 'gw_0001_not-a-trino-id'
  const { user: _u, ...noUser } = route({ mode: 'proxy', routedAt: now, cluster: 'green', coordinator: 'green-b' })
  await store.putQuery(otherId, noUser)
  assert.deepEqual(await store.getQuery(otherId), noUser)
  assert.equal(await raw.get(`phg:q:${otherId}`), `p|green|green-b|adhoc|${now.toString(36)}`)
  assert.equal(await store.getQuery(queryId(now, 2)), undefined)
  assert.equal(await store.getQuery('unknown'), undefined)

  const tx = { cluster: 'blue', coordinator: 'blue-b', startedAt: now }
  await store.putTransaction('11111111-aaaa-4bbb-8ccc-000000000001', tx)
  await store.putTransaction('11111111-aaaa-4bbb-8ccc-000000000002', tx)
  await store.putTransaction('11111111-aaaa-4bbb-8ccc-000000000003', { ...tx, cluster: 'green' })
  assert.deepEqual(await store.getTransaction('11111111-aaaa-4bbb-8ccc-000000000001'), tx)
  assert.equal(await store.openTransactions('blue'), 2)
  assert.equal(await store.openTransactions('green'), 1)
  await store.deleteTransaction('11111111-aaaa-4bbb-8ccc-000000000001')
  await store.deleteTransaction('never-started')
  assert.equal(await store.getTransaction('11111111-aaaa-4bbb-8ccc-000000000001'), undefined)
  assert.equal(await store.openTransactions('blue'), 1)
})

test('two replicas on one Redis see each other\'s writes at once (a cancel sent to the other replica finds the query)', async () => {
  const a = makeStore(shared.url)
  const b = makeStore(shared.url)
  await Promise.all([a.ready(), b.ready()])
  for (let i = 0; i < 50; i++) {
    const id = queryId(Date.now(), 100 + i)
    const r = route({ coordinator: `blue-${i % 2 === 0 ? 'a' : 'b'}` })
    await a.putQuery(id, r) // handoff answers the client only after this...
    assert.deepEqual(await b.getQuery(id), r) // ...so the other replica already knows
  }
  await b.putTransaction('tx-shared', { cluster: 'blue', coordinator: 'blue-a', startedAt: Date.now() })
  assert.equal((await a.getTransaction('tx-shared'))?.coordinator, 'blue-a')
  const before = await a.openTransactions('blue')
  await a.deleteTransaction('tx-shared') // COMMIT through the other replica
  assert.equal(await b.getTransaction('tx-shared'), undefined)
  assert.equal(await b.openTransactions('blue'), before - 1)
})

test('replicas with different key prefixes do not share entries', async () => {
  const a = makeStore(shared.url)
  const b = createAffinityStore({ redis: { url: shared.url, keyPrefix: 'other:' }, queryTtlSeconds: 60, transactionTtlSeconds: 60 }, { logger: silentLogger, tuning: fast })
  stores.push(b)
  await Promise.all([a.ready(), b.ready()])
  const id = queryId(Date.now(), 7, 'prfx2')
  await a.putQuery(id, route())
  assert.equal(await b.getQuery(id), undefined)
  assert.equal(await raw.exists(`other:qm:${id.slice(0, 13)}`), 0)
})

test('entries expire after their TTL, in Redis and in the local cache', async () => {
  const cfg = { queryTtlSeconds: 1, transactionTtlSeconds: 1 }
  const a = makeStore(shared.url, cfg)
  const b = makeStore(shared.url, cfg)
  await Promise.all([a.ready(), b.ready()])
  // an id from a minute no other test writes, so that its hash holds this route alone
  const id = queryId(Date.UTC(2021, 0, 1, 0, 0, 0), 42, 'ttlxx')
  const other = 'gw-ttl-query'
  await a.putQuery(id, route())
  await a.putQuery(other, route())
  await a.putTransaction('tx-ttl', { cluster: 'ttl-cluster', coordinator: 'x', startedAt: Date.now() })
  assert.ok(await b.getQuery(id)) // now in b's cache too
  assert.equal(await b.openTransactions('ttl-cluster'), 1)
  await eventually('query routes to expire', async () =>
    (await a.getQuery(id)) === undefined && (await b.getQuery(id)) === undefined && (await b.getQuery(other)) === undefined, 5000)
  await eventually('the transaction to expire', async () =>
    (await b.getTransaction('tx-ttl')) === undefined && (await b.openTransactions('ttl-cluster')) === 0, 5000)
  // Redis reclaims the memory too
  await eventually('Redis to drop the keys', async () =>
    (await raw.exists(`phg:qm:${id.slice(0, 13)}`, `phg:q:${other}`, 'phg:t:tx-ttl', 'phg:tc:ttl-cluster')) === 0, 5000)
  // a route already older than its TTL is not written
  const old = queryId(Date.now() - 10_000, 43, 'ttlxx')
  await a.putQuery(old, route({ routedAt: Date.now() - 10_000 }))
  assert.equal(await b.getQuery(old), undefined)
})

test('a bucket\'s expiry only ever grows: a later route keeps the minute\'s hash alive for its own TTL', async () => {
  const short = makeStore(shared.url, { queryTtlSeconds: 1 })
  const long = makeStore(shared.url, { queryTtlSeconds: 30 })
  await Promise.all([short.ready(), long.ready()])
  const at = Date.now()
  const first = queryId(at, 500, 'grows')
  const second = queryId(at, 501, 'grows')
  await long.putQuery(first, route())
  await short.putQuery(second, route())
  const ttl = await raw.pttl(`phg:qm:${first.slice(0, 13)}`)
  assert.ok(ttl > 25_000, `bucket TTL ${ttl} was shortened`)
})

test('memory: ≤ 200 bytes of Redis memory per tracked query (INFO used_memory delta over 10,000 routes)', async (t) => {
  const server = await startRedis()
  const client = new Redis(server.url, { lazyConnect: true })
  await client.connect()
  try {
    const store = makeStore(server.url, { queryTtlSeconds: 86_400 })
    await store.ready()
    const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1])
    const start = Date.UTC(2025, 2, 1, 12, 0, 0)
    const profiles: Array<[string, (i: number) => number]> = [
      ['a busy gateway: 10,000 queries in 2 minutes', (i) => start + Math.floor(i * 12)],
      ['a quiet gateway: 10,000 queries over a day', (i) => start + Math.floor(i * 8640)]
    ]
    for (const [name, timeOf] of profiles) {
      await client.flushall('SYNC')
      const baseline = await usedMemory()
      for (let i = 0; i < 10_000; i++) {
        await store.putQuery(queryId(timeOf(i), i), route({ routedAt: Date.now(), user: `user_${i % 50}` }))
      }
      const perQuery = (await usedMemory() - baseline) / 10_000
      t.diagnostic(`${name}: ${perQuery.toFixed(1)} bytes per query (${await client.dbsize()} keys)`)
      assert.ok(perQuery <= 200, `${name}: ${perQuery} bytes per query`)
      assert.ok(await store.getQuery(queryId(timeOf(9999), 9999)))
    }
  } finally {
    client.disconnect()
    await server.stop()
  }
})

test('lookups: p99 ≤ 1 ms on loopback (no local cache), and the local cache spares the round trip', async (t) => {
  const noCache = makeStore(shared.url, {}, { tuning: { ...fast, cacheSize: 0 } })
  const cached = makeStore(shared.url)
  await Promise.all([noCache.ready(), cached.ready()])
  const now = Date.now()
  const ids = Array.from({ length: 500 }, (_, i) => queryId(now - (i % 300) * 1000, 2000 + i, 'latcy'))
  for (const id of ids) await noCache.putQuery(id, route())
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < 3 && best > 1; round++) { // best of three: a shared CI machine has hiccups
    const samples: number[] = []
    for (let i = 0; i < 3000; i++) {
      const id = i % 10 === 0 ? `missing-${i}` : ids[i % ids.length] ?? ''
      const t0 = performance.now()
      await noCache.getQuery(id)
      samples.push(performance.now() - t0)
    }
    samples.sort((x, y) => x - y)
    const p99 = percentile(samples.slice(300), 0.99) // the first rounds warm up
    t.diagnostic(`round ${round + 1}: p50 ${percentile(samples, 0.5).toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`)
    best = Math.min(best, p99)
  }
  assert.ok(best <= 1, `p99 ${best} ms`)

  let hits = 0
  const counted = makeStore(shared.url, {}, { metrics: { hit: (source) => { if (source === 'cache') hits++ } } })
  await counted.ready()
  const id = ids[0] ?? ''
  await counted.getQuery(id) // from Redis
  for (let i = 0; i < 100; i++) await counted.getQuery(id)
  assert.equal(hits, 100)
})

test('Redis stopped: writes do not throw, the store is unhealthy, cached reads work; restarted empty: buffered writes are flushed and another replica reads them', async () => {
  const server = await startRedis()
  try {
    const { logger, lines } = captureLogger()
    const a = makeStore(server.url, {}, { logger })
    const b = makeStore(server.url)
    await Promise.all([a.ready(), b.ready()])
    const now = Date.now()
    const before = queryId(now, 1, 'outge')
    const during = queryId(now, 2, 'outge')
    await a.putQuery(before, route())
    await a.putTransaction('tx-before', { cluster: 'blue', coordinator: 'blue-a', startedAt: now })
    await a.putTransaction('tx-closed-during', { cluster: 'blue', coordinator: 'blue-a', startedAt: now })
    assert.ok(await b.getQuery(before))

    const degraded = Promise.all([waitFor(a, 'degraded'), waitFor(b, 'degraded')])
    await server.stop()
    await degraded
    assert.equal(a.healthy(), false)
    assert.equal(b.healthy(), false)

    const t0 = performance.now()
    await a.putQuery(during, route({ coordinator: 'blue-b' }))
    await a.putTransaction('tx-during', { cluster: 'blue', coordinator: 'blue-b', startedAt: Date.now() })
    await a.deleteTransaction('tx-closed-during')
    assert.ok(performance.now() - t0 < 100, 'writes while Redis is down do not wait')
    assert.equal((await a.getQuery(before))?.coordinator, 'blue-a') // cached before the outage
    assert.equal((await a.getQuery(during))?.coordinator, 'blue-b') // written during it
    assert.equal((await a.getTransaction('tx-during'))?.coordinator, 'blue-b')
    assert.equal(await a.getTransaction('tx-closed-during'), undefined)
    assert.equal(await a.openTransactions('blue'), 2) // what this replica knows: tx-before, tx-during
    assert.equal(await b.getQuery(during), undefined) // the other replica asks the coordinators
    assert.equal(a.stats().bufferedWrites, 3)

    const recovered = Promise.all([waitFor(a, 'recovered'), waitFor(b, 'recovered')])
    await server.restart({ empty: true })
    await recovered
    assert.equal(a.healthy(), true)
    assert.equal(a.stats().bufferedWrites, 0)
    assert.equal((await b.getQuery(during))?.coordinator, 'blue-b') // flushed
    assert.equal((await b.getTransaction('tx-during'))?.coordinator, 'blue-b')
    assert.equal(await b.getTransaction('tx-closed-during'), undefined)
    // Redis came back empty: the routes a replica had cached are republished too
    const fresh = makeStore(server.url)
    await fresh.ready()
    assert.equal((await fresh.getQuery(before))?.coordinator, 'blue-a')
    // transactions are not republished (a replica cannot know whether another one closed them)
    assert.equal(await fresh.getTransaction('tx-before'), undefined)
    assert.equal(await fresh.openTransactions('blue'), 1)

    const log = lines.join('')
    assert.match(log, /affinity store degraded/)
    assert.match(log, /affinity store recovered/)
    assert.match(log, /flushed writes buffered/)
  } finally {
    await server.stop()
  }
})

test('a hung Redis (SIGSTOP): writes return within the command timeout, the store degrades, and recovers on SIGCONT', async () => {
  const server = await startRedis()
  try {
    const a = makeStore(server.url)
    const b = makeStore(server.url)
    await Promise.all([a.ready(), b.ready()])
    const id = queryId(Date.now(), 3, 'hungx')
    const degraded = waitFor(a, 'degraded')
    server.pause()
    const t0 = performance.now()
    await a.putQuery(id, route({ coordinator: 'blue-b' }))
    const waited = performance.now() - t0
    assert.ok(waited < 1000, `putQuery waited ${waited} ms`)
    await degraded
    assert.equal(a.healthy(), false)
    const t1 = performance.now()
    await a.putQuery(queryId(Date.now(), 4, 'hungx'), route())
    assert.ok(performance.now() - t1 < 50, 'once degraded, writes do not wait at all')
    assert.equal((await a.getQuery(id))?.coordinator, 'blue-b')
    const recovered = waitFor(a, 'recovered')
    server.resume()
    await recovered
    await eventually('the other replica to answer again', async () => (await b.getQuery(id))?.coordinator === 'blue-b')
  } finally {
    server.resume()
    await server.stop()
  }
})

test('a store started while Redis is down serves degraded, then connects and flushes when Redis comes up', async () => {
  const server = await startRedis()
  await server.stop()
  try {
    const store = makeStore(server.url)
    await waitFor(store, 'degraded')
    assert.equal(await store.ready(200), false)
    const id = queryId(Date.now(), 5, 'early')
    await store.putQuery(id, route())
    assert.ok(await store.getQuery(id))
    const recovered = waitFor(store, 'recovered')
    await server.restart()
    await recovered
    assert.equal(await store.ready(0), true)
    const other = makeStore(server.url)
    await other.ready()
    assert.ok(await other.getQuery(id))
  } finally {
    await server.stop()
  }
})

test('the write buffer is bounded: the oldest writes are dropped, and it says so', async () => {
  const server = await startRedis()
  try {
    const { logger, lines } = captureLogger()
    // no local cache: otherwise the routes it holds are republished when Redis comes back empty
    const store = makeStore(server.url, {}, { logger, tuning: { ...fast, bufferMax: 5, cacheSize: 0 } })
    await store.ready()
    const degraded = waitFor(store, 'degraded')
    await server.stop()
    await degraded
    for (let i = 0; i < 12; i++) await store.putQuery(`gw-${i}`, route())
    assert.equal(store.stats().bufferedWrites, 5)
    assert.equal(store.stats().droppedWrites, 7)
    assert.match(lines.join(''), /buffer full/)
    const recovered = waitFor(store, 'recovered')
    await server.restart()
    await recovered
    const client = new Redis(server.url)
    try {
      assert.equal(await client.exists('phg:q:gw-0'), 0)
      assert.equal(await client.exists('phg:q:gw-11'), 1)
    } finally {
      client.disconnect()
    }
  } finally {
    await server.stop()
  }
})

test('a password in the Redis URL works and never reaches the logs', async () => {
  const secret = 'pw-Zk8q1x-never-logged'
  const server = await startRedis({ args: ['--requirepass', secret] })
  try {
    const { logger, lines } = captureLogger()
    const url = `redis://:${secret}@127.0.0.1:${server.port}/0`
    const store = makeStore(url, {}, { logger })
    assert.equal(await store.ready(5000), true)
    const id = queryId(Date.now(), 6, 'authx')
    await store.putQuery(id, route())
    assert.ok(await store.getQuery(id))
    // a wrong password: the store stays unhealthy, never throws, never logs either password
    const wrong = 'pw-not-the-right-one-77'
    const bad = makeStore(`redis://:${wrong}@127.0.0.1:${server.port}`, {}, { logger })
    assert.equal(await bad.ready(500), false)
    assert.equal(bad.healthy(), false)
    await bad.putQuery(id, route())
    // the password can also come from store.redis.password
    const separate = createAffinityStore({ redis: { url: server.url, password: secret }, queryTtlSeconds: 60, transactionTtlSeconds: 60 }, { logger, tuning: fast })
    stores.push(separate)
    assert.equal(await separate.ready(5000), true)
    const degraded = waitFor(store, 'degraded')
    await server.stop()
    await degraded
    const log = lines.join('')
    assert.ok(log.includes(`127.0.0.1:${server.port}`), 'logs name the Redis server')
    assert.ok(!log.includes(secret), 'the password leaked into the logs')
    assert.ok(!log.includes(wrong), 'the wrong password leaked into the logs')
  } finally {
    await server.stop()
  }
})

test('close flushes what it can and is idempotent', async () => {
  const store = createAffinityStore({ redis: { url: shared.url }, queryTtlSeconds: 60, transactionTtlSeconds: 60 }, { logger: silentLogger, tuning: fast })
  await store.ready()
  const id = queryId(Date.now(), 8, 'close')
  await store.putQuery(id, route())
  await store.close()
  await store.close()
  assert.equal(store.healthy(), true) // closing is not an outage: no 'degraded'
  assert.ok(await raw.hget(`phg:qm:${id.slice(0, 13)}`, id.slice(13)))
})

test('a least-privilege ACL user is enough (no INFO, keys under the prefix only), through an outage too', async () => {
  const commands = '+get +set +mget +del +hget +hset +hsetnx +pttl +pexpire +eval +evalsha +multi +exec +zadd +zrem +zremrangebyscore +zcard +ping +client|setname'
  const server = await startRedis({ args: ['--user', ...`gw on >gw-pass ~phg:* resetchannels -@all ${commands}`.split(' ')] })
  try {
    const store = makeStore(`redis://gw:gw-pass@127.0.0.1:${server.port}`)
    assert.equal(await store.ready(5000), true)
    const id = queryId(Date.now(), 9, 'aclxx')
    await store.putQuery(id, route())
    await store.putTransaction('tx-acl', { cluster: 'blue', coordinator: 'blue-a', startedAt: Date.now() })
    assert.equal(await store.openTransactions('blue'), 1)
    await store.deleteTransaction('tx-acl')
    const degraded = waitFor(store, 'degraded')
    await server.stop()
    await degraded
    const during = queryId(Date.now(), 10, 'aclxx')
    await store.putQuery(during, route())
    const recovered = waitFor(store, 'recovered')
    await server.restart()
    await recovered // INFO is denied: the store recovers without republishing
    const other = makeStore(`redis://gw:gw-pass@127.0.0.1:${server.port}`, {}, { tuning: { ...fast, cacheSize: 0 } })
    assert.equal(await other.ready(5000), true)
    assert.ok(await other.getQuery(during))
  } finally {
    await server.stop()
  }
})
