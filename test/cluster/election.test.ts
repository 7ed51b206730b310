import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyObservation, newStatus, acceptsNewQueries, type CoordinatorStatus } from '../../src/cluster/coordinator-status.js'
import { electPrimary } from '../../src/cluster/primary-election.js'

const mk = (name: string): CoordinatorStatus => newStatus('c', { name, url: `http://127.0.0.1/${name}`, externalUrl: `http://127.0.0.1/${name}` })
const ok = { kind: 'ok', shuttingDown: false } as const
const fail = { kind: 'failed', error: 'ECONNREFUSED' } as const

test('rise and fall thresholds: down after `fall` failures, up again after `rise` successes', () => {
  const s = mk('a')
  assert.equal(applyObservation(s, ok, 1, 2, 2), 'up', 'a fresh gateway trusts the first answer')
  assert.equal(applyObservation(s, fail, 2, 2, 2), 'up', 'one failure is not enough')
  assert.equal(applyObservation(s, fail, 3, 2, 2), 'down')
  assert.equal(applyObservation(s, ok, 4, 2, 2), 'down', 'one success is not enough')
  assert.equal(applyObservation(s, ok, 5, 2, 2), 'up')
})

test('a flapping coordinator never reaches up or down while it alternates', () => {
  const s = mk('a')
  applyObservation(s, fail, 1, 2, 2)
  applyObservation(s, fail, 2, 2, 2)
  for (let i = 0; i < 10; i++) {
    assert.equal(applyObservation(s, i % 2 === 0 ? ok : fail, 3 + i, 2, 2), 'down')
  }
})

test('starting: true is reported as starting and takes no queries', () => {
  const s = mk('a')
  assert.equal(applyObservation(s, { kind: 'starting' }, 1, 2, 2), 'starting')
  assert.equal(acceptsNewQueries(s, 1, 5000), false)
})

test('a graceful shutdown keeps the coordinator up but out of routing', () => {
  const s = mk('a')
  applyObservation(s, { kind: 'ok', shuttingDown: true }, 1, 2, 2)
  assert.equal(s.health, 'up')
  assert.equal(acceptsNewQueries(s, 1, 5000), false)
})

test('a stale last success takes a coordinator out of routing even if its state still says up', () => {
  const s = mk('a')
  applyObservation(s, ok, 1000, 2, 2)
  assert.equal(acceptsNewQueries(s, 2000, 2800), true)
  assert.equal(acceptsNewQueries(s, 4000, 2800), false)
})

test('election: the first up coordinator in order; sticky keeps a standby that took over', () => {
  const [a, b, c] = [mk('a'), mk('b'), mk('c')]
  for (const s of [a, b, c]) applyObservation(s, ok, 1, 1, 1)
  assert.equal(electPrimary([a, b, c], undefined, 'sticky'), 'a')
  applyObservation(a, fail, 2, 1, 1)
  assert.equal(electPrimary([a, b, c], 'a', 'sticky'), 'b')
  applyObservation(a, ok, 3, 1, 1)
  assert.equal(electPrimary([a, b, c], 'b', 'sticky'), 'b', 'sticky stays on b')
  assert.equal(electPrimary([a, b, c], 'b', 'prefer-first'), 'a', 'prefer-first returns to a')
})

test('election: nobody up keeps the current primary; shutting down hands over', () => {
  const [a, b] = [mk('a'), mk('b')]
  applyObservation(a, fail, 1, 1, 1)
  applyObservation(b, fail, 1, 1, 1)
  assert.equal(electPrimary([a, b], 'a', 'sticky'), 'a')
  assert.equal(electPrimary([a, b], undefined, 'sticky'), undefined)
  applyObservation(a, { kind: 'ok', shuttingDown: true }, 2, 1, 1)
  applyObservation(b, ok, 2, 1, 1)
  assert.equal(electPrimary([a, b], 'a', 'sticky'), 'b')
})
