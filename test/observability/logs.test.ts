import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { request } from 'undici'
import { startClusters, gatewayFor, until, allEligible } from '../helpers/gateway-fixture.js'
import { runRaw } from '../helpers/raw-client.js'
import type { EmulatorHandle } from '../../src/emulator/index.js'
import type { GatewayApp } from '../../src/app.js'

const PASSWORD = 'pw-Zq8rT2vN'
const TOKEN = 'tok-admin-Hy7Wq2Ne5Rt8'
const COOKIE = 'session=ck-Pa5Zm1Vb'
const EXTRA = 'extra-Xc4Gh6Jk'

let emulators: Record<string, EmulatorHandle>
let gw: { app: GatewayApp, url: string, close: () => Promise<void> }
let logged = ''

before(async () => {
  const auth = { user: 'alice', password: PASSWORD }
  let clusters: Array<Record<string, unknown>>
  ;({ emulators, clusters } = await startClusters([{ name: 'blue', emulator: { auth }, monitor: auth }]))
  const stream = new Writable({ write (chunk, _enc, cb) { logged += String(chunk); cb() } })
  gw = await gatewayFor(clusters, { routing: { mode: 'proxy' }, admin: { tokens: [{ name: 'ops', token: TOKEN, role: 'admin' }] } }, { logger: { level: 'debug', stream } })
})

after(async () => {
  await gw.close()
  await Promise.all(Object.values(emulators).map(async (e) => await e.close()))
})

test('log lines carry request ids and query fields, never credentials', async () => {
  await until(gw.app, allEligible, 'blue eligible')
  const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`
  await runRaw(gw.url, 'SELECT 1', { authorization: basic, cookie: COOKIE, 'x-trino-extra-credential': `k=${EXTRA}`, 'x-request-id': 'client-req-42' })
  const res = await request(`${gw.url}/admin/clusters/blue`, { headers: { authorization: `Bearer ${TOKEN}`, 'x-request-id': 'bad id with spaces' } })
  await res.body.dump()
  assert.match(String(res.headers['x-request-id']), /^[0-9a-f]{16}$/, 'an insane request id is replaced')
  await request(`${gw.url}/admin/clusters/blue/drain?force=true`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => { await r.body.dump() })

  for (const secret of [PASSWORD, TOKEN, 'ck-Pa5Zm1Vb', EXTRA, Buffer.from(`alice:${PASSWORD}`).toString('base64')]) {
    assert.ok(!logged.includes(secret), `a credential reached the log: ${secret}`)
  }
  const lines = logged.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  const routed = lines.find((l) => l.msg === 'query routed')
  assert.ok(routed !== undefined)
  assert.equal(routed.reqId, 'client-req-42')
  assert.equal(routed.cluster, 'blue')
  assert.equal(routed.mode, 'proxy')
  assert.match(String(routed.queryId), /^\d{8}_\d{6}_\d{5}_[a-z0-9]{5}$/)
  const audit = lines.find((l) => l.audit === true)
  assert.equal(audit?.by, 'ops')
  assert.equal(audit?.before, 'active')
  assert.equal(audit?.after, 'draining')
})
