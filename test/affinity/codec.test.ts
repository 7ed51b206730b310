import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  decodeQueryRoute, decodeTransactionRoute, encodeQueryRoute, encodeTransactionRoute, redactRedisUrl,
  describeRedisTarget, type QueryRoute
} from '../../src/affinity/index.js'

test('query routes encode to a short delimited string and back', () => {
  const route: QueryRoute = { cluster: 'blue', coordinator: 'blue-a', mode: 'handoff', group: 'adhoc', routedAt: 1_740_830_400_123, user: 'etl_user' }
  const value = encodeQueryRoute(route)
  assert.equal(value, 'h|blue|blue-a|adhoc|m7q5h1ff|uetl_user')
  assert.deepEqual(decodeQueryRoute(value), route)
  const { user: _user, ...noUser } = route
  assert.equal(encodeQueryRoute(noUser), 'h|blue|blue-a|adhoc|m7q5h1ff')
  assert.deepEqual(decodeQueryRoute(encodeQueryRoute(noUser)), noUser)
  assert.deepEqual(decodeQueryRoute(encodeQueryRoute({ ...route, user: '' })), { ...route, user: '' })
  const inTx = { ...noUser, transactionId: '8d1f5c3e-2b7a-4e0f-9c1d-3a5b7c9e1f20' }
  assert.equal(encodeQueryRoute(inTx), 'h|blue|blue-a|adhoc|m7q5h1ff|t8d1f5c3e-2b7a-4e0f-9c1d-3a5b7c9e1f20')
  assert.deepEqual(decodeQueryRoute(encodeQueryRoute(inTx)), inTx)
  assert.deepEqual(decodeQueryRoute(encodeQueryRoute({ ...inTx, user: 'a|b%c' })), { ...inTx, user: 'a|b%c' })
  // a field a later version adds is skipped by this one
  assert.deepEqual(decodeQueryRoute('h|blue|blue-a|adhoc|m7q5h1ff|uetl_user|xnew'), route)
  for (const mode of ['redirect', 'handoff', 'proxy'] as const) {
    assert.equal(decodeQueryRoute(encodeQueryRoute({ ...route, mode }))?.mode, mode)
  }
})

test('any field content survives the encoding (property)', () => {
  const routeArb = fc.record({
    cluster: fc.string(),
    coordinator: fc.string(),
    mode: fc.constantFrom('redirect' as const, 'handoff' as const, 'proxy' as const),
    group: fc.string(),
    routedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    user: fc.option(fc.string(), { nil: undefined }),
    transactionId: fc.option(fc.string(), { nil: undefined })
  }).map((r) => {
    const { user, transactionId, ...rest } = r
    return { ...rest, ...(user === undefined ? {} : { user }), ...(transactionId === undefined ? {} : { transactionId }) }
  })
  fc.assert(fc.property(routeArb, (route) => {
    assert.deepEqual(decodeQueryRoute(encodeQueryRoute(route)), route)
  }))
  fc.assert(fc.property(fc.string(), fc.string(), fc.integer({ min: 0, max: 4_102_444_800_000 }), (cluster, coordinator, startedAt) => {
    const tx = { cluster, coordinator, startedAt }
    assert.deepEqual(decodeTransactionRoute(encodeTransactionRoute(tx)), tx)
  }))
})

test('unreadable values decode to undefined, never throw (property)', () => {
  for (const bad of ['', 'x|a|b|c|1', 'h|a|b|c', 'h|a|b|c|!!|uv', 'h|a|b|c|1|', 'h|a|b|c|zzzzzzzzzzzzzzz', '{"cluster":"blue"}']) {
    assert.equal(decodeQueryRoute(bad), undefined, bad)
  }
  assert.equal(decodeTransactionRoute('a|b'), undefined)
  assert.equal(decodeTransactionRoute('a|b|-1'), undefined)
  fc.assert(fc.property(fc.string(), (s) => {
    decodeQueryRoute(s)
    decodeTransactionRoute(s)
  }))
})

test('Redis URLs are redacted for logs', () => {
  assert.equal(redactRedisUrl('redis://:s3cret@redis.internal:6379/2'), 'redis://:***@redis.internal:6379/2')
  assert.equal(redactRedisUrl('rediss://gw:s3cret@redis.internal:6380'), 'rediss://gw:***@redis.internal:6380')
  assert.equal(redactRedisUrl('redis://redis.internal:6379/0?password=s3cret'), 'redis://redis.internal:6379/0?password=***')
  assert.equal(redactRedisUrl('redis://redis.internal:6379'), 'redis://redis.internal:6379')
  assert.ok(!redactRedisUrl('not a url s3cret').includes('s3cret'))
  assert.equal(describeRedisTarget({ sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'phg', password: 's3cret' }), 'sentinel phg via s1:26379,s2:26379')
})
