// Injected faults, for everyone and per client address (gateway replicas run from 127.0.0.2/3/4).
// Every request here opens its own connection, so no pooled socket blurs what a fault did.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { Agent } from 'undici'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { eventually, http } from './support.js'

interface Answer { status: number, text: string }

function call (url: string, opts: { method?: string, body?: string, localAddress?: string, timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: opts.method ?? 'GET',
      agent: false,
      localAddress: opts.localAddress,
      headers: { 'X-Trino-User': 'tester' },
      signal: opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs)
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

const refused = (e: NodeJS.ErrnoException): boolean => e.code === 'ECONNREFUSED'
const cutOff = (e: NodeJS.ErrnoException): boolean => e.code === 'ECONNRESET' || e.message === 'socket hang up'
const timedOut = (e: Error): boolean => e.name === 'TimeoutError' || e.name === 'AbortError'

/** Starts a query whose executing GET waits on the coordinator, and resolves once that GET has arrived. */
async function requestInFlight (emulator: EmulatorHandle): Promise<{ answer: Promise<Answer> }> {
  const posted = JSON.parse((await call(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1 /* delayMs=700 */' })).text)
  const executing = JSON.parse((await call(posted.nextUri)).text).nextUri as string
  const before = emulator.requests.count('/v1/statement/executing')
  const pending = call(executing)
  pending.catch(() => {})
  await eventually(() => emulator.requests.count('/v1/statement/executing') > before, 3000, 'the GET to arrive')
  return { answer: pending }
}

describe('faults for every client', () => {
  let emulator: EmulatorHandle
  before(async () => { emulator = await startEmulator() })
  after(async () => { await emulator.close() })

  test('refuse() closes the listener; restore() listens again on the same port', async () => {
    const port = emulator.port
    await emulator.faults.refuse()
    assert.equal(emulator.faults.state().listening, false)
    const counted = emulator.requests.count()
    await assert.rejects(call(`${emulator.url}/v1/info`), refused)
    assert.equal(emulator.requests.count(), counted, 'a refused connection is no request')
    await emulator.faults.restore()
    assert.equal(emulator.port, port)
    assert.equal((await call(`http://127.0.0.1:${port}/v1/info`)).status, 200)
  })

  test('refuse() lets a request already in flight finish; kill() cuts it', async () => {
    const graceful = await requestInFlight(emulator)
    await emulator.faults.refuse()
    assert.equal((await graceful.answer).status, 200)
    await emulator.faults.restore()

    const crashed = await requestInFlight(emulator)
    await emulator.faults.kill()
    await assert.rejects(crashed.answer, cutOff)
    await assert.rejects(call(`${emulator.url}/v1/info`), refused)
    await emulator.faults.restore()
    assert.equal((await call(`${emulator.url}/v1/info`)).status, 200)
  })

  test('hang() accepts requests and never answers them', async () => {
    emulator.faults.hang()
    const before = emulator.requests.count('/v1/info')
    await assert.rejects(call(`${emulator.url}/v1/info`, { timeoutMs: 300 }), timedOut)
    assert.equal(emulator.requests.count('/v1/info'), before + 1, 'the request did arrive')
    await emulator.faults.clear()
    assert.equal((await call(`${emulator.url}/v1/info`)).status, 200)
  })

  test('slow(ms) delays every response by at least ms', async () => {
    emulator.faults.slow(400)
    const started = Date.now()
    assert.equal((await call(`${emulator.url}/v1/info`)).status, 200)
    assert.ok(Date.now() - started >= 400)
    await emulator.faults.clear()
  })

  test('fail(status, { paths }) answers the status on those path prefixes only', async () => {
    emulator.faults.fail(503, { paths: ['/v1/statement'] })
    const post = await call(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1' })
    assert.equal(post.status, 503)
    assert.equal(post.text, 'Service Unavailable')
    assert.equal((await call(`${emulator.url}/v1/info`)).status, 200)
    await emulator.faults.clear()
    assert.equal((await call(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1' })).status, 200)
  })

  test('close() frees the port and everything else', async () => {
    const short = await startEmulator({ controlPort: 0 })
    const pending = (await requestInFlight(short)).answer
    short.faults.hang()
    const hung = call(`${short.url}/v1/info`)
    hung.catch(() => {})
    await eventually(() => short.requests.count('/v1/info') === 1, 3000, 'the hung request to arrive')
    await short.close()
    await assert.rejects(hung)
    await assert.rejects(pending)
    const server = createServer()
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(short.port, '127.0.0.1', resolve))
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})

describe('faults scoped to client addresses', () => {
  let emulator: EmulatorHandle
  const A = '127.0.0.2'
  const B = '127.0.0.3'
  before(async () => { emulator = await startEmulator() })
  after(async () => { await emulator.close() })

  test('kill({ addresses }) cuts and refuses only that replica', async () => {
    await emulator.faults.kill({ addresses: [A] })
    await assert.rejects(call(`${emulator.url}/v1/info`, { localAddress: A }), cutOff)
    assert.equal((await call(`${emulator.url}/v1/info`, { localAddress: B })).status, 200)
    await emulator.faults.restore({ addresses: [A] })
    assert.equal((await call(`${emulator.url}/v1/info`, { localAddress: A })).status, 200)
  })

  test('refuse({ addresses }) also drops that address\'s pooled keep-alive connections', async () => {
    // undici 7 takes localAddress at the top level; inside `connect` it is silently overwritten.
    const agent = new Agent({ localAddress: A })
    try {
      assert.equal((await http(`${emulator.url}/v1/info`, { dispatcher: agent })).status, 200)
      await emulator.faults.refuse({ addresses: [A] })
      await assert.rejects(http(`${emulator.url}/v1/info`, { dispatcher: agent }))
      assert.equal((await call(`${emulator.url}/v1/info`, { localAddress: B })).status, 200)
      await emulator.faults.restore({ addresses: [A] })
      assert.equal((await http(`${emulator.url}/v1/info`, { dispatcher: agent })).status, 200)
    } finally {
      await agent.close()
    }
  })

  test('hang, slow and fail can each target one address', async () => {
    emulator.faults.hang({ addresses: [B] })
    emulator.faults.fail(502, { addresses: [A], paths: ['/v1/status'] })
    await assert.rejects(call(`${emulator.url}/v1/info`, { localAddress: B, timeoutMs: 300 }), timedOut)
    assert.equal((await call(`${emulator.url}/v1/info`, { localAddress: A })).status, 200)
    assert.equal((await call(`${emulator.url}/v1/status`, { localAddress: A })).status, 502)
    assert.equal((await call(`${emulator.url}/v1/status`)).status, 200)
    await emulator.faults.clear()

    emulator.faults.slow(1500, { addresses: [A] })
    const slowOne = call(`${emulator.url}/v1/info`, { localAddress: A }).then(() => 'slow')
    const fastOne = call(`${emulator.url}/v1/info`, { localAddress: B }).then(() => 'fast')
    assert.equal(await Promise.race([slowOne, fastOne]), 'fast')
    assert.equal(await slowOne, 'slow')
    await emulator.faults.clear()
  })
})

describe('control server (CLI)', () => {
  let emulator: EmulatorHandle
  before(async () => { emulator = await startEmulator({ controlPort: 0 }) })
  after(async () => { await emulator.close() })

  const control = async (action: string, body: unknown = {}): Promise<Answer> => {
    const res = await http(`${emulator.controlUrl ?? ''}/faults/${action}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    return { status: res.status, text: res.text }
  }

  test('faults can be injected and undone over HTTP, even a refused listener', async () => {
    assert.match(emulator.controlUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal((await control('refuse')).status, 200)
    await assert.rejects(call(`${emulator.url}/v1/info`), refused)
    assert.equal((await control('restore')).status, 200)
    assert.equal((await call(`${emulator.url}/v1/info`)).status, 200)
    assert.equal((await control('fail', { status: 503, paths: ['/v1/info'], addresses: ['127.0.0.2'] })).status, 200)
    assert.equal((await call(`${emulator.url}/v1/info`, { localAddress: '127.0.0.2' })).status, 503)
    assert.equal((await control('starting', { value: true })).status, 200)
    assert.equal(JSON.parse((await call(`${emulator.url}/v1/info`)).text).starting, true)
    const state = (await http(`${emulator.controlUrl ?? ''}/state`)).json
    assert.equal(state.url, emulator.url)
    assert.deepEqual(state.faults.fails, [{ status: 503, paths: ['/v1/info'], addresses: ['127.0.0.2'] }])
    assert.equal((await control('clear')).status, 200)
    assert.equal((await call(`${emulator.url}/v1/info`, { localAddress: '127.0.0.2' })).status, 200)
    assert.equal((await control('slow', { ms: -1 })).status, 400)
    assert.equal((await control('explode')).status, 400)
  })
})
