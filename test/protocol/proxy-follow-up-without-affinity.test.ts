// Regression test for a bug the chaos run found.
//
// A proxy-mode query's follow-up (its nextUri points at the gateway) reaches a replica that does
// not know the query — Redis was down or came back empty, and the load balancer picked the other
// replica. The replica finds the query by asking the coordinators, takes it for a redirect-mode
// query (QueryLocator.locate records mode 'redirect') and answers 307 to the coordinator. In proxy
// mode clients may not be able to reach coordinators at all, and the chaos run's JDBC-like client
// failed with "follow-up answered HTTP 307" (101 queries during a 10 s Redis outage).
//
// A statement URI (/v1/statement/queued|executing/...) only ever reaches the gateway in proxy mode
// (after a redirect or a handoff the client polls the coordinator itself), so such a request can
// be proxied whatever mode the locator guessed.
//
// Two gateways with separate in-memory stores stand for two replicas that lost their shared affinity.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startClusters, gatewayFor, until, allEligible } from '../helpers/gateway-fixture.js'

test('proxy mode: a follow-up reaching a replica without the query\'s affinity is proxied, not redirected', async () => {
  const { emulators, clusters } = await startClusters([{ name: 'blue' }])
  const one = await gatewayFor(clusters, { routing: { mode: 'proxy' } })
  const two = await gatewayFor(clusters, { routing: { mode: 'proxy' } })
  try {
    await until(one.app, allEligible, 'replica one ready')
    await until(two.app, allEligible, 'replica two ready')
    const post = await request(`${one.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'repro' } })
    const doc = await post.body.json() as { id: string, nextUri: string }
    assert.ok(doc.nextUri.startsWith(one.url), 'proxy mode: the nextUri points at the gateway')
    // The load balancer sends the poll to the other replica.
    const viaTwo = doc.nextUri.replace(one.url, two.url)
    const res = await request(viaTwo, { method: 'GET', headers: { 'x-trino-user': 'repro' } })
    const body = await res.body.text()
    assert.equal(res.statusCode, 200, `answered ${res.statusCode} ${String(res.headers.location ?? '')}${body}`)
    const next = (JSON.parse(body) as { nextUri?: string }).nextUri
    if (next !== undefined) assert.ok(next.startsWith(two.url), `the next URI stays on the gateway: ${next}`)
  } finally {
    await one.close()
    await two.close()
    await Promise.all(Object.values(emulators).map(async (e) => { await e.close() }))
  }
})
