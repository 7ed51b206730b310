import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ExpiringLru } from '../../src/affinity/lru.js'

const far = (): number => Date.now() + 60_000

test('evicts the least recently written or touched entry', () => {
  const lru = new ExpiringLru<number>(3)
  for (const k of ['a', 'b', 'c']) lru.set(k, 0, far())
  assert.equal(lru.get('a'), 0) // touched: b is now the oldest
  assert.equal(lru.set('d', 0, far()), 1)
  assert.equal(lru.get('b'), undefined)
  lru.set('c', 1, far()) // written again: the newest
  lru.set('e', 0, far())
  assert.deepEqual([...lru.entries()].map(([k]) => k), ['d', 'c', 'e'])
})

test('keeps the right entries over many evictions, a hot entry included', () => {
  const lru = new ExpiringLru<number>(100)
  lru.set('hot', -1, far())
  let evicted = 0
  for (let i = 0; i < 10_000; i++) {
    evicted += lru.set(`k${i}`, i, far())
    assert.equal(lru.get('hot'), -1, `the touched entry survives write ${i}`)
  }
  assert.equal(evicted, 10_000 + 1 - 100)
  const keys = [...lru.entries()].map(([k]) => k)
  assert.equal(keys.length, 100)
  assert.deepEqual(keys.filter((k) => k !== 'hot'), Array.from({ length: 99 }, (_, j) => `k${10_000 - 99 + j}`))
})

test('clear empties it, and eviction starts over', () => {
  const lru = new ExpiringLru<number>(2)
  for (const k of ['a', 'b', 'c']) lru.set(k, 0, far())
  lru.clear()
  assert.equal(lru.size, 0)
  for (const k of ['x', 'y', 'z']) lru.set(k, 0, far())
  assert.deepEqual([...lru.entries()].map(([k]) => k), ['y', 'z'])
})
