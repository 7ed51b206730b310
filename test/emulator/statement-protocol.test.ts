// The statement protocol as a client sees it on the wire: documents, URIs, tokens, slugs, cancel,
// compression and the header rules Trino enforces.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import { request } from 'undici'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { eventually, http, runQuery } from './support.js'

const USER = { 'X-Trino-User': 'tester' }
const STATS_FIELDS = ['state', 'queued', 'scheduled', 'nodes', 'totalSplits', 'queuedSplits', 'runningSplits', 'completedSplits', 'cpuTimeMillis', 'wallTimeMillis', 'queuedTimeMillis', 'elapsedTimeMillis', 'processedRows', 'processedBytes', 'physicalInputBytes', 'peakMemoryBytes', 'spilledBytes']

async function post (url: string, sql: string, headers: Record<string, string> = USER): Promise<any> {
  const res = await http(`${url}/v1/statement`, { method: 'POST', body: sql, headers })
  assert.equal(res.status, 200, res.text)
  return res.json
}

describe('statement protocol (trino flavor)', () => {
  let emulator: EmulatorHandle
  before(async () => { emulator = await startEmulator({ workers: 2 }) })
  after(async () => { await emulator.close() })

  test('the POST answers QUEUED with a queued nextUri, a real query id and full stats', async () => {
    const res = await http(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: USER })
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-type'], 'application/json')
    const doc = res.json
    assert.match(doc.id, new RegExp(`^\\d{8}_\\d{6}_\\d{5}_${emulator.queryIdSuffix}$`))
    assert.match(emulator.queryIdSuffix, /^[a-km-np-z2-9]{5}$/)
    assert.equal(doc.nextUri, `${emulator.url}/v1/statement/queued/${doc.id as string}/${(doc.nextUri as string).split('/')[7] ?? ''}/1`)
    assert.match(doc.nextUri, /\/queued\/[^/]+\/y[0-9a-f]{40}\/1$/)
    assert.equal(doc.infoUri, `${emulator.url}/ui/query.html?${doc.id as string}`)
    assert.deepEqual(doc.warnings, [])
    assert.equal(doc.stats.state, 'QUEUED')
    assert.equal(doc.stats.queued, true)
    for (const field of STATS_FIELDS) assert.ok(field in doc.stats, `stats.${field}`)
    assert.equal(doc.columns, undefined)
    assert.equal(doc.data, undefined)
  })

  test('query ids count up within the day and carry the per-start suffix', async () => {
    const a = await post(emulator.url, 'SELECT 1')
    const b = await post(emulator.url, 'SELECT 1')
    const counter = (id: string): number => Number(id.split('_')[2])
    assert.equal(counter(b.id), counter(a.id) + 1)
    const other = await startEmulator()
    try {
      assert.notEqual(other.queryIdSuffix, emulator.queryIdSuffix)
    } finally {
      await other.close()
    }
  })

  test('an empty body is refused with 400', async () => {
    const res = await http(`${emulator.url}/v1/statement`, { method: 'POST', body: '', headers: USER })
    assert.equal(res.status, 400)
    assert.equal(res.text, 'SQL statement is empty')
  })

  test('literal SELECTs get Trino\'s column types and values', async () => {
    const run = await runQuery(emulator.url, "SELECT 1, 'ab', 2.50, true, null, 1e3 AS d, 3000000000")
    assert.deepEqual(run.rows, [[1, 'ab', '2.50', true, null, 1000, 3000000000]])
    assert.equal(run.final.stats.state, 'FINISHED')
    const columns = run.final.columns
    assert.deepEqual(columns.map((c: any) => [c.name, c.type]), [
      ['_col0', 'integer'], ['_col1', 'varchar(2)'], ['_col2', 'decimal(3,2)'], ['_col3', 'boolean'], ['_col4', 'unknown'], ['d', 'double'], ['_col6', 'bigint']
    ])
    assert.deepEqual(columns[1].typeSignature, { rawType: 'varchar', arguments: [{ kind: 'LONG', value: 2 }] })
  })

  test('URIs are built from the request\'s Host header', async () => {
    const res = await request(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { ...USER, host: 'coordinator.example:9999' } })
    const doc = await res.body.json() as any
    assert.ok(doc.nextUri.startsWith('http://coordinator.example:9999/v1/statement/queued/'), doc.nextUri)
    assert.ok(doc.infoUri.startsWith('http://coordinator.example:9999/ui/query.html?'))
  })

  test('the first GET of the queued URI dispatches the query; then RUNNING pages and FINISHED', async () => {
    const first = await post(emulator.url, 'SELECT * FROM t /* rows=6 pages=3 */')
    assert.equal(emulator.stats().runningQueries, 0)
    const queued = await http(first.nextUri)
    assert.equal(queued.json.stats.state, 'QUEUED')
    assert.match(queued.json.nextUri, /\/v1\/statement\/executing\/[^/]+\/y[0-9a-f]{40}\/0$/)
    assert.equal(emulator.stats().runningQueries, 1)
    const page = await http(queued.json.nextUri)
    assert.equal(page.json.stats.state, 'RUNNING')
    assert.equal(page.json.stats.nodes, 3)
    assert.deepEqual(page.json.data, [[0, 'r0xxxxxxxxxxxxxx'], [1, 'r1xxxxxxxxxxxxxx']])
    assert.match(page.json.partialCancelUri, /\/v1\/statement\/executing\/partialCancel\/[^/]+\/0\/y[0-9a-f]{40}\/0$/)
    assert.equal((await http(page.json.partialCancelUri, { method: 'DELETE' })).status, 204)
    let doc = page.json
    while (doc.nextUri !== undefined) doc = (await http(doc.nextUri)).json
    assert.equal(doc.stats.state, 'FINISHED')
    assert.equal(doc.stats.processedRows, 6)
    assert.equal(emulator.stats().runningQueries, 0)
  })

  test('token rules: the current token is served again, an older one is gone, bad slugs and ids are not found', async () => {
    const first = await post(emulator.url, 'SELECT * FROM t /* rows=4 pages=4 */')
    const queued = (await http(first.nextUri)).json
    const t0 = await http(queued.nextUri)
    const t1 = await http(t0.json.nextUri)
    const again = await http(t0.json.nextUri)
    assert.equal(again.status, 200)
    assert.deepEqual(again.json.data, t1.json.data)
    assert.equal(again.json.nextUri, t1.json.nextUri)
    const older = await http(queued.nextUri)
    assert.equal(older.status, 410)
    const badSlug = await http((t1.json.nextUri as string).replace(/\/y[0-9a-f]{40}\//, '/y' + '0'.repeat(40) + '/'))
    assert.equal(badSlug.status, 404)
    assert.equal(badSlug.text, 'Query not found')
    assert.equal(badSlug.headers['content-type'], 'text/plain')
    const unknown = await http((t1.json.nextUri as string).replace(first.id, '20200101_000000_00000_aaaaa'))
    assert.equal(unknown.status, 404)
    assert.equal(unknown.text, 'Query not found')
  })

  test('maxWait is honoured and capped at one second', async () => {
    const first = await post(emulator.url, 'SELECT 1 /* delayMs=3000 */')
    const queued = (await http(first.nextUri)).json
    const started = Date.now()
    const short = await http(`${queued.nextUri as string}?maxWait=100ms`)
    assert.ok(Date.now() - started >= 90)
    assert.equal(short.json.stats.state, 'RUNNING')
    assert.equal(short.json.data, undefined)
    // Asked to wait 10 s for a page 3 s away, it still answers without data: the wait is capped.
    const long = await http(`${short.json.nextUri as string}?maxWait=10s`)
    assert.equal(long.json.stats.state, 'RUNNING')
    assert.equal(long.json.data, undefined)
    await http(long.json.nextUri, { method: 'DELETE' })
  })

  test('DELETE on the executing URI cancels the query (204, then FAILED USER_CANCELED)', async () => {
    const first = await post(emulator.url, 'SELECT * FROM t /* rows=10 pages=10 delayMs=50 */')
    const queued = (await http(first.nextUri)).json
    const page = (await http(queued.nextUri)).json
    const del = await http(page.nextUri, { method: 'DELETE' })
    assert.equal(del.status, 204)
    const after = await http(page.nextUri)
    assert.equal(after.json.stats.state, 'FAILED')
    assert.equal(after.json.error.errorName, 'USER_CANCELED')
    assert.equal(after.json.nextUri, undefined)
    assert.equal(emulator.queries().find((q) => q.id === first.id)?.state, 'FAILED')
  })

  test('DELETE on the queued URI cancels before dispatch', async () => {
    const first = await post(emulator.url, 'SELECT 1')
    assert.equal((await http(first.nextUri, { method: 'DELETE' })).status, 204)
    const doc = (await http(first.nextUri)).json
    assert.equal(doc.stats.state, 'FAILED')
    assert.equal(doc.error.errorName, 'USER_CANCELED')
  })

  test('a failure found at dispatch is reported on the queued GET as a FAILED document', async () => {
    const first = await post(emulator.url, 'SELECT 1 FROM nowhere')
    const doc = (await http(first.nextUri)).json
    assert.equal(doc.stats.state, 'FAILED')
    assert.equal(doc.nextUri, undefined)
    assert.deepEqual(Object.keys(doc.error).sort(), ['errorCode', 'errorLocation', 'errorName', 'errorType', 'failureInfo', 'message'])
    assert.equal(doc.error.errorName, 'TABLE_NOT_FOUND')
    assert.deepEqual(doc.error.failureInfo.suppressed, [])
    assert.deepEqual(doc.error.failureInfo.stack, [])
  })

  test('results are gzip-compressed only when the client asks', async () => {
    const first = await post(emulator.url, 'SELECT * FROM t /* rows=200 */')
    const queued = await request(first.nextUri, { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(queued.headers['content-encoding'], 'gzip')
    const doc = JSON.parse(gunzipSync(Buffer.from(await queued.body.arrayBuffer())).toString('utf8'))
    const page = await request(doc.nextUri, { headers: { 'accept-encoding': 'gzip, deflate' } })
    assert.equal(page.headers['content-encoding'], 'gzip')
    const data = JSON.parse(gunzipSync(Buffer.from(await page.body.arrayBuffer())).toString('utf8')).data
    assert.equal(data.length, 200)
    const plain = await http(`${emulator.url}/v1/info`)
    assert.equal(plain.headers['content-encoding'], undefined)
    assert.equal(plain.json.coordinator, true)
  })

  test('a request mixing X-Trino-* and X-Presto-* headers is refused', async () => {
    const res = await http(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'X-Trino-User': 'a', 'X-Presto-Source': 'b' } })
    assert.equal(res.status, 400)
    assert.equal(res.text, 'Both Trino and Presto headers detected')
  })

  test('X-Presto-* headers alone mean nothing to the trino flavor: no user, 401', async () => {
    const res = await http(`${emulator.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'X-Presto-User': 'a' } })
    assert.equal(res.status, 401)
    assert.equal(res.text, 'Basic authentication or X-Trino-User must be sent')
  })

  test('any X-Forwarded-* header is refused with 406 by default', async () => {
    for (const path of ['/v1/statement', '/v1/info']) {
      const res = await http(`${emulator.url}${path}`, { method: path === '/v1/info' ? 'GET' : 'POST', body: path === '/v1/info' ? undefined : 'SELECT 1', headers: { ...USER, 'X-Forwarded-For': '10.0.0.1' } })
      assert.equal(res.status, 406)
      assert.match(res.text, /does not allow processing of the X-Forwarded-For header/)
    }
  })

  test('with acceptForwarded, X-Forwarded-Proto/Host/Prefix shape the URIs', async () => {
    const fwd = await startEmulator({ acceptForwarded: true })
    try {
      const res = await http(`${fwd.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { ...USER, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'gw.example.com', 'X-Forwarded-Prefix': '/trino' } })
      assert.equal(res.status, 200)
      assert.ok(res.json.nextUri.startsWith('https://gw.example.com/trino/v1/statement/queued/'), res.json.nextUri)
    } finally {
      await fwd.close()
    }
  })

  test('/v1/query lists queries, GET|HEAD /v1/query/{id} describes one, unknown ids are gone, DELETE cancels', async () => {
    const first = await post(emulator.url, 'SELECT 1 /* delayMs=5000 */', { 'X-Trino-User': 'lister', 'X-Trino-Source': 'suite' })
    await http(first.nextUri)
    assert.equal((await http(`${emulator.url}/v1/query`)).status, 401)
    const list = await http(`${emulator.url}/v1/query?state=running`, { headers: USER })
    assert.ok(list.json.some((q: any) => q.queryId === first.id && q.session.user === 'lister'))
    const info = await http(`${emulator.url}/v1/query/${first.id as string}`, { headers: USER })
    assert.equal(info.json.queryId, first.id)
    assert.equal(info.json.state, 'RUNNING')
    assert.equal(info.json.query, 'SELECT 1 /* delayMs=5000 */')
    assert.equal(info.json.session.source, 'suite')
    assert.equal(info.json.self, `${emulator.url}/v1/query/${first.id as string}`)
    assert.equal((await http(`${emulator.url}/v1/query/${first.id as string}`, { method: 'HEAD', headers: USER })).status, 200)
    assert.equal((await http(`${emulator.url}/v1/query/20200101_000000_00000_aaaaa`, { method: 'HEAD', headers: USER })).status, 410)
    assert.equal((await http(`${emulator.url}/v1/query/${first.id as string}`, { method: 'DELETE', headers: USER })).status, 204)
    const gone = await http(`${emulator.url}/v1/query/${first.id as string}`, { headers: USER })
    assert.equal(gone.json.state, 'FAILED')
    assert.equal(gone.json.errorCode.name, 'USER_CANCELED')
  })

  test('a queued query never polled is forgotten after queuedTimeoutMs', async () => {
    const short = await startEmulator({ queuedTimeoutMs: 150 })
    try {
      const first = await post(short.url, 'SELECT 1')
      assert.equal(short.queries().length, 1)
      await eventually(() => short.queries().length === 0, 3000, 'the query to be forgotten')
      const res = await http(first.nextUri)
      assert.equal(res.status, 404)
      assert.equal(res.text, 'Query not found')
    } finally {
      await short.close()
    }
  })

  test('a running query whose client stops polling is abandoned after the same timeout', async () => {
    const short = await startEmulator({ queuedTimeoutMs: 150 })
    try {
      const first = await post(short.url, 'SELECT 1 /* delayMs=60000 */')
      await http(first.nextUri)
      assert.equal(short.stats().runningQueries, 1)
      await eventually(() => short.stats().runningQueries === 0, 3000, 'the query to be abandoned')
      assert.equal(short.queries()[0]?.errorName, 'ABANDONED_QUERY')
    } finally {
      await short.close()
    }
  })

  test('a client waiting in a long poll longer than the timeout is not abandoned', async () => {
    const short = await startEmulator({ queuedTimeoutMs: 150 })
    try {
      const first = await post(short.url, 'SELECT 1 /* delayMs=600 */')
      const queued = (await http(first.nextUri)).json
      const waiting = http(queued.nextUri)
      await eventually(() => short.requests.count('/v1/statement/executing') === 1, 3000, 'the long poll to start')
      // stats() sweeps for abandoned queries while the poll is still open.
      await eventually(() => Date.now() - new Date(short.queries()[0]?.createdAt ?? 0).getTime() > 300, 3000, 'the timeout to pass')
      assert.equal(short.stats().runningQueries, 1)
      assert.deepEqual((await waiting).json.data, [[1]])
    } finally {
      await short.close()
    }
  })

  test('maxRunningQueries keeps further queries QUEUED, with advancing queued tokens, until a slot frees', async () => {
    const limited = await startEmulator({ maxRunningQueries: 1 })
    try {
      const blocker = await post(limited.url, 'SELECT 1 /* delayMs=60000 */')
      await http(blocker.nextUri)
      const waiting = await post(limited.url, 'SELECT 2')
      const q1 = (await http(`${waiting.nextUri as string}?maxWait=20ms`)).json
      assert.match(q1.nextUri, /\/queued\/[^/]+\/y[0-9a-f]{40}\/2$/)
      assert.deepEqual(limited.stats(), { runningQueries: 1, queuedQueries: 1, blockedQueries: 0, activeWorkers: 0 })
      const q2 = (await http(`${q1.nextUri as string}?maxWait=20ms`)).json
      assert.equal((await http(waiting.nextUri)).status, 410)
      assert.equal((await http(blocker.nextUri, { method: 'DELETE' })).status, 204)
      let doc = (await http(q2.nextUri)).json
      assert.match(doc.nextUri, /\/executing\//)
      while (doc.nextUri !== undefined) doc = (await http(doc.nextUri)).json
      assert.equal(doc.stats.state, 'FINISHED')
      // With the slot free again, the next query runs straight away.
      assert.deepEqual((await runQuery(limited.url, 'SELECT 3')).rows, [[3]])
    } finally {
      await limited.close()
    }
  })
})

describe('statement protocol (presto flavor)', () => {
  let emulator: EmulatorHandle
  before(async () => { emulator = await startEmulator({ flavor: 'presto' }) })
  after(async () => { await emulator.close() })

  test('Presto URL shapes: one slug per query in the query string, and the queued GET answers with results', async () => {
    const first = await post(emulator.url, 'SELECT * FROM t /* rows=3 pages=3 */', { 'X-Presto-User': 'p' })
    assert.match(first.nextUri, new RegExp(`/v1/statement/queued/${first.id as string}/1\\?slug=x[0-9a-f]{32}$`))
    const slug = new URL(first.nextUri).searchParams.get('slug')
    const viaQueued = (await http(first.nextUri)).json
    assert.deepEqual(viaQueued.data, [[0, 'r0xxxxxxxxxxxxxx']])
    assert.equal(viaQueued.nextUri, `${emulator.url}/v1/statement/executing/${first.id as string}/1?slug=${slug ?? ''}`)
    assert.equal(viaQueued.columns[0].typeSignature.arguments.length, 0)
    assert.deepEqual(viaQueued.columns[1].typeSignature, { rawType: 'varchar', typeArguments: [], literalArguments: [], arguments: [{ kind: 'LONG_LITERAL', value: 2147483647 }] })
    const ahead = await http(`${emulator.url}/v1/statement/executing/${first.id as string}/3?slug=${slug ?? ''}`)
    assert.equal(ahead.status, 404)
    const t1 = await http(viaQueued.nextUri)
    assert.deepEqual(t1.json.data, [[1, 'r1xxxxxxxxxxxxxx']])
    assert.equal((await http(`${emulator.url}/v1/statement/executing/${first.id as string}/0?slug=${slug ?? ''}`)).status, 410)
    assert.equal((await http(`${emulator.url}/v1/statement/executing/${first.id as string}/1?slug=xnope`)).status, 404)
  })

  test('/ui/api/stats is Trino\'s; Presto answers load on /v1/cluster', async () => {
    assert.equal((await http(`${emulator.url}/ui/api/stats`)).status, 404)
    const cluster = await http(`${emulator.url}/v1/cluster`)
    assert.equal(cluster.status, 200)
    assert.deepEqual(Object.keys(cluster.json).sort(), ['activeWorkers', 'blockedQueries', 'queuedQueries', 'reservedMemory', 'runningDrivers', 'runningQueries', 'totalCpuTimeSecs', 'totalInputBytes', 'totalInputRows'])
  })

  test('with credentials configured, Presto demands them on follow-up URIs too (Trino leaves them public)', async () => {
    const auth = { user: 'alice', password: 'secret' }
    const basic = { authorization: 'Basic ' + Buffer.from('alice:secret').toString('base64') }
    const prestoAuthed = await startEmulator({ flavor: 'presto', auth })
    const trinoAuthed = await startEmulator({ flavor: 'trino', auth })
    try {
      const p = await post(prestoAuthed.url, 'SELECT 1', { ...basic, 'X-Presto-User': 'alice' })
      const pGet = await http(p.nextUri)
      assert.equal(pGet.status, 401)
      assert.equal(pGet.headers['www-authenticate'], 'Basic realm="Presto"')
      assert.equal((await http(p.nextUri, { headers: basic })).status, 200)
      const t = await post(trinoAuthed.url, 'SELECT 1', { ...basic })
      assert.equal((await http(t.nextUri)).status, 200)
      const noCreds = await http(`${trinoAuthed.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: USER })
      assert.equal(noCreds.status, 401)
      assert.equal(noCreds.headers['www-authenticate'], 'Basic realm="Trino"')
    } finally {
      await Promise.all([prestoAuthed.close(), trinoAuthed.close()])
    }
  })
})
