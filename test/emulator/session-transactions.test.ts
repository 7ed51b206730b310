// Session, prepared-statement and transaction headers: only on executing responses (never on the
// POST), and transactions known only to the coordinator that started them.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { headerValues, runQuery } from './support.js'

const USER = { 'X-Trino-User': 'tester' }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('session and prepared-statement headers', () => {
  let emulator: EmulatorHandle
  before(async () => { emulator = await startEmulator() })
  after(async () => { await emulator.close() })

  test('SET SESSION answers Set-Session on executing responses, never on the POST', async () => {
    const run = await runQuery(emulator.url, "SET SESSION query_max_run_time = '10 m'")
    assert.equal(run.first.headers['x-trino-set-session'], undefined)
    assert.deepEqual([...new Set(headerValues(run.responses, 'x-trino-set-session'))], ['query_max_run_time=10+m'])
    assert.equal(run.final.updateType, 'SET SESSION')
    assert.deepEqual(run.rows, [[true]])
  })

  test('RESET SESSION answers Clear-Session', async () => {
    const run = await runQuery(emulator.url, 'RESET SESSION hive.compression_codec')
    assert.deepEqual([...new Set(headerValues(run.responses, 'x-trino-clear-session'))], ['hive.compression_codec'])
  })

  test('USE answers Set-Catalog and Set-Schema', async () => {
    const run = await runQuery(emulator.url, 'USE tpch.tiny')
    assert.deepEqual([...new Set(headerValues(run.responses, 'x-trino-set-catalog'))], ['tpch'])
    assert.deepEqual([...new Set(headerValues(run.responses, 'x-trino-set-schema'))], ['tiny'])
  })

  test('PREPARE, EXECUTE with the Prepared-Statement header, DEALLOCATE', async () => {
    const prepared = await runQuery(emulator.url, "PREPARE q1 FROM SELECT 42, 'a b'")
    assert.equal(prepared.first.headers['x-trino-added-prepare'], undefined)
    const added = [...new Set(headerValues(prepared.responses, 'x-trino-added-prepare'))]
    assert.deepEqual(added, ['q1=SELECT+42%2C+%27a+b%27'])
    const executed = await runQuery(emulator.url, 'EXECUTE q1', { ...USER, 'X-Trino-Prepared-Statement': added[0] ?? '' })
    assert.deepEqual(executed.rows, [[42, 'a b']])
    const missing = await runQuery(emulator.url, 'EXECUTE q1')
    assert.equal(missing.final.error.errorName, 'NOT_FOUND')
    assert.equal(missing.final.error.message, 'Prepared statement not found: q1')
    const deallocated = await runQuery(emulator.url, 'DEALLOCATE PREPARE q1', { ...USER, 'X-Trino-Prepared-Statement': added[0] ?? '' })
    assert.deepEqual([...new Set(headerValues(deallocated.responses, 'x-trino-deallocated-prepare'))], ['q1'])
  })

  test('the presto flavor answers with X-Presto-* headers', async () => {
    const presto = await startEmulator({ flavor: 'presto' })
    try {
      const run = await runQuery(presto.url, 'SET SESSION optimize_hash_generation = true', { 'X-Presto-User': 'p' })
      assert.deepEqual([...new Set(headerValues(run.responses, 'x-presto-set-session'))], ['optimize_hash_generation=true'])
      assert.deepEqual(headerValues(run.responses, 'x-trino-set-session'), [])
    } finally {
      await presto.close()
    }
  })
})

describe('transactions', () => {
  let emulator: EmulatorHandle
  let other: EmulatorHandle
  before(async () => {
    emulator = await startEmulator()
    other = await startEmulator()
  })
  after(async () => { await Promise.all([emulator.close(), other.close()]) })

  async function begin (sql = 'START TRANSACTION'): Promise<string> {
    const run = await runQuery(emulator.url, sql, { ...USER, 'X-Trino-Transaction-Id': 'NONE' })
    assert.equal(run.first.headers['x-trino-started-transaction-id'], undefined)
    const ids = [...new Set(headerValues(run.responses, 'x-trino-started-transaction-id'))]
    assert.equal(ids.length, 1)
    assert.match(ids[0] ?? '', UUID)
    assert.equal(run.final.updateType, 'START TRANSACTION')
    return ids[0] ?? ''
  }

  test('START TRANSACTION … COMMIT: the id comes and goes on executing responses, statements run in it', async () => {
    const txn = await begin('START TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY')
    const inTxn = await runQuery(emulator.url, 'SELECT 1', { ...USER, 'X-Trino-Transaction-Id': txn })
    assert.deepEqual(inTxn.rows, [[1]])
    assert.equal(emulator.queries().find((q) => q.id === inTxn.first.json.id)?.transactionId, txn)
    const commit = await runQuery(emulator.url, 'COMMIT', { ...USER, 'X-Trino-Transaction-Id': txn })
    assert.equal(commit.first.headers['x-trino-clear-transaction-id'], undefined)
    assert.deepEqual([...new Set(headerValues(commit.responses, 'x-trino-clear-transaction-id'))], ['true'])
    assert.equal(commit.final.stats.state, 'FINISHED')
    const afterCommit = await runQuery(emulator.url, 'SELECT 1', { ...USER, 'X-Trino-Transaction-Id': txn })
    assert.equal(afterCommit.final.error.errorName, 'UNKNOWN_TRANSACTION')
  })

  test('ROLLBACK ends the transaction too', async () => {
    const txn = await begin()
    const rollback = await runQuery(emulator.url, 'ROLLBACK', { ...USER, 'X-Trino-Transaction-Id': txn })
    assert.deepEqual([...new Set(headerValues(rollback.responses, 'x-trino-clear-transaction-id'))], ['true'])
    assert.equal(rollback.final.updateType, 'ROLLBACK')
  })

  test('a transaction id this coordinator did not start fails with Trino\'s error, on a GET', async () => {
    const txn = await begin()
    const elsewhere = await runQuery(other.url, 'SELECT 1', { ...USER, 'X-Trino-Transaction-Id': txn })
    assert.equal(elsewhere.first.json.stats.state, 'QUEUED')
    assert.equal(elsewhere.final.stats.state, 'FAILED')
    assert.equal(elsewhere.final.error.errorName, 'UNKNOWN_TRANSACTION')
    assert.equal(elsewhere.final.error.errorCode, 20)
    assert.equal(elsewhere.final.error.message, `Unknown transaction ID: ${txn}. Possibly expired? Commands ignored until end of transaction block`)
    // A ROLLBACK there fails the same way but still tells the client to drop the id.
    const rollback = await runQuery(other.url, 'ROLLBACK', { ...USER, 'X-Trino-Transaction-Id': txn })
    assert.equal(rollback.final.error.errorName, 'UNKNOWN_TRANSACTION')
    assert.deepEqual([...new Set(headerValues(rollback.responses, 'x-trino-clear-transaction-id'))], ['true'])
  })

  test('Transaction-Id: NONE means no transaction; COMMIT without one is NOT_IN_TRANSACTION', async () => {
    const plain = await runQuery(emulator.url, 'SELECT 1', { ...USER, 'X-Trino-Transaction-Id': 'NONE' })
    assert.equal(emulator.queries().find((q) => q.id === plain.first.json.id)?.transactionId, null)
    const commit = await runQuery(emulator.url, 'COMMIT', { ...USER, 'X-Trino-Transaction-Id': 'NONE' })
    assert.equal(commit.final.error.errorName, 'NOT_IN_TRANSACTION')
    assert.equal(commit.final.error.message, 'No transaction in progress')
  })

  test('START TRANSACTION inside a transaction is refused', async () => {
    const txn = await begin()
    const nested = await runQuery(emulator.url, 'START TRANSACTION', { ...USER, 'X-Trino-Transaction-Id': txn })
    assert.equal(nested.final.error.message, 'Nested transactions not supported')
    assert.deepEqual(headerValues(nested.responses, 'x-trino-started-transaction-id'), [])
  })
})
