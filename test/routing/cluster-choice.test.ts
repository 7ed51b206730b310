import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'
import { runTrinoClient } from '../helpers/clients.js'
import type { EmulatorHandle } from '../../src/emulator/index.js'

async function locationOf (url: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const res = await request(`${url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'tester', ...headers } })
  await res.body.dump()
  return res.statusCode === 307 ? String(res.headers.location) : undefined
}

/** Starts `n` queries that keep running on the coordinator (dispatched by polling the queued URI once). */
async function occupy (emu: EmulatorHandle, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const post = await request(`${emu.url}/v1/statement`, { method: 'POST', body: 'SELECT 1 /* delayMs=60000 */', headers: { 'x-trino-user': 'busy' } })
    const doc = await post.body.json() as { nextUri: string }
    const poll = await request(doc.nextUri, { headers: { 'x-trino-user': 'busy' } })
    await poll.body.dump()
  }
}

describe('cluster choice by load', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway([{ name: 'blue', emulator: { workers: 1 } }, { name: 'green', emulator: { workers: 2 } }])
    await until(fx.app, allEligible, 'both clusters eligible')
  })
  after(async () => { await fx.close() })

  test('new queries go to the less-loaded cluster', async () => {
    const blue = fx.emulators['blue-a']
    assert.ok(blue)
    await occupy(blue, 10)
    await until(fx.app, (r) => (r.get('blue')?.primaryStatus()?.load?.runningQueries ?? 0) >= 10, 'blue load polled')
    const greenUrl = fx.emulators['green-a']?.url
    for (let i = 0; i < 10; i++) {
      assert.equal(await locationOf(fx.url), `${greenUrl}/v1/statement`, `query ${i} should avoid the loaded cluster`)
    }
  })
})

describe('a primary without workers gets no queries', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway([{ name: 'blue', emulator: { workers: 2 } }, { name: 'green', emulator: { workers: 0 } }])
    await until(fx.app, (r) => r.eligibility(r.get('blue')!).ok && r.get('green')?.primaryStatus()?.load !== undefined, 'loads polled')
  })
  after(async () => { await fx.close() })

  test('every query lands on the cluster with workers', async () => {
    const blueUrl = fx.emulators['blue-a']?.url
    for (let i = 0; i < 20; i++) assert.equal(await locationOf(fx.url), `${blueUrl}/v1/statement`)
    assert.equal(fx.emulators['green-a']?.requests.count('/v1/statement'), 0)
  })

  test('with only the worker-less cluster left, the client reads why', async () => {
    await fx.emulators['blue-a']?.faults.kill()
    await fx.emulators['blue-b']?.faults.kill()
    await until(fx.app, (r) => !r.eligibility(r.get('blue')!).ok, 'blue out of routing')
    const run = await runTrinoClient(fx.url, 'SELECT 1')
    assert.match(run.error ?? '', /No eligible cluster in routing group "adhoc"/)
    assert.match(run.error ?? '', /green.*(workers|minWorkers)/)
  })
})

describe('routing groups', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway(
      [{ name: 'blue', group: 'adhoc' }, { name: 'etl', group: 'etl' }],
      { routing: { defaultGroup: 'adhoc', rules: [{ name: 'etl-users', match: { user: '^etl_' }, group: 'etl' }, { name: 'tagged', match: { clientTags: ['batch'] }, group: 'etl' }] } }
    )
    await until(fx.app, allEligible, 'both clusters eligible')
  })
  after(async () => { await fx.close() })

  test('the routing-group header wins, then the first matching rule, then the default group', async () => {
    const blue = `${fx.emulators['blue-a']?.url}/v1/statement`
    const etl = `${fx.emulators['etl-a']?.url}/v1/statement`
    assert.equal(await locationOf(fx.url), blue)
    assert.equal(await locationOf(fx.url, { 'x-trino-routing-group': 'etl' }), etl)
    assert.equal(await locationOf(fx.url, { 'x-trino-user': 'etl_nightly' }), etl)
    assert.equal(await locationOf(fx.url, { 'x-trino-client-tags': 'x,batch' }), etl)
    assert.equal(await locationOf(fx.url, { 'x-trino-user': 'etl_nightly', 'x-trino-routing-group': 'adhoc' }), blue)
  })

  test('an unknown group is an error, not a fallback', async () => {
    const run = await runTrinoClient(fx.url, 'SELECT 1', { headers: { 'X-Trino-Routing-Group': 'finance' } })
    assert.match(run.error ?? '', /Unknown routing group "finance"/)
  })
})
