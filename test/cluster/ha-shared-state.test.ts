// Drains and runtime cluster overrides through a real Redis: every replica applies a change at
// once, a change made while Redis is unreachable is written when it answers (unless Redis holds a
// newer one), and a Redis restarted empty gets everything back.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import pino from 'pino'
import { request } from 'undici'
import { startRedis, type RedisServer } from '../helpers/redis-server.js'
import { startClusters, gatewayFor, until } from '../helpers/gateway-fixture.js'
import { RedisSharedState } from '../../src/cluster/redis-shared-state.js'
import type { EmulatorHandle } from '../../src/emulator/index.js'
import type { ClusterInput } from '../../src/config/schema.js'

const PREFIX = 'phgss:'
const fast = { commandTimeoutMs: 300, reconnectMaxDelayMs: 100, probeIntervalMs: 100, connectTimeoutMs: 500 }
const silent = pino({ level: 'silent' })

let redis: RedisServer
let raw: Redis
const states: RedisSharedState[] = []

function replica (): RedisSharedState {
  const s = new RedisSharedState({ url: redis.url, keyPrefix: PREFIX }, { logger: silent, tuning: fast })
  states.push(s)
  return s
}

async function eventually<T> (fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const doc = (name: string): ClusterInput => ({
  name,
  weight: 2,
  minWorkers: 1,
  forwardedHeaders: false,
  coordinators: [{ name: `${name}-a`, url: 'http://127.0.0.1:1' }]
})

before(async () => {
  redis = await startRedis()
  raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 50 })
  raw.on('error', () => { /* Redis is stopped on purpose in these tests */ })
  await raw.connect()
})

after(async () => {
  await Promise.all(states.map(async (s) => { await s.close() }))
  raw.disconnect()
  await redis.stop()
})

test('a drain and a runtime cluster made on one replica apply on the other at once', async () => {
  const one = replica()
  const two = replica()
  await Promise.all([one.start(), two.start()])
  const heard = once(two, 'admin-state')
  await one.setAdminState('blue', 'draining', 'ops')
  assert.deepEqual(await heard, ['blue', 'draining'])
  assert.deepEqual([...two.adminStates()], [['blue', 'draining']])
  assert.equal(JSON.parse(await raw.hget(`${PREFIX}admin`, 'blue') ?? '{}').state, 'draining')

  const changed = once(two, 'overrides')
  await one.putCluster(doc('teal'), 'ops')
  await changed
  assert.deepEqual(two.overrides().get('teal')?.doc, doc('teal'))
  assert.equal(two.overrides().get('teal')?.by, 'ops')

  const deleted = once(two, 'overrides')
  await one.deleteCluster('green', 'ops')
  await deleted
  assert.equal(two.overrides().get('green')?.doc, null, 'a deletion is an override too')

  // A replica started later reads it all.
  const three = replica()
  await three.start()
  assert.deepEqual([...three.adminStates()], [['blue', 'draining']])
  assert.deepEqual([...three.overrides().keys()].sort(), ['green', 'teal'])

  const cleared = once(two, 'overrides')
  await one.clearOverride('green')
  await cleared
  assert.equal(two.overrides().has('green'), false)
})

test('Redis restarted empty gets the drains and overrides back; a change made meanwhile wins if newer', async () => {
  const [one, two] = states
  assert.ok(one !== undefined && two !== undefined)
  await redis.stop()
  await eventually(() => one.healthy() || two.healthy() ? undefined : true, 'both replicas see Redis gone')
  // Made while Redis is away: applies here now, elsewhere later.
  await two.setAdminState('blue', 'active', 'ops')
  assert.deepEqual([...two.adminStates()], [])
  assert.deepEqual([...one.adminStates()], [['blue', 'draining']])

  await redis.restart({ empty: true })
  await eventually(async () => {
    const admin = await raw.hgetall(`${PREFIX}admin`)
    const clusters = await raw.hgetall(`${PREFIX}clusters`)
    return admin.blue !== undefined && clusters.teal !== undefined ? { admin, clusters } : undefined
  }, 'republished')
  // The newer activation wins over the older drain, on both replicas.
  await eventually(() => one.adminStates().size === 0 ? true : undefined, 'replica one learns the activation')
  assert.equal(JSON.parse(await raw.hget(`${PREFIX}admin`, 'blue') ?? '{}').state, 'active')
  assert.deepEqual(JSON.parse(await raw.hget(`${PREFIX}clusters`, 'teal') ?? '{}').doc, doc('teal'))
})

test('wired into the gateway: a drain on one replica stops new queries on both', async () => {
  let emulators: Record<string, EmulatorHandle> = {}
  const started = await startClusters([{ name: 'blue' }, { name: 'green' }])
  emulators = started.emulators
  const config = { store: { redis: { url: redis.url, keyPrefix: 'phgss2:' } } }
  const r1 = await gatewayFor(started.clusters, config)
  const r2 = await gatewayFor(started.clusters, config)
  try {
    for (const r of [r1, r2]) await until(r.app, (reg) => [...reg.all()].every((rt) => reg.eligibility(rt).ok), 'all eligible')
    const applied = once(r2.app.gateway.shared, 'admin-state')
    await r1.app.gateway.shared.setAdminState('blue', 'draining', 'ops')
    await applied
    for (const r of [r1, r2]) {
      const rt = r.app.gateway.registry.get('blue')
      assert.ok(rt !== undefined)
      assert.equal(rt.adminState, 'draining')
      assert.deepEqual(r.app.gateway.registry.eligibility(rt), { ok: false, reason: 'draining', detail: 'blue is draining' })
      const res = await request(`${r.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 't' } })
      await res.body.dump()
      assert.equal(res.headers.location, `${emulators['green-a']?.url ?? ''}/v1/statement`)
    }
  } finally {
    await r1.close()
    await r2.close()
    await Promise.all(Object.values(emulators).map(async (e) => { await e.close() }))
  }
})
