import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { request } from 'undici'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'
import { runRaw } from '../helpers/raw-client.js'

async function raw (url: string, text: string | Buffer): Promise<{ status: number, head: string }> {
  const u = new URL(url)
  return await new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(text))
    s.setTimeout(10_000, () => s.destroy())
    let buf = ''
    s.on('data', (d) => { buf += d.toString('latin1') })
    s.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? 0), head: buf.split('\r\n\r\n')[0] ?? '' }))
    s.on('error', () => resolve({ status: 0, head: '' }))
  })
}

describe('hostile and broken clients', () => {
  let fx: Fixture
  before(async () => {
    fx = await startGateway([{ name: 'blue' }], {
      routing: { mode: 'proxy' },
      server: { limits: { bodyBytes: 64 * 1024, headerBytes: 16 * 1024 }, timeouts: { headersMs: 1000 } },
      upstream: { timeouts: { connectMs: 300, headersMs: 800, bodyIdleMs: 800 } }
    })
    await until(fx.app, allEligible, 'cluster eligible')
  })
  after(async () => { await fx.close() })

  test('a SQL body over the limit gets a clear 413', async () => {
    const res = await request(`${fx.url}/v1/statement`, { method: 'POST', body: `SELECT '${'x'.repeat(70 * 1024)}'`, headers: { 'x-trino-user': 't' } })
    const body = await res.body.json() as { message: string }
    assert.equal(res.statusCode, 413)
    assert.match(body.message, /too large/i)
  })

  test('headers over the limit get 431; prepared statements within it pass', async () => {
    const big = await raw(fx.url, `POST /v1/statement HTTP/1.1\r\nHost: x\r\nX-Trino-Prepared-Statement: p=${'a'.repeat(20 * 1024)}\r\nContent-Length: 8\r\nConnection: close\r\n\r\nSELECT 1`)
    assert.equal(big.status, 431)
    const run = await runRaw(fx.url, 'EXECUTE p', { 'x-trino-prepared-statement': `p=${encodeURIComponent('SELECT 7')}` })
    assert.equal(run.error, undefined)
    assert.deepEqual(run.rows, [[7]])
  })

  test('unknown methods on known paths get 405 with Allow', async () => {
    const res = await request(`${fx.url}/v1/statement`, { method: 'PATCH' })
    await res.body.dump()
    assert.equal(res.statusCode, 405)
    assert.equal(res.headers.allow, 'POST')
  })

  test('CR/LF in a header never reaches the answer or a coordinator', async () => {
    const r = await raw(fx.url, 'POST /v1/statement HTTP/1.1\r\nHost: x\r\nX-Trino-User: a\rSet-Cookie: evil=1\r\nContent-Length: 8\r\nConnection: close\r\n\r\nSELECT 1')
    assert.equal(r.status, 400)
    assert.ok(!/set-cookie: evil/i.test(r.head))
    const enc = await raw(fx.url, 'GET /v1/query/20260101_000000_00001_abcde%0d%0aSet-Cookie:%20evil=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.ok(enc.status >= 400 && enc.status < 500)
    assert.ok(!/set-cookie: evil/i.test(enc.head))
  })

  test('a client that sends headers too slowly is cut off', async () => {
    const u = new URL(fx.url)
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect(Number(u.port), u.hostname, () => s.write('GET /livez HTTP/1.1\r\nHost: x\r\n'))
      s.resume()
      s.on('close', () => resolve(true))
      s.on('error', () => resolve(true))
      setTimeout(() => { s.destroy(); resolve(false) }, 60_000).unref()
    })
    assert.ok(closed)
  })

  test('a hung coordinator never holds a client longer than the upstream limits, and is marked down', async () => {
    const post = await request(`${fx.url}/v1/statement`, { method: 'POST', body: 'SELECT 1 /* rows=3 pages=3 */', headers: { 'x-trino-user': 't' } })
    const doc = await post.body.json() as { nextUri: string }
    fx.emulators['blue-a']?.faults.hang()
    const started = Date.now()
    const res = await request(doc.nextUri, { headers: { 'x-trino-user': 't' } })
    const text = await res.body.text()
    const waited = Date.now() - started
    assert.ok(res.statusCode === 503 || /COORDINATOR_LOST/.test(text), `${res.statusCode} ${text}`)
    assert.ok(waited < 800 + 2000, `waited ${waited} ms`)
    await until(fx.app, (r) => r.get('blue')?.statuses.get('blue-a')?.health === 'down', 'hung coordinator marked down')
    await fx.emulators['blue-a']?.faults.clear()
  })
})
