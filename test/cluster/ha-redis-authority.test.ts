// The Redis primary authority with in-process replicas (the three-process test is
// ha-replicas.test.ts): switchover through the CAS path on every replica, adoption at start,
// no failover while Redis is unreachable, and a provisional primary for a replica that starts
// without Redis.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { startRedis, type RedisServer } from '../helpers/redis-server.js'
import { startClusters, gatewayFor, until } from '../helpers/gateway-fixture.js'
import { switchover } from '../../src/cluster/switchover.js'
import type { EmulatorHandle } from '../../src/emulator/index.js'
import type { GatewayApp } from '../../src/app.js'

const PREFIX = 'phgra:'

let redis: RedisServer
let raw: Redis
let emulators: Record<string, EmulatorHandle> = {}
let clusters: Array<Record<string, unknown>> = []
const replicas: Array<{ app: GatewayApp, url: string, close: () => Promise<void> }> = []

async function replica (redisUrl = redis.url): Promise<{ app: GatewayApp, url: string, close: () => Promise<void> }> {
  const r = await gatewayFor(clusters, { store: { redis: { url: redisUrl, keyPrefix: PREFIX } } })
  replicas.push(r)
  return r
}

const rt = (app: GatewayApp) => {
  const c = app.gateway.registry.get('blue')
  assert.ok(c !== undefined)
  return c
}

async function agreed (): Promise<{ primary: string | null, epoch: number }> {
  const [primary, epoch] = await raw.hmget(`${PREFIX}ha:primary:blue`, 'coordinator', 'epoch')
  return { primary: primary ?? null, epoch: Number(epoch ?? 0) }
}

before(async () => {
  redis = await startRedis()
  raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 50 })
  raw.on('error', () => { /* Redis is stopped on purpose in these tests */ })
  await raw.connect()
  const started = await startClusters([{ name: 'blue' }])
  emulators = started.emulators
  clusters = started.clusters
})

after(async () => {
  await Promise.all(replicas.map(async (r) => { await r.close() }))
  await Promise.all(Object.values(emulators).map(async (e) => { await e.close() }))
  raw.disconnect()
  await redis.stop()
})

test('a graceful switchover holds new queries on every replica, then moves the primary on all through the CAS', async () => {
  const [one, two] = [await replica(), await replica()]
  for (const r of [one, two]) await until(r.app, (reg) => reg.eligibility(rt(r.app)).ok && rt(r.app).epoch === 1, 'agreed first primary')
  assert.deepEqual(await agreed(), { primary: 'blue-a', epoch: 1 })

  // A query runs on blue-a, so the switchover has to wait for it.
  const a = emulators['blue-a']
  assert.ok(a !== undefined)
  const post = await request(`${a.url}/v1/statement`, { method: 'POST', body: 'SELECT 1 /* rows=2 pages=2 */', headers: { 'x-trino-user': 't' } })
  let doc = await post.body.json() as { nextUri?: string }
  doc = await (await request(doc.nextUri ?? '')).body.json() as { nextUri?: string }
  await until(one.app, () => rt(one.app).statuses.get('blue-a')?.load?.runningQueries === 1, 'running query seen')

  const moving = switchover(one.app.gateway, 'blue', 'blue-b')
  await until(two.app, (reg) => reg.switchingTo('blue') === 'blue-b', 'the hold reaches replica two')
  const e = two.app.gateway.registry.eligibility(rt(two.app))
  assert.equal(e.ok ? 'ok' : e.reason, 'switching')

  while (doc.nextUri !== undefined) doc = await (await request(doc.nextUri)).body.json() as { nextUri?: string }
  const result = await moving
  assert.equal(result.epoch, 2)
  for (const r of [one, two]) {
    await until(r.app, () => rt(r.app).primary === 'blue-b' && rt(r.app).epoch === 2 && r.app.gateway.registry.switchingTo('blue') === undefined, 'switched everywhere, hold released')
  }
  assert.deepEqual(await agreed(), { primary: 'blue-b', epoch: 2 })
})

test('a restarted replica adopts the agreed primary before its first check (no flip back to the first coordinator)', async () => {
  const two = replicas.pop()
  await two?.close()
  const three = await replica()
  // Right after start, before any health result could have elected anything.
  assert.equal(rt(three.app).primary, 'blue-b')
  assert.equal(rt(three.app).epoch, 2)
  await until(three.app, (reg) => reg.eligibility(rt(three.app)).ok, 'the new replica routes')
  assert.equal(rt(three.app).primary, 'blue-b')
  assert.deepEqual(await agreed(), { primary: 'blue-b', epoch: 2 })
})

test('while Redis is unreachable no replica fails over alone; when it is back, epochs continue upward', async () => {
  const [one, three] = replicas
  assert.ok(one !== undefined && three !== undefined)
  await redis.stop()
  await until(one.app, () => !one.app.gateway.store.healthy(), 'replica one sees Redis gone')
  await emulators['blue-b']?.faults.kill()
  for (const r of [one, three]) await until(r.app, () => rt(r.app).statuses.get('blue-b')?.health === 'down', 'the primary is down')
  let checks = 0
  await until(one.app, () => ++checks >= 10, 'more checks')
  for (const r of [one, three]) {
    assert.equal(rt(r.app).primary, 'blue-b', 'the agreed primary stays')
    assert.equal(rt(r.app).epoch, 2)
    const e = r.app.gateway.registry.eligibility(rt(r.app))
    assert.equal(e.ok ? 'ok' : e.reason, 'primary-down', 'new queries avoid the cluster meanwhile')
  }

  await redis.restart({ empty: true })
  for (const r of [one, three]) await until(r.app, () => rt(r.app).primary === 'blue-a' && rt(r.app).epoch === 3, 'failover agreed once Redis is back', 15_000)
  assert.deepEqual(await agreed(), { primary: 'blue-a', epoch: 3 })
  await emulators['blue-b']?.faults.restore()
})

test('a replica that starts without Redis routes on a provisional primary (epoch 0) and says Redis is down', async () => {
  const dead = await startRedis()
  const url = dead.url
  await dead.stop()
  const lonely = await replica(url)
  await until(lonely.app, (reg) => reg.eligibility(rt(lonely.app)).ok, 'routes anyway')
  assert.equal(rt(lonely.app).primary, 'blue-a')
  assert.equal(rt(lonely.app).epoch, 0)
  const ready = await (await request(`${lonely.url}/readyz`)).body.json() as { degradations: string[] }
  assert.ok(ready.degradations.some((d) => d.startsWith('redis unreachable')))

  // Once Redis answers, the provisional primary is agreed through the CAS (epoch 1).
  await dead.restart()
  try {
    await until(lonely.app, () => rt(lonely.app).epoch === 1, 'the provisional primary is agreed', 15_000)
    assert.equal(rt(lonely.app).primary, 'blue-a')
  } finally {
    await lonely.close()
    replicas.pop()
    await dead.stop()
  }
})
