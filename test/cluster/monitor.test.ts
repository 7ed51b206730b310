import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'

describe('monitoring', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway([{ name: 'blue', emulator: { workers: 3 } }, { name: 'green', flavor: 'presto', emulator: { workers: 4 } }])
    await until(fx.app, allEligible, 'clusters eligible')
  })
  after(async () => { await fx.close() })

  test('load and workers are polled from every coordinator, standbys too, by flavor', () => {
    const r = fx.app.gateway.registry
    assert.equal(r.get('blue')?.statuses.get('blue-b')?.load?.activeWorkers, 3, 'trino standby polled through /ui/api/stats')
    assert.equal(r.get('green')?.statuses.get('green-b')?.load?.activeWorkers, 4, 'presto standby polled through /v1/cluster')
  })

  test('an expired UI session is renewed by logging in again', async () => {
    const emu = fx.emulators['blue-a']
    assert.ok(emu)
    const logins = emu.requests.count('/ui/login')
    emu.expireUiSessions()
    const since = Date.now()
    await until(fx.app, (r) => (r.get('blue')?.statuses.get('blue-a')?.load?.polledAt ?? 0) > since, 'load polled again after the session expired')
    assert.ok(emu.requests.count('/ui/login') > logins, 'logged in again')
    assert.equal(fx.app.gateway.registry.get('blue')?.statuses.get('blue-a')?.loadError, undefined)
  })

  test('a hung coordinator delays nobody else and is marked down', async () => {
    fx.emulators['blue-b']?.faults.hang()
    const since = Date.now()
    await until(fx.app, (r) => r.get('blue')?.statuses.get('blue-b')?.health === 'down', 'hung standby down')
    const r = fx.app.gateway.registry
    for (const name of ['blue-a', 'green-a', 'green-b']) {
      const s = r.coordinator(name)
      assert.equal(s?.health, 'up', name)
      assert.ok((s?.lastSuccessAt ?? 0) > since, `${name} kept being checked`)
    }
    assert.equal(r.get('blue')?.primary, 'blue-a', 'a standby failing changes no primary')
    await fx.emulators['blue-b']?.faults.clear()
  })

  test('a coordinator answering starting: true is reported starting and gets nothing', async () => {
    fx.emulators['green-b']?.setStarting(true)
    await until(fx.app, (r) => r.get('green')?.statuses.get('green-b')?.health === 'starting', 'starting reported')
    fx.emulators['green-b']?.setStarting(false)
  })
})
