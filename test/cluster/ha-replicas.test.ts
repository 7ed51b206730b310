// Coordinator HA as one system: one real Redis, three gateway PROCESSES (each reaching the
// coordinators from its own source address), two emulated coordinators, emulated workers that
// announce through the gateways' discovery ports. Waits are event-driven or bounded polls.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { startRedis, type RedisServer } from '../helpers/redis-server.js'
import { startGatewayProcess, metricValue, type GatewayProcess, type LogLine } from '../helpers/gateway-process.js'
import { startEmulator, startWorkerAnnouncer, type EmulatorHandle, type WorkerAnnouncer } from '../../src/emulator/index.js'

const PREFIX = 'phgha:'
const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const

let redis: RedisServer
let raw: Redis
let a: EmulatorHandle
let b: EmulatorHandle
let gws: GatewayProcess[] = []
const workers: WorkerAnnouncer[] = []

function gatewayConfig (localAddress: string): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 0 },
    store: { redis: { url: redis.url, keyPrefix: PREFIX } },
    upstream: { localAddress, timeouts: { connectMs: 300 } },
    // A killed coordinator refuses at once, so detection takes `fall` intervals whatever the
    // timeout; a generous timeout keeps a loaded 2-core machine from failing healthy checks.
    health: { intervalMs: 200, timeoutMs: 750, rise: 2, fall: 2 },
    routing: { mode: 'redirect' },
    clusters: [{
      name: 'blue',
      minWorkers: 1,
      failback: 'sticky',
      discovery: { port: 0 },
      coordinators: [{ name: 'blue-a', url: a.url }, { name: 'blue-b', url: b.url }]
    }]
  }
}

/** Polls `fn` until it returns a value other than undefined; bounded. */
async function eventually<T> (fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000, stepMs = 40): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}${last === undefined ? '' : ` (last error: ${String(last)})`}`)
    await new Promise((resolve) => setTimeout(resolve, stepMs))
  }
}

interface View { primary: string | undefined, epoch: number | undefined }

async function agreed (): Promise<View> {
  const [primary, epoch] = await raw.hmget(`${PREFIX}ha:primary:blue`, 'coordinator', 'epoch')
  return { primary: primary ?? undefined, epoch: epoch === null ? undefined : Number(epoch) }
}

/** What a replica holds, from its /metrics. */
async function viewOf (gw: GatewayProcess): Promise<View> {
  const text = (await gw.get('/metrics')).body
  const primary = ['blue-a', 'blue-b'].find((c) => metricValue(text, 'phg_cluster_primary', { cluster: 'blue', coordinator: c }) === 1)
  return { primary, epoch: metricValue(text, 'phg_cluster_epoch', { cluster: 'blue' }) }
}

async function allViews (): Promise<View[]> {
  return await Promise.all(gws.map(viewOf))
}

async function expectEverywhere (primary: string, epoch: number): Promise<void> {
  await eventually(async () => {
    const r = await agreed()
    return r.primary === primary && r.epoch === epoch ? r : undefined
  }, `Redis holds ${primary} at epoch ${epoch}`)
  await eventually(async () => {
    const views = await allViews()
    return views.every((v) => v.primary === primary && v.epoch === epoch) ? views : undefined
  }, `every replica reports ${primary} at epoch ${epoch}`)
}

const workerIds = (e: EmulatorHandle): string[] => e.announcements().filter((x) => x.isWorker).map((x) => x.nodeId).sort()
const isHealth = (coordinator: string, to: string) => (l: LogLine): boolean => l.msg === 'coordinator health changed' && l.coordinator === coordinator && l.to === to

before(async () => {
  redis = await startRedis()
  raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 50 })
  raw.on('error', () => { /* Redis is stopped on purpose in these tests */ })
  await raw.connect()
  // Workers come only from announcements: a coordinator's worker count says who got them.
  a = await startEmulator({ workers: 0 })
  b = await startEmulator({ workers: 0 })
  gws = await Promise.all(ADDRESSES.map(async (addr, i) => await startGatewayProcess(gatewayConfig(addr), { name: `replica${i + 1}` })))
})

after(async () => {
  await Promise.all(workers.map(async (w) => { await w.stop() }))
  await Promise.all(gws.map(async (g) => { await g.stop() }))
  await Promise.all([a?.close(), b?.close()])
  raw?.disconnect()
  await redis?.stop()
})

test('three replicas agree on the first primary; workers announcing through any replica reach only it', async () => {
  await expectEverywhere('blue-a', 1)
  for (const gw of gws) assert.ok(gw.discoveryPorts.get('blue'), `${gw.name} has a discovery listener`)
  const uri = (i: number): string => `http://127.0.0.1:${gws[i]?.discoveryPorts.get('blue') ?? 0}`
  workers.push(
    startWorkerAnnouncer({ discoveryUri: uri(0), nodeId: 'worker-1', environment: 'test', style: 'airlift', intervalMs: 300 }),
    startWorkerAnnouncer({ discoveryUri: uri(1), nodeId: 'worker-2', environment: 'test', style: 'airlift', intervalMs: 300 }),
    startWorkerAnnouncer({ discoveryUri: uri(2), nodeId: 'worker-3', environment: 'test', style: 'announce', intervalMs: 300, workerUri: 'http://127.0.0.1:9/worker-3' })
  )
  await eventually(() => workerIds(a).length === 3 ? true : undefined, 'blue-a lists the three workers')
  assert.deepEqual(workerIds(a), ['http://127.0.0.1:9/worker-3', 'worker-1', 'worker-2'])
  assert.deepEqual(workerIds(b), [], 'the standby lists no worker')
  assert.equal(b.requests.count('/v1/announce'), 0, 'the standby received no discovery request at all')
  // Through the discovery port, the service list is the primary's own.
  const services = await fetch(`${uri(1)}/v1/service/trino`).then(async (r) => await r.json()) as { services: Array<{ nodeId: string }> }
  assert.ok(services.services.some((s) => s.nodeId === 'worker-1'))
})

test('a replica cut off from the primary alone does not fail it over', async () => {
  const cut = gws[2]
  assert.ok(cut !== undefined)
  const since = cut.logs.length
  await a.faults.kill({ addresses: ['127.0.0.4'] })
  await cut.waitForLog(isHealth('blue-a', 'down'), 'replica3 sees blue-a down', 10_000, since)
  const refused = await cut.waitForLog((l) => l.event === 'election-refused' && l.cluster === 'blue', 'replica3 proposes blue-b and is refused', 10_000, since)
  assert.equal(refused.wanted, 'blue-b')
  assert.equal(refused.down, 1, 'one replica sees the primary down')
  assert.equal(refused.voters, 3, 'out of three live replicas')
  // It keeps asking at every check and keeps being refused.
  await eventually(async () => ((await cut.metric('phg_primary_proposals_total', { cluster: 'blue', result: 'refused' })) ?? 0) >= 5 ? true : undefined, 'five refusals')
  assert.deepEqual(await agreed(), { primary: 'blue-a', epoch: 1 })
  assert.deepEqual(await allViews(), gws.map(() => ({ primary: 'blue-a', epoch: 1 })))
  for (const gw of gws.slice(0, 2)) assert.equal(gw.logs.some((l, i) => i >= since && l.msg === 'coordinator health changed' && l.coordinator === 'blue-a'), false, `${gw.name} still reaches blue-a`)

  await a.faults.restore({ addresses: ['127.0.0.4'] })
  await cut.waitForLog(isHealth('blue-a', 'up'), 'replica3 sees blue-a again', 10_000, since)
})

test('killing the primary: every replica installs the same new primary and epoch; discovery and queries follow', async (t) => {
  const since = gws.map((g) => g.logs.length)
  const entry = gws[0]
  assert.ok(entry !== undefined)
  // A client that keeps submitting queries to replica 1, as clients retry.
  let firstRoutedToB: number | undefined
  const failedMessages = new Set<string>()
  const done = new AbortController()
  const client = (async () => {
    while (!done.signal.aborted && firstRoutedToB === undefined) {
      const res = await fetch(`${entry.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'ha-test' }, redirect: 'manual' }).catch(() => undefined)
      if (res?.status === 307 && res.headers.get('location')?.startsWith(b.url) === true) {
        firstRoutedToB = Date.now()
      } else if (res?.status === 200) {
        const doc = await res.json() as { nextUri?: string }
        if (doc.nextUri !== undefined) {
          const failed = await fetch(doc.nextUri).then(async (r) => await r.json()).catch(() => undefined) as { error?: { message?: string } } | undefined
          if (failed?.error?.message !== undefined) failedMessages.add(failed.error.message)
        }
      } else {
        await res?.body?.cancel()
      }
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
  })()

  const killedAt = Date.now()
  await a.faults.kill()
  const elections = await Promise.all(gws.map(async (gw, i) => await gw.waitForLog((l) => l.event === 'election' && l.to === 'blue-b', `${gw.name} installs blue-b`, 10_000, since[i])))
  const electedAt = Math.max(...elections.map((l) => l.time))
  for (const e of elections) {
    assert.equal(e.from, 'blue-a')
    assert.equal(e.epoch, 2, 'the same epoch on every replica')
  }
  await expectEverywhere('blue-b', 2)
  // A replica may learn the election before its own checks found blue-a down; all of them do.
  await Promise.all(gws.map(async (gw, i) => await gw.waitForLog(isHealth('blue-a', 'down'), `${gw.name} sees blue-a down`, 10_000, since[i])))
  const won = gws.flatMap((g, i) => g.logs.filter((l, j) => j >= (since[i] ?? 0) && l.event === 'election-won'))
  assert.equal(won.length, 1, 'exactly one replica won the election')

  // The next announcement of every worker, whichever replica it goes through, reaches the new primary.
  for (const w of workers) assert.ok((await w.announceNow()) < 300)
  assert.deepEqual(workerIds(b), ['http://127.0.0.1:9/worker-3', 'worker-1', 'worker-2'])

  await eventually(() => firstRoutedToB, 'a query is redirected to blue-b', 10_000)
  done.abort()
  await client
  const routed = await entry.waitForLog((l) => l.msg === 'first query routed to the new primary', 'replica1 logs the failover time', 5000, since[0])
  const detection = elections.map((l) => Number(l.detectionMs))
  t.diagnostic(`kill → election on all replicas: ${electedAt - killedAt} ms; detection (first failed check → election) per replica: ${detection.join(', ')} ms`)
  t.diagnostic(`election → first routed query: ${(firstRoutedToB ?? 0) - electedAt} ms; first failed check → first routed (phg_failover_seconds): ${String(routed.failoverMs)} ms`)
  t.diagnostic(`FAILED messages clients saw meanwhile: ${[...failedMessages].join(' | ')}`)
  assert.ok(typeof routed.failoverMs === 'number')
  assert.ok(((await entry.metric('phg_failover_seconds_count', { cluster: 'blue' })) ?? 0) >= 1)
  assert.ok(((await entry.metric('phg_failover_detection_seconds_count', { cluster: 'blue' })) ?? 0) >= 1)
})

test('the killed primary comes back: it stays a standby (sticky) and receives no announcement', async () => {
  const since = gws.map((g) => g.logs.length)
  const before = a.requests.count('/v1/announce')
  await a.faults.restore()
  await Promise.all(gws.map(async (gw, i) => await gw.waitForLog(isHealth('blue-a', 'up'), `${gw.name} sees blue-a up again`, 10_000, since[i])))
  for (const w of workers) assert.ok((await w.announceNow()) < 300)
  assert.equal(a.requests.count('/v1/announce'), before, 'the old primary got no discovery request')
  assert.equal(workerIds(b).length, 3)
  await expectEverywhere('blue-b', 2)
})

test('Redis restarted empty: the replicas republish the primary and its epoch; epochs never go down', async () => {
  const since = gws.map((g) => g.logs.length)
  await redis.restart({ empty: true })
  const lowest = new Map<string, number>()
  await eventually(async () => {
    for (const [i, v] of (await allViews()).entries()) {
      assert.equal(v.primary, 'blue-b', 'replicas keep the agreed primary while Redis is gone')
      lowest.set(`replica${i + 1}`, Math.min(lowest.get(`replica${i + 1}`) ?? Infinity, v.epoch ?? 0))
    }
    const r = await agreed()
    return r.primary === 'blue-b' && r.epoch === 2 ? r : undefined
  }, 'Redis holds blue-b at epoch 2 again')
  for (const [name, epoch] of lowest) assert.equal(epoch, 2, `${name}'s epoch never went down`)
  const republished = await Promise.any(gws.map(async (g, i) => await g.waitForLog((l) => l.event === 'primary-republished', 'republication', 5000, since[i])))
  assert.equal(republished.epoch, 2)

  // Agreement goes on from there: the next failover is epoch 3, on every replica.
  await b.faults.kill()
  await expectEverywhere('blue-a', 3)
  await b.faults.restore()
})
