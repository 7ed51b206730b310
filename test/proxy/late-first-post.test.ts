// Regression test for a bug the chaos run found.
//
// A primary that hangs (SIGSTOP, a long GC pause; here: the emulator's `slow` fault) while it
// holds a handoff/proxy first POST is replaced by its standby. When it wakes up it answers the
// POST, and the gateway hands that query to the client: a coordinator that was agreed down takes
// a new query after the new primary took over, i.e. two coordinators of one cluster take new
// queries. The gateway refuses the late answer (DELETEs the queued query: Trino dispatches only
// on the first GET of the queued URI) and places the query on the current primary.
//
// The "query routed" log line carries the epoch at which the primary was chosen.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, allEligible, primaryOf } from '../helpers/gateway-fixture.js'

for (const mode of ['handoff', 'proxy'] as const) {
  test(`${mode}: a first POST answered late by a replaced primary is not handed to the client`, async () => {
    const fx = await startGateway([{ name: 'blue' }], { routing: { mode }, health: { intervalMs: 100, timeoutMs: 200, rise: 2, fall: 2 } })
    try {
      await until(fx.app, allEligible, 'blue eligible')
      assert.equal(primaryOf(fx.app, 'blue'), 'blue-a')
      const a = fx.emulators['blue-a']
      assert.ok(a !== undefined)
      // blue-a answers everything 2.5 s late: its health checks time out, blue-b takes over.
      a.faults.slow(2500)
      const post = request(`${fx.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'repro' } })
      await until(fx.app, (r) => r.get('blue')?.primary === 'blue-b', 'blue-b becomes primary', 5000)
      const electedAt = Date.now()
      const res = await post
      const doc = await res.body.json() as { id: string }
      const answeredAt = Date.now()
      assert.ok(answeredAt > electedAt)
      assert.ok(!doc.id.endsWith(`_${a.queryIdSuffix}`),
        `query ${doc.id} was placed on blue-a ${answeredAt - electedAt} ms after blue-b had become primary (epoch ${String(fx.app.gateway.registry.get('blue')?.epoch)})`)
    } finally {
      await fx.close()
    }
  })
}
