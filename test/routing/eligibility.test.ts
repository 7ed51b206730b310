import { test } from 'node:test'
import assert from 'node:assert/strict'
import { whyIneligible, noEligibleClusterMessage, unknownGroupMessage, type ClusterSummary } from '../../src/routing/eligibility.js'

const ok = (cluster: string, extra: Partial<ClusterSummary> = {}): ClusterSummary =>
  ({ cluster, adminState: 'active', primaryHealth: 'up', workers: 3, minWorkers: 1, failingOver: false, ...extra })

test('whyIneligible: one reason, in the order an operator would fix things', () => {
  const cases: Array<[Partial<ClusterSummary>, string | undefined, string | undefined]> = [
    [{}, undefined, undefined],
    [{ adminState: 'draining', primaryHealth: 'down', workers: 0 }, 'draining', 'is draining'],
    [{ failingOver: true, primaryHealth: 'down' }, 'failing-over', 'is failing over to a standby coordinator'],
    [{ primaryHealth: 'down', workers: 0 }, 'down', 'has no coordinator up'],
    [{ primaryHealth: 'starting' }, 'starting', 'has its coordinator still starting'],
    [{ primaryHealth: 'unknown' }, 'health-unknown', 'has a coordinator whose health is not known yet'],
    [{ shuttingDown: true }, 'shutting-down', 'has its coordinator shutting down'],
    [{ workers: 0 }, 'no-workers', 'has no active workers (0 < minWorkers 1)'],
    [{ workers: 2, minWorkers: 4 }, 'too-few-workers', 'has too few active workers (2 < minWorkers 4)'],
    [{ workers: 0, minWorkers: 0 }, undefined, undefined]
  ]
  for (const [extra, code, text] of cases) {
    const why = whyIneligible(ok('blue', extra))
    assert.equal(why?.code, code, JSON.stringify(extra))
    assert.equal(why?.text, text, JSON.stringify(extra))
  }
})

test('noEligibleClusterMessage: per-cluster reasons, naming the group', () => {
  assert.equal(
    noEligibleClusterMessage('etl', [ok('blue', { adminState: 'draining' }), ok('green', { workers: 0 })]),
    'No eligible cluster in routing group "etl": blue is draining; green has no active workers (0 < minWorkers 1)'
  )
})

test('noEligibleClusterMessage: a shared reason is said once', () => {
  assert.equal(
    noEligibleClusterMessage('adhoc', [ok('blue', { adminState: 'draining' }), ok('green', { adminState: 'draining' })]),
    'No eligible cluster in routing group "adhoc": all 2 clusters are draining (blue, green)'
  )
  assert.equal(
    noEligibleClusterMessage('adhoc', [ok('blue', { primaryHealth: 'down' }), ok('green', { primaryHealth: 'down' }), ok('red', { primaryHealth: 'down' })]),
    'No eligible cluster in routing group "adhoc": all 3 clusters have no coordinator up (blue, green, red)'
  )
  assert.equal(
    noEligibleClusterMessage('adhoc', [ok('blue', { workers: 0 }), ok('green', { workers: 0 })]),
    'No eligible cluster in routing group "adhoc": all 2 clusters have no active workers (blue, green)'
  )
  assert.equal(
    noEligibleClusterMessage('adhoc', [ok('blue', { failingOver: true })]),
    'No eligible cluster in routing group "adhoc": blue is failing over to a standby coordinator'
  )
})

test('noEligibleClusterMessage: edge cases', () => {
  assert.equal(noEligibleClusterMessage('x', []), 'No eligible cluster in routing group "x": the group has no clusters')
  assert.equal(noEligibleClusterMessage('x', [ok('blue')]), 'No eligible cluster in routing group "x": no cluster could take the query')
  // eligible clusters are left out of the list
  assert.equal(noEligibleClusterMessage('x', [ok('blue'), ok('green', { adminState: 'draining' })]), 'No eligible cluster in routing group "x": green is draining')
})

test('group names from headers are quoted, escaped and bounded', () => {
  const msg = unknownGroupMessage('evil"\r\ngroup' + 'x'.repeat(500), ['etl', 'adhoc'])
  assert.ok(!msg.includes('\n') && !msg.includes('\r'))
  assert.ok(msg.length < 200, String(msg.length))
  assert.match(msg, /^Unknown routing group "evil\\"\\r\\ngroupx+…" \(known groups: adhoc, etl\)$/)
  assert.equal(unknownGroupMessage('vip', []), 'Unknown routing group "vip" (no groups are configured)')
})
