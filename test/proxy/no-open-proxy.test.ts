import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect, type Server } from 'node:net'
import { request } from 'undici'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'

/** Sends raw bytes and returns the status line's code (or 0 when the connection just closed). */
async function raw (url: string, text: string): Promise<number> {
  const u = new URL(url)
  return await new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(text))
    s.setTimeout(5000, () => s.destroy())
    let buf = ''
    s.on('data', (d) => { buf += d.toString('latin1') })
    s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? 0)))
    s.on('error', () => resolve(0))
  })
}

for (const mode of ['redirect', 'handoff', 'proxy'] as const) {
  describe(`no request can make the gateway reach an unconfigured host (${mode})`, () => {
    let fx: Fixture
    let canary: Server
    let canaryHost: string
    let canaryHits = 0
    before(async () => {
      canary = createServer((s) => { canaryHits++; s.destroy() })
      await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve))
      const addr = canary.address()
      canaryHost = typeof addr === 'object' && addr !== null ? `127.0.0.1:${addr.port}` : ''
      fx = await startGateway([{ name: 'blue' }], { routing: { mode } })
      await until(fx.app, allEligible, 'cluster eligible')
    })
    after(async () => {
      await fx.close()
      await new Promise((resolve) => canary.close(resolve))
    })

    test('absolute URLs, Host games, forwarded headers and traversal all fail with 4xx or reach only the configured coordinator', async () => {
      const id = '20260101_000000_00001_abcde'
      const codes: Record<string, number> = {}
      codes['absolute-form target'] = await raw(fx.url, `GET http://${canaryHost}/v1/info HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n`)
      codes['absolute-form statement'] = await raw(fx.url, `POST http://${canaryHost}/v1/statement HTTP/1.1\r\nHost: gateway\r\nContent-Length: 8\r\nConnection: close\r\n\r\nSELECT 1`)
      codes['absolute-form with a path of two slashes'] = await raw(fx.url, `GET http://${canaryHost}//${canaryHost}/v1/info HTTP/1.1\r\nHost: ${canaryHost}\r\nConnection: close\r\n\r\n`)
      codes['CONNECT'] = await raw(fx.url, `CONNECT ${canaryHost} HTTP/1.1\r\nHost: ${canaryHost}\r\nConnection: close\r\n\r\n`)
      codes['double-slash path'] = await raw(fx.url, `GET //${canaryHost}/v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      codes['traversal'] = await raw(fx.url, `GET /v1/statement/executing/../../../${canaryHost}/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      codes['encoded traversal'] = await raw(fx.url, `GET /v1/query/%2e%2e%2f%2e%2e%2f${id} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      codes['unknown method'] = await raw(fx.url, 'PATCH /v1/statement HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
      for (const [name, code] of Object.entries(codes)) assert.ok(code >= 400 && code < 500, `${name}: ${code}`)
      // An absolute-form target naming the Host the client used (presto-client cancels this way) is
      // reduced to its path: served by the gateway, whatever host the line names.
      const own = await raw(fx.url, `GET http://${canaryHost}/v1/info HTTP/1.1\r\nHost: ${canaryHost}\r\nConnection: close\r\n\r\n`)
      assert.equal(own, 200)

      // Host and X-Forwarded-* pointing at the canary: the query still goes to the configured coordinator.
      const res = await request(`${fx.url}/v1/statement`, {
        method: 'POST',
        body: 'SELECT 1',
        headers: { host: canaryHost, 'x-forwarded-host': canaryHost, forwarded: `host=${canaryHost}`, 'x-trino-user': 'mallory' }
      })
      await res.body.dump()
      if (mode === 'redirect') assert.equal(res.headers.location, `${fx.emulators['blue-a']?.url}/v1/statement`)
      else assert.equal(res.statusCode, 200, 'forwarded to the configured coordinator (which rejects nothing here)')
      assert.equal(canaryHits, 0, 'the canary never saw a connection')
    })
  })
}
