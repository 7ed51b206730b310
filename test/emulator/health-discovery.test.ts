// What a gateway's health checks and load balancing read: /v1/info, /v1/status, the UI login and
// stats, and worker discovery feeding activeWorkers.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, startWorkerAnnouncer, type EmulatorHandle } from '../../src/emulator/index.js'
import { eventually, http } from './support.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

async function login (url: string, username: string, password = ''): Promise<{ status: number, location: string | undefined, cookie: string | undefined }> {
  const res = await http(`${url}/ui/login`, { method: 'POST', headers: FORM, body: new URLSearchParams({ username, password, redirectPath: '/ui/api/stats' }).toString() })
  const setCookie = res.headers['set-cookie']
  const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(';')[0]
  return { status: res.status, location: res.headers.location as string | undefined, cookie }
}

async function uiStats (url: string, cookie: string): Promise<any> {
  const res = await http(`${url}/ui/api/stats`, { headers: { cookie } })
  assert.equal(res.status, 200, res.text)
  return res.json
}

describe('health endpoints', () => {
  let emulator: EmulatorHandle
  before(async () => { emulator = await startEmulator({ environment: 'prod', version: '470', nodeId: 'coord-1' }) })
  after(async () => { await emulator.close() })

  test('/v1/info reports version, environment, coordinator and the starting flag', async () => {
    const info = (await http(`${emulator.url}/v1/info`)).json
    assert.deepEqual({ ...info, uptime: undefined }, { nodeVersion: { version: '470' }, environment: 'prod', coordinator: true, starting: false, uptime: undefined })
    assert.match(info.uptime, /^\d+\.\d{2}(ms|s|m|h|d)$/)
    emulator.setStarting(true)
    assert.equal((await http(`${emulator.url}/v1/info`)).json.starting, true)
    emulator.setStarting(false)
    assert.equal((await http(`${emulator.url}/v1/info/coordinator`)).status, 200)
  })

  test('/v1/info/state is a JSON string that follows setState and PUT', async () => {
    const state = await http(`${emulator.url}/v1/info/state`)
    assert.equal(state.text, '"ACTIVE"')
    emulator.setState('SHUTTING_DOWN')
    assert.equal((await http(`${emulator.url}/v1/info/state`)).json, 'SHUTTING_DOWN')
    assert.equal((await http(`${emulator.url}/v1/info/state`, { method: 'PUT', body: '"ACTIVE"', headers: { 'content-type': 'application/json' } })).status, 200)
    assert.equal((await http(`${emulator.url}/v1/info/state`)).json, 'ACTIVE')
  })

  test('GET and HEAD /v1/status carry every NodeStatus field', async () => {
    const status = (await http(`${emulator.url}/v1/status`)).json
    for (const field of ['nodeId', 'nodeVersion', 'environment', 'coordinator', 'uptime', 'externalAddress', 'internalAddress', 'memoryInfo', 'processors', 'processCpuLoad', 'systemCpuLoad', 'heapUsed', 'heapAvailable', 'nonHeapUsed']) {
      assert.ok(field in status, field)
    }
    assert.equal(status.nodeId, 'coord-1')
    const head = await http(`${emulator.url}/v1/status`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.text, '')
  })
})

describe('web UI login and /ui/api/stats', () => {
  let emulator: EmulatorHandle
  before(async () => { emulator = await startEmulator({ workers: 3 }) })
  after(async () => { await emulator.close() })

  test('without a session cookie /ui/api/stats answers 401 with the form-login challenge', async () => {
    const res = await http(`${emulator.url}/ui/api/stats`)
    assert.equal(res.status, 401)
    assert.equal(res.headers['www-authenticate'], 'Trino-Form-Login')
  })

  test('login sets the cookie and redirects; stats count real queries; expired sessions need a new login', async () => {
    const session = await login(emulator.url, 'monitor')
    assert.equal(session.status, 303)
    assert.equal(session.location, '/ui/api/stats')
    assert.match(session.cookie ?? '', /^Trino-UI-Token=.+/)
    const idle = await uiStats(emulator.url, session.cookie ?? '')
    assert.deepEqual(Object.keys(idle).sort(), ['activeCoordinators', 'activeWorkers', 'blockedQueries', 'queuedQueries', 'reservedMemory', 'runningDrivers', 'runningQueries', 'totalAvailableProcessors', 'totalCpuTimeSecs', 'totalInputBytes', 'totalInputRows'])
    assert.equal(idle.runningQueries, 0)
    assert.equal(idle.activeWorkers, 3)
    const posted = (await http(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1 /* delayMs=60000 */', headers: { 'X-Trino-User': 'u' } })).json
    assert.equal((await uiStats(emulator.url, session.cookie ?? '')).runningQueries, 0, 'a query nobody polled is not submitted yet')
    await http(posted.nextUri)
    assert.equal((await uiStats(emulator.url, session.cookie ?? '')).runningQueries, 1)
    await http(`${emulator.url}/v1/query/${posted.id as string}`, { method: 'DELETE', headers: { 'X-Trino-User': 'u' } })
    assert.equal((await uiStats(emulator.url, session.cookie ?? '')).runningQueries, 0)
    emulator.expireUiSessions()
    assert.equal((await http(`${emulator.url}/ui/api/stats`, { headers: { cookie: session.cookie ?? '' } })).status, 401)
  })

  test('with credentials configured, a wrong password is sent back to the login form without a cookie', async () => {
    const authed = await startEmulator({ auth: { user: 'monitor', password: 's3cret' } })
    try {
      const bad = await login(authed.url, 'monitor', 'nope')
      assert.equal(bad.status, 303)
      assert.equal(bad.location, '/ui/login.html')
      assert.equal(bad.cookie, undefined)
      const good = await login(authed.url, 'monitor', 's3cret')
      assert.equal((await uiStats(authed.url, good.cookie ?? '')).activeCoordinators, 1)
    } finally {
      await authed.close()
    }
  })

  test('/ui/query.html needs a session and then shows the query', async () => {
    const posted = (await http(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'X-Trino-User': 'u' } })).json
    const anonymous = await http(posted.infoUri)
    assert.equal(anonymous.status, 303)
    const session = await login(emulator.url, 'viewer')
    const page = await http(posted.infoUri, { headers: { cookie: session.cookie ?? '' } })
    assert.equal(page.status, 200)
    assert.match(page.text, new RegExp(posted.id))
  })
})

describe('discovery', () => {
  let emulator: EmulatorHandle
  let cookie: string
  before(async () => {
    emulator = await startEmulator({ environment: 'test', announcementMaxAgeMs: 300, workers: 1 })
    cookie = (await login(emulator.url, 'monitor')).cookie ?? ''
  })
  after(async () => { await emulator.close() })

  const workers = async (): Promise<number> => (await uiStats(emulator.url, cookie)).activeWorkers

  test('airlift announcements: 202, listed in /v1/service, counted as workers, refused for another environment', async () => {
    const body = (environment: string, coordinator: string): string => JSON.stringify({
      environment,
      pool: 'general',
      location: '/w1',
      services: [{ id: 'svc-1', type: 'trino', properties: { coordinator, http: 'http://10.0.0.5:8080', node_version: '470' } }]
    })
    assert.equal((await http(`${emulator.url}/v1/announcement/w1`, { method: 'PUT', body: body('prod', 'false'), headers: { 'content-type': 'application/json' } })).status, 400)
    assert.equal((await http(`${emulator.url}/v1/announcement/w1`, { method: 'PUT', body: body('test', 'false'), headers: { 'content-type': 'application/json' } })).status, 202)
    assert.equal((await http(`${emulator.url}/v1/announcement/c2`, { method: 'PUT', body: body('test', 'true'), headers: { 'content-type': 'application/json' } })).status, 202)
    assert.equal(await workers(), 2, 'one live worker plus one static; a coordinator does not count')
    const services = (await http(`${emulator.url}/v1/service/trino/general`)).json
    assert.equal(services.environment, 'test')
    assert.ok(services.services.some((s: any) => s.nodeId === 'w1' && s.properties.http === 'http://10.0.0.5:8080'))
    assert.ok(services.services.some((s: any) => s.properties.coordinator === 'true' && s.properties.http === emulator.url))
    assert.equal((await http(`${emulator.url}/v1/announcement/w1`, { method: 'DELETE' })).status, 204)
    assert.equal(await workers(), 1)
  })

  test('announce mode: POST /v1/announce registers a worker until it stops announcing', async () => {
    const announcer = startWorkerAnnouncer({ discoveryUri: emulator.url, nodeId: 'w-announce', environment: 'test', style: 'announce', intervalMs: 50 })
    try {
      assert.equal(await announcer.announceNow(), 204)
      assert.deepEqual((await http(`${emulator.url}/v1/announce`)).json, ['http://127.0.0.1:8081/w-announce'])
      assert.equal(await workers(), 2)
      const seen = announcer.last().count
      await eventually(() => announcer.last().count >= seen + 8, 5000, 'eight more announcements (longer than the max age)')
      assert.equal(await workers(), 2, 'still registered: it kept re-announcing')
    } finally {
      await announcer.stop()
    }
    await eventually(async () => await workers() === 1, 5000, 'the registration to expire')
    assert.deepEqual(emulator.announcements().filter((a) => a.style === 'announce'), [])
  })

  test('airlift-style worker announcer: registration expires after announcementMaxAgeMs without renewal', async () => {
    const announcer = startWorkerAnnouncer({ discoveryUri: emulator.url, nodeId: 'w-airlift', environment: 'test', style: 'airlift', intervalMs: 60_000 })
    assert.equal(await announcer.announceNow(), 202)
    assert.equal(await workers(), 2)
    const entry = emulator.announcements().find((a) => a.nodeId === 'w-airlift')
    assert.equal(entry?.style, 'airlift')
    assert.equal(entry?.isWorker, true)
    await announcer.stop()
    await eventually(async () => await workers() === 1, 5000, 'the registration to expire')
  })

  test('a gracefully stopping airlift worker unannounces at once', async () => {
    const announcer = startWorkerAnnouncer({ discoveryUri: emulator.url, nodeId: 'w-graceful', environment: 'test', style: 'airlift', intervalMs: 60_000 })
    assert.equal(await announcer.announceNow(), 202)
    await announcer.stop({ unannounce: true })
    assert.equal(emulator.announcements().length, 0)
  })
})
