import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startClusters, gatewayFor, until, allEligible } from '../helpers/gateway-fixture.js'
import { startRedis, type RedisServer } from '../helpers/redis-server.js'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import type { GatewayApp } from '../../src/app.js'

const ADMIN = 'admin-token-0123456789abcdef'

async function admin (url: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number, json: any }> {
  const res = await request(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  return { status: res.statusCode, json: await res.body.json() }
}

async function locationOf (url: string): Promise<string> {
  const res = await request(`${url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'tester' } })
  await res.body.dump()
  return String(res.headers.location)
}

async function metric (url: string, re: RegExp): Promise<number> {
  const text = await (await request(`${url}/metrics`)).body.text()
  return Number(re.exec(text)?.[1] ?? 0)
}

describe('drains and runtime clusters across two replicas sharing Redis', () => {
  let redis: RedisServer
  let emulators: Record<string, EmulatorHandle>
  let extra: EmulatorHandle[] = []
  const gws: Array<{ app: GatewayApp, url: string, close: () => Promise<void> }> = []
  before(async () => {
    redis = await startRedis()
    let clusters: Array<Record<string, unknown>>
    ;({ emulators, clusters } = await startClusters([{ name: 'blue' }, { name: 'green' }]))
    for (let i = 0; i < 2; i++) {
      const gw = await gatewayFor(clusters, { store: { redis: { url: redis.url } }, admin: { tokens: [{ name: 'ops', token: ADMIN, role: 'admin' }] } })
      gws.push(gw)
      await until(gw.app, allEligible, `replica ${i} ready`)
    }
  })
  after(async () => {
    for (const gw of gws) await gw.close()
    await Promise.all([...Object.values(emulators), ...extra].map(async (e) => await e.close()))
    await redis.stop()
  })

  test('a drain: the running query completes, new queries avoid the cluster on both replicas, draining → drained', async () => {
    const [one, two] = gws as [typeof gws[0], typeof gws[0]]
    const routedBefore = await metric(one.url, /phg_routed_queries_total\{cluster="green",group="adhoc",mode="redirect"\} (\d+)/)
    // A slow multi-page query on blue, started directly there (clients talk to coordinators in redirect mode).
    const blueA = emulators['blue-a']
    assert.ok(blueA)
    const post = await request(`${blueA.url}/v1/statement`, { method: 'POST', body: 'SELECT n FROM t /* rows=40 pages=8 delayMs=150 */', headers: { 'x-trino-user': 'long' } })
    let doc = await post.body.json() as { nextUri?: string, data?: unknown[][] }
    const first = await request(String(doc.nextUri), { headers: { 'x-trino-user': 'long' } })
    doc = await first.body.json() as typeof doc
    await until(one.app, (r) => (r.get('blue')?.primaryStatus()?.load?.runningQueries ?? 0) > 0, 'blue busy')

    const drained = await admin(two.url, 'POST', '/admin/clusters/blue/drain')
    assert.equal(drained.status, 200)
    assert.equal(drained.json.state, 'draining')
    await until(one.app, (r) => r.get('blue')?.adminState === 'draining', 'the other replica heard of the drain')
    for (const gw of gws) {
      for (let i = 0; i < 5; i++) assert.equal(await locationOf(gw.url), `${emulators['green-a']?.url}/v1/statement`)
    }

    // The query keeps running to the end.
    let rows = doc.data?.length ?? 0
    while (doc.nextUri !== undefined) {
      doc = await (await request(doc.nextUri, { headers: { 'x-trino-user': 'long' } })).body.json() as typeof doc
      rows += doc.data?.length ?? 0
    }
    assert.equal(rows, 40)
    for (const gw of gws) {
      await until(gw.app, (r) => {
        const rt = r.get('blue')
        const load = rt?.primaryStatus()?.load
        return load !== undefined && load.runningQueries === 0 && load.polledAt > (rt?.drainingSince ?? 0)
      }, 'each replica polled blue idle')
    }
    assert.equal((await admin(one.url, 'GET', '/admin/clusters/blue')).json.state, 'drained')
    assert.equal((await admin(two.url, 'GET', '/admin/clusters/blue')).json.state, 'drained')

    const routedAfter = await metric(one.url, /phg_routed_queries_total\{cluster="green",group="adhoc",mode="redirect"\} (\d+)/)
    assert.equal(routedAfter - routedBefore, 5, 'the metrics counted the routed queries')
    assert.equal(await metric(one.url, /phg_cluster_active\{cluster="blue"\} (\d+)/), 0)

    await admin(one.url, 'POST', '/admin/clusters/blue/activate')
    await until(two.app, (r) => r.get('blue')?.adminState === 'active', 'activation reached the other replica')
  })

  test('a cluster added through one replica receives queries on both', async () => {
    const [one, two] = gws as [typeof gws[0], typeof gws[0]]
    extra = [await startEmulator({ workers: 8 }), await startEmulator({ workers: 8 })]
    const doc = { name: 'red', weight: 100, coordinators: extra.map((e, i) => ({ name: `red-${i}`, url: e.url })) }
    const put = await admin(one.url, 'PUT', '/admin/clusters/red', doc)
    assert.equal(put.status, 200)
    assert.equal(put.json.source, 'runtime')
    for (const gw of gws) {
      await until(gw.app, (r) => r.get('red') !== undefined && r.eligibility(r.get('red')!).ok, 'red eligible')
      // weight 100 × 8 workers: each query sent there weighs 1/800, so red takes most of them
      const primary = gw.app.gateway.registry.get('red')?.primaryStatus()?.externalUrl
      let toRed = 0
      for (let i = 0; i < 20; i++) if (await locationOf(gw.url) === `${primary}/v1/statement`) toRed++
      assert.ok(toRed >= 10, `red got ${toRed} of 20`)
    }
    assert.equal((await admin(two.url, 'GET', '/admin/clusters/red')).json.fieldSources.weight, 'runtime')
  })
})
