import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startGateway, gatewayFor, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'
import { startWorkerAnnouncer, type EmulatorHandle, type WorkerAnnouncer } from '../../src/emulator/index.js'

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

describe('detection between two checks', () => {
  let fx: Fixture
  const announcers: WorkerAnnouncer[] = []
  const announce = async (emu: EmulatorHandle | undefined, nodeId: string): Promise<void> => {
    const a = startWorkerAnnouncer({ discoveryUri: emu!.url, nodeId, environment: 'test', style: 'announce', intervalMs: 60_000 })
    announcers.push(a)
    assert.equal(await a.announceNow(), 204)
  }
  before(async () => {
    // An interval far longer than the test may wait: only dropped connections, the fast
    // confirmation of a failed check and the close watch of a new primary can act in time.
    fx = await startGateway([{ name: 'blue', emulator: { workers: 0 } }], { health: { intervalMs: 60_000, fastIntervalMs: 50, timeoutMs: 500, rise: 2, fall: 2 } })
    await announce(fx.emulators['blue-a'], 'worker-1')
    fx.app.gateway.monitor.checkNow('blue', 'blue-a')
    await until(fx.app, allEligible, 'blue eligible')
  })
  after(async () => {
    await Promise.all(announcers.map(async (a) => { await a.stop() }))
    await fx.close()
  })

  test('a killed primary is replaced without waiting for the next interval', async () => {
    await fx.emulators['blue-a']?.faults.kill()
    await until(fx.app, (r) => r.get('blue')?.primary === 'blue-b', 'blue-b primary', 20_000)
    assert.equal(fx.app.gateway.registry.get('blue')?.statuses.get('blue-a')?.health, 'down')
  })

  test('the new primary takes queries once its first worker is there, long before the next interval', async () => {
    const r = fx.app.gateway.registry
    assert.equal(r.eligibility(r.get('blue')!).ok, false, 'no workers yet')
    await announce(fx.emulators['blue-b'], 'worker-1')
    await until(fx.app, (reg) => reg.eligibility(reg.get('blue')!).ok, 'blue-b eligible', 20_000)
  })
})

describe('a coordinator that closes every connection', () => {
  let server: Server
  let checks = 0
  let app: Awaited<ReturnType<typeof gatewayFor>>
  before(async () => {
    // A minimal coordinator (or a proxy in front of one) that answers and then closes each connection.
    server = createServer((req, res) => {
      const send = (body: unknown): void => { res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body)) }
      if (req.url === '/v1/info') { checks++; send({ coordinator: true, starting: false }); return }
      if (req.url === '/v1/info/state') { send('ACTIVE'); return }
      send({ runningQueries: 0, queuedQueries: 0, blockedQueries: 0, activeWorkers: 1 })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    app = await gatewayFor([{ name: 'plain', flavor: 'presto', coordinators: [{ name: 'plain-a', url }] }], { health: { intervalMs: 300, fastIntervalMs: 20, timeoutMs: 200, rise: 1, fall: 2 } })
  })
  after(async () => {
    await app.close()
    server.close()
  })

  test('is checked at the interval, not at the fast interval after every closed connection', async () => {
    await until(app.app, () => checks >= 1, 'first check')
    const from = checks
    const since = Date.now()
    await until(app.app, () => checks >= from + 4, 'four more checks')
    // At the interval they span three intervals or more; at the fast interval, under 100 ms.
    assert.ok(Date.now() - since >= 2 * 300, `four checks took ${Date.now() - since} ms`)
  })
})
