import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, primaryOf, type Fixture } from '../helpers/gateway-fixture.js'

async function locationOf (url: string): Promise<string | undefined> {
  const res = await request(`${url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'tester' } })
  await res.body.dump()
  return res.statusCode === 307 ? String(res.headers.location) : undefined
}

describe('primary failover inside a cluster', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway([{ name: 'sticky', failback: 'sticky' }, { name: 'first', failback: 'prefer-first', group: 'other' }])
    await until(fx.app, (r) => r.eligibility(r.get('sticky')!).ok && r.eligibility(r.get('first')!).ok, 'both clusters eligible')
  })
  after(async () => { await fx.close() })

  test('the first coordinator in order is primary at start', () => {
    assert.equal(primaryOf(fx.app, 'sticky'), 'sticky-a')
    assert.equal(primaryOf(fx.app, 'first'), 'first-a')
  })

  test('killing a primary moves new queries to its standby after `fall` checks', async () => {
    const changes: string[] = []
    fx.app.gateway.registry.on('primary', (c) => changes.push(`${c.cluster}:${c.from}->${c.to}`))
    await fx.emulators['sticky-a']?.faults.kill()
    await until(fx.app, (r) => r.get('sticky')?.primary === 'sticky-b' && r.eligibility(r.get('sticky')!).ok, 'standby promoted')
    assert.equal(await locationOf(fx.url), `${fx.emulators['sticky-b']?.url}/v1/statement`)
    assert.deepEqual(changes, ['sticky:sticky-a->sticky-b'])
    assert.equal(fx.app.gateway.registry.get('sticky')?.epoch, 2)
  })

  test('sticky: the old primary coming back does not take over', async () => {
    await fx.emulators['sticky-a']?.faults.restore()
    await until(fx.app, (r) => r.get('sticky')?.statuses.get('sticky-a')?.health === 'up', 'old primary up again')
    assert.equal(primaryOf(fx.app, 'sticky'), 'sticky-b')
    assert.equal(await locationOf(fx.url), `${fx.emulators['sticky-b']?.url}/v1/statement`)
  })

  test('prefer-first: the first coordinator takes over again once it is up `rise` times', async () => {
    await fx.emulators['first-a']?.faults.kill()
    await until(fx.app, (r) => r.get('first')?.primary === 'first-b', 'standby promoted')
    await fx.emulators['first-a']?.faults.restore()
    await until(fx.app, (r) => r.get('first')?.primary === 'first-a', 'first coordinator back as primary')
    const res = await request(`${fx.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 't', 'x-trino-routing-group': 'other' } })
    await res.body.dump()
    assert.equal(res.headers.location, `${fx.emulators['first-a']?.url}/v1/statement`)
  })

  test('a coordinator in graceful shutdown hands the primary over', async () => {
    fx.emulators['first-a']?.setState('SHUTTING_DOWN')
    await until(fx.app, (r) => r.get('first')?.primary === 'first-b', 'shutdown hands over')
  })

  test('metrics count the primary changes', async () => {
    const res = await request(`${fx.url}/metrics`)
    const text = await res.body.text()
    assert.match(text, /phg_primary_changes_total\{cluster="sticky",reason="primary down"\} 1/)
    assert.match(text, /phg_cluster_primary\{cluster="sticky",coordinator="sticky-b"\} 1/)
  })
})
