import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer as createHttpsServer, type Server } from 'node:https'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:tls'
import { copyFileSync } from 'node:fs'
import { Agent, request } from 'undici'
import { makePki, read, type TestPki } from '../helpers/tls.js'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { gatewayFor, until, allEligible } from '../helpers/gateway-fixture.js'

/** An HTTPS front for an emulator: the coordinator as a TLS-enabled Trino would look. */
async function httpsFront (target: string, cert: { cert: string, key: string }): Promise<{ url: string, server: Server }> {
  const t = new URL(target)
  const server = createHttpsServer({ cert: read(cert.cert), key: read(cert.key) }, (req, res) => {
    const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => { res.destroy() })
    req.pipe(up)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  return { url: `https://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`, server }
}

function serialOf (port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerCertificate().serialNumber)
      s.end()
    })
    s.on('error', reject)
  })
}

describe('TLS', () => {
  let pki: TestPki
  let emu: EmulatorHandle
  let front: { url: string, server: Server }
  before(async () => {
    pki = makePki()
    emu = await startEmulator({ workers: 1 })
    front = await httpsFront(emu.url, pki.issue('coordinator'))
  })
  after(async () => {
    await new Promise((resolve) => front.server.close(resolve))
    await emu.close()
    pki.close()
  })

  test('the gateway serves HTTPS and reaches HTTPS coordinators with a configured CA', async () => {
    const served = pki.issue('gateway')
    const gw = await gatewayFor([{ name: 'blue', coordinators: [{ name: 'blue-a', url: front.url }] }], {
      server: { tls: { cert: served.cert, key: served.key } },
      upstream: { tls: { ca: pki.caCert } }
    })
    try {
      assert.ok(gw.url.startsWith('https://'))
      await until(gw.app, allEligible, 'HTTPS coordinator up')
      const dispatcher = new Agent({ connect: { ca: read(pki.caCert) } })
      const res = await request(`${gw.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 't' }, dispatcher })
      await res.body.dump()
      assert.equal(res.statusCode, 307)
      assert.equal(res.headers.location, `${front.url}/v1/statement`)
      await dispatcher.close()
    } finally {
      await gw.close()
    }
  })

  test('certificates are verified by default: an unknown CA means the coordinator is down', async () => {
    const gw = await gatewayFor([{ name: 'blue', coordinators: [{ name: 'blue-a', url: front.url }] }])
    try {
      await until(gw.app, (r) => r.get('blue')?.statuses.get('blue-a')?.health === 'down', 'untrusted coordinator down')
      assert.match(gw.app.gateway.registry.get('blue')?.statuses.get('blue-a')?.lastError ?? '', /certificate|self.signed|issuer/i)
    } finally {
      await gw.close()
    }
  })

  test('a rotated certificate is served without a restart', async () => {
    const first = pki.issue('rotating')
    const gw = await gatewayFor([{ name: 'blue', coordinators: [{ name: 'blue-a', url: emu.url }] }], { server: { tls: { cert: first.cert, key: first.key } } })
    try {
      const port = Number(new URL(gw.url).port)
      const ca = read(pki.caCert)
      const before = await serialOf(port, ca)
      const next = pki.issue('rotated')
      copyFileSync(next.key, first.key)
      copyFileSync(next.cert, first.cert)
      let after = before
      for (let i = 0; i < 100 && after === before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        after = await serialOf(port, ca)
      }
      assert.notEqual(after, before)
    } finally {
      await gw.close()
    }
  })
})
