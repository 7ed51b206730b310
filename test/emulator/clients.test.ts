// The three real npm clients, written by others, against the emulator directly: if any of them can
// tell it from a coordinator, the gateway's tests would prove nothing.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { BasicAuth, Trino, type QueryResult } from 'trino-client'
import presto, { type ExecuteOptions, type PrestoClientOptions } from 'presto-client'
import PrestoJs from '@prestodb/presto-js-client'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { generatedRow } from './support.js'

const { PrestoClient } = PrestoJs as unknown as { PrestoClient: typeof import('@prestodb/presto-js-client').PrestoClient }

const expectedRows = (n: number): unknown[][] => Array.from({ length: n }, (_, i) => generatedRow(i))

interface PrestoRun {
  rows: unknown[][]
  columns: string[]
  queryId: string | null
  error: { message: string, errorName?: string } | null
}

function prestoRun (options: PrestoClientOptions, query: string, extra: Partial<ExecuteOptions> = {}): Promise<PrestoRun> {
  const client = new presto.Client({ checkInterval: 5, ...options })
  const run: PrestoRun = { rows: [], columns: [], queryId: null, error: null }
  return new Promise((resolve) => {
    client.execute({
      query,
      state: (_e, queryId) => { run.queryId = queryId },
      columns: (_e, columns) => { run.columns = columns.map((c) => c.name) },
      data: (_e, data) => { run.rows.push(...data) },
      success: () => resolve(run),
      error: (error) => { run.error = error; resolve(run) },
      ...extra
    })
  })
}

function queryState (emulator: EmulatorHandle, id: string | null): { state: string, errorName: string | null } | undefined {
  const q = emulator.queries().find((s) => s.id === id)
  return q === undefined ? undefined : { state: q.state, errorName: q.errorName }
}

describe('trino-client against the trino flavor', () => {
  let emulator: EmulatorHandle
  let authed: EmulatorHandle
  before(async () => {
    emulator = await startEmulator()
    authed = await startEmulator({ auth: { user: 'alice', password: 'secret' } })
  })
  after(async () => { await Promise.all([emulator.close(), authed.close()]) })

  test('a multi-page result arrives complete and in order', async () => {
    const trino = Trino.create({ server: emulator.url, auth: new BasicAuth('tester') })
    const rows: unknown[][] = []
    let pages = 0
    for await (const result of await trino.query('SELECT n, s FROM big /* rows=250 pages=5 */')) {
      if (result.data !== undefined) { rows.push(...result.data); pages++ }
    }
    assert.equal(pages, 5)
    assert.deepEqual(rows, expectedRows(250))
  })

  test('a failing query surfaces its error message', async () => {
    const trino = Trino.create({ server: emulator.url, auth: new BasicAuth('tester') })
    let last: QueryResult | undefined
    for await (const result of await trino.query("SELECT 1 /* fail='disk on fire' */")) last = result
    assert.equal(last?.error?.message, 'disk on fire')
    assert.equal(last?.error?.errorName, 'GENERIC_USER_ERROR')
  })

  test('a syntax error comes back as SYNTAX_ERROR with Trino\'s wording', async () => {
    const trino = Trino.create({ server: emulator.url, auth: new BasicAuth('tester') })
    let last: QueryResult | undefined
    for await (const result of await trino.query('SELEKT 1')) last = result
    assert.equal(last?.error?.errorName, 'SYNTAX_ERROR')
    assert.match(last?.error?.message ?? '', /^line 1:1: mismatched input 'SELEKT'/)
  })

  test('cancel (DELETE /v1/query/{id}) ends the running query', async () => {
    const trino = Trino.create({ server: emulator.url, auth: new BasicAuth('tester') })
    const iterator = await trino.query('SELECT n FROM slow /* rows=20 pages=20 delayMs=200 */')
    const first = await iterator.next()
    assert.equal(first.done, false)
    const id = first.value.id
    assert.equal(queryState(emulator, id)?.state, 'RUNNING')
    await trino.cancel(id)
    assert.deepEqual(queryState(emulator, id), { state: 'FAILED', errorName: 'USER_CANCELED' })
    let last: QueryResult | undefined
    for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) last = r.value
    assert.equal(last?.error?.errorName, 'USER_CANCELED')
  })

  test('Basic credentials: correct ones are accepted, wrong ones get 401', async () => {
    const good = Trino.create({ server: authed.url, auth: new BasicAuth('alice', 'secret') })
    const rows: unknown[][] = []
    for await (const r of await good.query('SELECT 1')) if (r.data !== undefined) rows.push(...r.data)
    assert.deepEqual(rows, [[1]])
    const bad = Trino.create({ server: authed.url, auth: new BasicAuth('alice', 'wrong') })
    await assert.rejects(bad.query('SELECT 1'), (e: { response?: { status?: number } }) => e.response?.status === 401)
  })
})

describe('presto-client', () => {
  let trinoFlavor: EmulatorHandle
  let prestoFlavor: EmulatorHandle
  let authed: EmulatorHandle
  before(async () => {
    trinoFlavor = await startEmulator()
    prestoFlavor = await startEmulator({ flavor: 'presto' })
    authed = await startEmulator({ flavor: 'presto', auth: { user: 'alice', password: 'secret' } })
  })
  after(async () => { await Promise.all([trinoFlavor.close(), prestoFlavor.close(), authed.close()]) })

  for (const [label, engine] of [['engine trino against the trino flavor', 'trino'], ['default engine against the presto flavor', undefined]] as const) {
    test(`${label}: a multi-page result arrives complete and in order`, async () => {
      const emulator = engine === 'trino' ? trinoFlavor : prestoFlavor
      const run = await prestoRun({ host: '127.0.0.1', port: emulator.port, user: 'bob', engine }, 'SELECT * FROM t /* rows=120 pages=4 */')
      assert.equal(run.error, null)
      assert.deepEqual(run.columns, ['n', 's'])
      assert.deepEqual(run.rows, expectedRows(120))
      assert.equal(queryState(emulator, run.queryId)?.state, 'FINISHED')
    })

    test(`${label}: a failing query surfaces its error message`, async () => {
      const emulator = engine === 'trino' ? trinoFlavor : prestoFlavor
      const run = await prestoRun({ host: '127.0.0.1', port: emulator.port, user: 'bob', engine }, 'SELECT 1 /* fail=kaboom */')
      assert.equal(run.error?.message, 'kaboom')
    })

    test(`${label}: cancel from the columns callback ends the query on the coordinator`, async () => {
      const emulator = engine === 'trino' ? trinoFlavor : prestoFlavor
      let cancel = false
      const run = await prestoRun({ host: '127.0.0.1', port: emulator.port, user: 'bob', engine }, 'SELECT * FROM t /* rows=50 pages=50 delayMs=100 */', {
        columns: () => { cancel = true },
        cancel: () => cancel
      })
      assert.equal(run.error?.message, 'query fetch canceled by operation')
      assert.deepEqual(queryState(emulator, run.queryId), { state: 'FAILED', errorName: 'USER_CANCELED' })
    })
  }

  test('Basic credentials: correct ones are accepted, wrong ones rejected', async () => {
    const ok = await prestoRun({ host: '127.0.0.1', port: authed.port, user: 'alice', basic_auth: { user: 'alice', password: 'secret' } }, 'SELECT 7')
    assert.equal(ok.error, null)
    assert.deepEqual(ok.rows, [[7]])
    const bad = await prestoRun({ host: '127.0.0.1', port: authed.port, user: 'alice', basic_auth: { user: 'alice', password: 'nope' } }, 'SELECT 7')
    assert.match(bad.error?.message ?? '', /Access Denied/)
    assert.equal(authed.queries().length, 1)
  })
})

describe('@prestodb/presto-js-client against the presto flavor', () => {
  let emulator: EmulatorHandle
  let authed: EmulatorHandle
  before(async () => {
    emulator = await startEmulator({ flavor: 'presto' })
    authed = await startEmulator({ flavor: 'presto', auth: { user: 'alice', password: 'secret' } })
  })
  after(async () => { await Promise.all([emulator.close(), authed.close()]) })

  test('a multi-page result arrives complete and in order', async () => {
    const client = new PrestoClient({ host: 'http://127.0.0.1', port: emulator.port, user: 'carol' })
    const result = await client.query('SELECT * FROM t /* rows=300 pages=3 */')
    assert.deepEqual(result.columns?.map((c) => c.name), ['n', 's'])
    assert.deepEqual(result.data, expectedRows(300))
    assert.equal(queryState(emulator, result.queryId ?? null)?.state, 'FINISHED')
  })

  test('a failing query surfaces its error message', async () => {
    const client = new PrestoClient({ host: 'http://127.0.0.1', port: emulator.port, user: 'carol' })
    await assert.rejects(client.query('SELECT 1 /* fail=kaboom */'), (e: Error & { errorName?: string }) => e.message === 'kaboom' && e.errorName === 'GENERIC_USER_ERROR')
  })

  test('Basic credentials: correct ones are accepted, wrong ones rejected', async () => {
    const good = new PrestoClient({ host: 'http://127.0.0.1', port: authed.port, user: 'alice', basicAuthentication: { user: 'alice', password: 'secret' } })
    assert.deepEqual((await good.query("SELECT 'x'")).data, [['x']])
    const bad = new PrestoClient({ host: 'http://127.0.0.1', port: authed.port, user: 'alice', basicAuthentication: { user: 'alice', password: 'nope' } })
    await assert.rejects(bad.query("SELECT 'x'"), /Access Denied/)
  })
})
