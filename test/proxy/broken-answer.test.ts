// A coordinator that dies while its answer streams through proxy mode: the client's read ends
// with an error at once (no hang), and the gateway goes on serving.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'

let fx: Fixture

before(async () => {
  fx = await startGateway([{ name: 'blue', coordinators: 1 }], { routing: { mode: 'proxy' } })
  await until(fx.app, allEligible, 'blue eligible')
})
after(async () => { await fx.close() })

test('a coordinator killed mid-answer ends the client\'s read with an error', async () => {
  const headers = { 'x-trino-user': 'big' }
  const post = await request(`${fx.url}/v1/statement`, { method: 'POST', body: 'SELECT n, s FROM t /* rows=400000 pages=1 rowBytes=200 */', headers })
  let doc = await post.body.json() as { nextUri?: string }
  let res: Awaited<ReturnType<typeof request>> | undefined
  // Follow the queued URIs until an answer carries the data page (it is tens of MB).
  for (let i = 0; i < 100 && doc.nextUri !== undefined; i++) {
    const r = await request(doc.nextUri, { headers })
    if (doc.nextUri.includes('/executing/')) { res = r; break }
    doc = await r.body.json() as typeof doc
  }
  assert.ok(res !== undefined, 'reached the data page')
  assert.equal(res.statusCode, 200)
  const reading = (async () => {
    let bytes = 0
    let killed = false
    for await (const chunk of res.body) {
      bytes += (chunk as Buffer).length
      if (!killed) {
        killed = true
        await fx.emulators['blue-a']?.faults.kill()
      }
    }
    return bytes
  })()
  await assert.rejects(reading, 'the read fails instead of ending as if complete')
  const live = await request(`${fx.url}/livez`)
  assert.equal(live.statusCode, 200)
  await live.body.dump()
  await fx.emulators['blue-a']?.faults.restore()
  await until(fx.app, allEligible, 'blue eligible again')
})
