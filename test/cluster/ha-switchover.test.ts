// Switchover (the primitive behind POST /admin/clusters/{name}/primary) and the readiness of a new
// primary, on one in-process gateway with the in-memory store: workers come only from
// announcements through the gateway's discovery port, so a new primary starts with none.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, type Fixture } from '../helpers/gateway-fixture.js'
import { startWorkerAnnouncer, type WorkerAnnouncer } from '../../src/emulator/index.js'
import { switchover } from '../../src/cluster/switchover.js'
import type { ClusterRegistry } from '../../src/cluster/registry.js'

let fx: Fixture
let worker: WorkerAnnouncer

const blue = (r: ClusterRegistry) => {
  const rt = r.get('blue')
  assert.ok(rt !== undefined)
  return rt
}

/** POST through the gateway: the redirect target, or the FAILED message of an unroutable query. */
async function submit (group = 'adhoc'): Promise<{ location?: string, failed?: string }> {
  const res = await request(`${fx.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'tester', 'x-trino-routing-group': group } })
  if (res.statusCode === 307) {
    await res.body.dump()
    return { location: String(res.headers.location) }
  }
  const doc = await res.body.json() as { nextUri: string }
  const next = await request(doc.nextUri)
  const failed = await next.body.json() as { error?: { message: string } }
  return { failed: failed.error?.message }
}

/** A query that runs on the coordinator until the test reads it to the end. */
async function startLongQuery (coordinatorUrl: string): Promise<{ finish: () => Promise<void> }> {
  const res = await request(`${coordinatorUrl}/v1/statement`, { method: 'POST', body: 'SELECT 1 /* rows=4 pages=4 delayMs=50 */', headers: { 'x-trino-user': 'tester' } })
  let doc = await res.body.json() as { nextUri?: string }
  // The first GET dispatches it; it then runs until its pages are read.
  const first = await request(doc.nextUri ?? '')
  doc = await first.body.json() as { nextUri?: string }
  return {
    finish: async () => {
      while (doc.nextUri !== undefined) {
        const r = await request(doc.nextUri)
        doc = await r.body.json() as { nextUri?: string }
      }
    }
  }
}

before(async () => {
  fx = await startGateway([
    { name: 'blue', emulator: { workers: 0 }, minWorkers: 1, extra: { discovery: { port: 0 } } },
    { name: 'green', group: 'other', failback: 'prefer-first' }
  ])
  const port = fx.app.gateway.discovery.port('blue')
  assert.ok(port !== undefined && port > 0, 'the discovery listener is up with the app')
  await until(fx.app, (r) => blue(r).primary === 'blue-a', 'blue has its primary')
  // Announcements are made by the test (announceNow); the timer never fires within it. The first
  // one goes to blue-a directly, as from a worker not yet moved behind the gateway: the gateway has
  // none to send again to a new primary (test/discovery/announcement-replay.test.ts has that case).
  worker = startWorkerAnnouncer({ discoveryUri: fx.emulators['blue-a']!.url, nodeId: 'worker-1', environment: 'test', style: 'airlift', intervalMs: 600_000 })
  assert.equal(await worker.announceNow(), 202)
  await until(fx.app, (r) => r.eligibility(blue(r)).ok && r.eligibility(r.get('green')!).ok, 'both clusters eligible (blue-a has the worker)')
})

after(async () => {
  await worker.stop()
  await fx.close()
})

test('errors name what is wrong', async () => {
  const ctx = fx.app.gateway
  await assert.rejects(switchover(ctx, 'nope', 'x'), { code: 'PHG_ERR_UNKNOWN_CLUSTER', statusCode: 404 })
  await assert.rejects(switchover(ctx, 'blue', 'green-a'), { code: 'PHG_ERR_UNKNOWN_COORDINATOR', statusCode: 404 })
  await assert.rejects(switchover(ctx, 'green', 'green-b'), { code: 'PHG_ERR_SWITCHOVER_PREFER_FIRST', statusCode: 409 })
  await fx.emulators['blue-b']?.faults.kill()
  await until(fx.app, (r) => blue(r).statuses.get('blue-b')?.health === 'down', 'blue-b down')
  await assert.rejects(switchover(ctx, 'blue', 'blue-b'), { code: 'PHG_ERR_COORDINATOR_NOT_UP', statusCode: 409, message: /blue-b.*is down/ })
  await fx.emulators['blue-b']?.faults.restore()
  await until(fx.app, (r) => blue(r).statuses.get('blue-b')?.health === 'up', 'blue-b up again')
  const same = await switchover(ctx, 'blue', 'blue-a')
  assert.equal(same.unchanged, true)
  assert.equal(blue(ctx.registry).epoch, 1)
})

test('graceful: new queries stop, the running query finishes, then the primary moves; the new one waits for minWorkers', async () => {
  const ctx = fx.app.gateway
  const a = fx.emulators['blue-a']
  const b = fx.emulators['blue-b']
  assert.ok(a !== undefined && b !== undefined)
  const query = await startLongQuery(a.url)
  await until(fx.app, (r) => blue(r).statuses.get('blue-a')?.load?.runningQueries === 1, 'the gateway sees the query running')

  let finished = false
  const moving = switchover(ctx, 'blue', 'blue-b', { by: 'test' }).finally(() => { finished = true })
  const held = await submit()
  assert.match(held.failed ?? '', /blue is switching its primary from blue-a to blue-b/)

  // Several load polls later it still waits: blue-a still runs the query.
  let polls = 0
  await until(fx.app, () => ++polls >= 6, 'a few more checks')
  assert.equal(finished, false)
  assert.equal(blue(ctx.registry).primary, 'blue-a')

  await query.finish()
  const result = await moving
  assert.deepEqual({ from: result.from, to: result.to, epoch: result.epoch, immediate: result.immediate }, { from: 'blue-a', to: 'blue-b', epoch: 2, immediate: false })
  assert.ok(result.heldMs > 0)
  assert.equal(ctx.registry.switchingTo('blue'), undefined, 'the hold is released')

  // blue-b has no worker yet: the cluster is failing over, and the client is told so.
  const waiting = await submit()
  assert.match(waiting.failed ?? '', /blue is failing over to blue-b \(0 of 1 workers so far\)/)

  // Moved behind the gateway, the worker's next announcement goes through the discovery port to
  // the new primary only.
  const announcedToA = a.requests.count('/v1/announce')
  await worker.stop()
  worker = startWorkerAnnouncer({ discoveryUri: `http://127.0.0.1:${ctx.discovery.port('blue') ?? 0}`, nodeId: 'worker-1', environment: 'test', style: 'airlift', intervalMs: 600_000 })
  assert.ok((await worker.announceNow()) < 300)
  assert.equal(a.requests.count('/v1/announce'), announcedToA)
  assert.deepEqual(b.announcements().filter((x) => x.isWorker).map((x) => x.nodeId), ['worker-1'])
  await until(fx.app, (r) => r.eligibility(blue(r)).ok, 'blue-b has its worker')
  assert.equal((await submit()).location, `${b.url}/v1/statement`)
})

test('immediate: installs at once; one switchover at a time; a graceful one gives up after its timeout', async () => {
  const ctx = fx.app.gateway
  const b = fx.emulators['blue-b']
  assert.ok(b !== undefined)
  const query = await startLongQuery(b.url)
  await until(fx.app, (r) => blue(r).statuses.get('blue-b')?.load?.runningQueries === 1, 'the gateway sees the query running on blue-b')

  const slow = switchover(ctx, 'blue', 'blue-a', { timeoutMs: 400 })
  await assert.rejects(switchover(ctx, 'blue', 'blue-a', { immediate: true }), { code: 'PHG_ERR_SWITCHOVER_IN_PROGRESS' })
  await assert.rejects(slow, { code: 'PHG_ERR_SWITCHOVER_TIMEOUT', statusCode: 504, message: /blue-b.*1 running/ })
  assert.equal(ctx.registry.switchingTo('blue'), undefined, 'a failed switchover releases the hold')
  assert.equal(blue(ctx.registry).primary, 'blue-b')

  const result = await switchover(ctx, 'blue', 'blue-a', { immediate: true })
  assert.deepEqual({ from: result.from, to: result.to, epoch: result.epoch, heldMs: result.heldMs }, { from: 'blue-b', to: 'blue-a', epoch: 3, heldMs: 0 })
  assert.equal(blue(ctx.registry).primary, 'blue-a')
  await query.finish()

  const metrics = await (await request(`${fx.url}/metrics`)).body.text()
  assert.match(metrics, /phg_switchovers_total\{cluster="blue",kind="graceful",result="done"\} 1/)
  assert.match(metrics, /phg_switchovers_total\{cluster="blue",kind="graceful",result="failed"\} 1/)
  assert.match(metrics, /phg_switchovers_total\{cluster="blue",kind="immediate",result="done"\} 1/)
  assert.match(metrics, /phg_primary_changes_total\{cluster="blue",reason="switchover"\} 1/)
})
