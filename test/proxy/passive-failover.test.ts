import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'

interface StreamResult { started: number, failedAtPost: number, failedLater: number, completed: number, errors: string[] }

/** One client loop: POST a query through the gateway, then poll it to the end (following 307s like JDBC). */
async function clientLoop (url: string, stop: () => boolean, out: StreamResult): Promise<void> {
  while (!stop()) {
    out.started++
    let first: { status: number, doc?: { id: string, nextUri?: string, error?: { message: string, errorName: string } } }
    try {
      let target = `${url}/v1/statement`
      let res = await request(target, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'stream' } })
      if (res.statusCode === 307) {
        await res.body.dump()
        target = String(res.headers.location)
        res = await request(target, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'stream' } })
      }
      first = { status: res.statusCode, doc: res.statusCode === 200 ? await res.body.json() as NonNullable<typeof first['doc']> : (await res.body.dump(), undefined) }
    } catch (err) {
      out.failedAtPost++
      out.errors.push(`POST: ${(err as Error).message}`)
      continue
    }
    if (first.status !== 200 || first.doc === undefined) {
      out.failedAtPost++
      out.errors.push(`POST answered ${first.status}`)
      continue
    }
    let next = first.doc.nextUri
    let failed = false
    try {
      for (let i = 0; next !== undefined && i < 1000; i++) {
        const res = await request(next, { headers: { 'x-trino-user': 'stream' } })
        if (res.statusCode === 503) { await res.body.dump(); continue }
        const doc = await res.body.json() as { nextUri?: string, error?: { message: string, errorName: string } }
        if (doc.error !== undefined) {
          failed = true
          // A gateway-made FAILED answer to the POST's own nextUri means the query never got placed.
          if (doc.error.errorName === 'NO_ELIGIBLE_CLUSTER') out.failedAtPost++
          else out.failedLater++
          out.errors.push(doc.error.message)
          break
        }
        next = doc.nextUri
      }
    } catch (err) {
      failed = true
      out.failedLater++
      out.errors.push(`poll: ${(err as Error).message}`)
    }
    if (!failed) out.completed++
  }
}

for (const mode of ['handoff', 'proxy', 'redirect'] as const) {
  describe(`killing a primary under a stream of new queries (${mode})`, () => {
    let fx: Fixture
    before(async () => {
      // Slow health checks on purpose: the forward path must notice the dead primary long before they do.
      fx = await startGateway([{ name: 'blue' }, { name: 'green' }], { routing: { mode }, health: { intervalMs: 400, timeoutMs: 300 } })
      await until(fx.app, allEligible, 'both clusters eligible')
    })
    after(async () => { await fx.close() })

    test(mode === 'redirect' ? 'counts the queries lost in the gap' : 'no query fails at its first POST', async () => {
      const result: StreamResult = { started: 0, failedAtPost: 0, failedLater: 0, completed: 0, errors: [] }
      let stopping = false
      const loops = Array.from({ length: 4 }, async () => await clientLoop(fx.url, () => stopping, result))
      // Let the stream reach both clusters, then kill blue's primary.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => { if (result.completed >= 20) { clearInterval(check); resolve() } }, 5)
      })
      await fx.emulators['blue-a']?.faults.kill()
      const killedAt = result.started
      await until(fx.app, (r) => r.get('blue')?.primary === 'blue-b' && r.eligibility(r.get('blue')!).ok, 'blue failed over', 15_000)
      const electedAt = result.started
      await new Promise<void>((resolve) => {
        const check = setInterval(() => { if (result.started >= electedAt + 20) { clearInterval(check); resolve() } }, 5)
      })
      stopping = true
      await Promise.all(loops)
      const metrics = await (await request(`${fx.url}/metrics`)).body.text()
      const retries = metrics.match(/phg_retries_total\{from_cluster="blue"\} (\d+)/)?.[1] ?? '0'
      // Failed forwards to the dead primary (first POSTs or, in proxy mode, follow-up polls): each one
      // takes blue out of this replica's choice at once, so a poll can spare every POST a retry.
      const forwardFailures = [...metrics.matchAll(/phg_upstream_errors_total\{cluster="blue",coordinator="blue-a",[^}]*\} (\d+)/g)]
        .reduce((sum, m) => sum + Number(m[1]), 0)
      process.stdout.write(`# ${mode}: started ${result.started}, completed ${result.completed}, failed at first POST ${result.failedAtPost}, failed later ${result.failedLater}, retried ${retries}, failed forwards ${forwardFailures}, queries during detection ${electedAt - killedAt}\n`)
      if (mode === 'redirect') {
        assert.ok(result.completed > 0)
      } else {
        assert.equal(result.failedAtPost, 0, result.errors.join('\n'))
        assert.ok(Number(retries) > 0 || forwardFailures > 0 || electedAt === killedAt, 'the forward path noticed the dead primary before the health checks did')
      }
      assert.ok(fx.emulators['blue-b']!.requests.count('/v1/statement') > 0, 'the promoted standby took queries')
    })
  })
}
