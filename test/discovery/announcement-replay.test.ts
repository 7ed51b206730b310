// A new primary gets the workers' latest announcements from the gateway the moment it is elected,
// instead of at each worker's next announcement (5–8 s on real clusters; never, within this test).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, type Fixture } from '../helpers/gateway-fixture.js'
import { startWorkerAnnouncer, type WorkerAnnouncer } from '../../src/emulator/index.js'

let fx: Fixture
const workers: WorkerAnnouncer[] = []

before(async () => {
  fx = await startGateway([{ name: 'blue', emulator: { workers: 0 }, minWorkers: 2, extra: { discovery: { port: 0 } } }])
  const uri = `http://127.0.0.1:${fx.app.gateway.discovery.port('blue') ?? 0}`
  await until(fx.app, (r) => r.get('blue')?.primary === 'blue-a', 'blue has its primary')
  // One worker of each announcement style, and one that leaves again; each announces once (at
  // start) and never again within the test.
  const start = (nodeId: string, style: 'airlift' | 'announce'): WorkerAnnouncer => {
    const w = startWorkerAnnouncer({ discoveryUri: uri, nodeId, environment: 'test', style, intervalMs: 600_000 })
    workers.push(w)
    return w
  }
  start('airlift-1', 'airlift')
  start('announce-1', 'announce')
  const leaving = start('leaving-1', 'airlift')
  const a = fx.emulators['blue-a']!
  await until(fx.app, () => a.announcements().filter((x) => x.isWorker).length === 3, 'blue-a has three workers')
  await leaving.stop({ unannounce: true })
  await until(fx.app, (r) => r.eligibility(r.get('blue')!).ok, 'blue eligible with its two workers')
})

after(async () => {
  await Promise.all(workers.map(async (w) => { await w.stop() }))
  await fx.close()
})

test('after a failover the new primary has the workers at once, without their announcing again', async () => {
  const announced = workers.map((w) => w.last().count)
  await fx.emulators['blue-a']?.faults.kill()
  await until(fx.app, (r) => r.get('blue')?.primary === 'blue-b' && r.eligibility(r.get('blue')!).ok, 'blue-b primary with its workers')
  const b = fx.emulators['blue-b']!
  assert.deepEqual(b.announcements().filter((x) => x.isWorker).map((x) => x.nodeId).sort(), ['airlift-1', 'http://127.0.0.1:8081/announce-1'], 'a worker that unannounced is not sent again')
  assert.deepEqual(workers.map((w) => w.last().count), announced, 'no worker announced again')
  const metrics = await (await request(`${fx.url}/metrics`)).body.text()
  assert.match(metrics, /phg_discovery_requests_total\{cluster="blue",result="replayed"\} 2/)
})
