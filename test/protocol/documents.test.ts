import { test } from 'node:test'
import assert from 'node:assert/strict'
import { queuedDocument, failedDocument, trinoErrorBody, GATEWAY_ERRORS, GATEWAY_ERROR_CODE_BASE } from '../../src/protocol/documents.js'

const STATS_FIELDS = ['state', 'queued', 'scheduled', 'nodes', 'totalSplits', 'queuedSplits', 'runningSplits', 'completedSplits',
  'cpuTimeMillis', 'wallTimeMillis', 'queuedTimeMillis', 'elapsedTimeMillis', 'processedRows', 'processedBytes',
  'physicalInputBytes', 'peakMemoryBytes', 'spilledBytes', 'progressPercentage']

const id = '20240131_235958_00042_00000'
const infoUri = `http://gw:8080/ui/query.html?${id}`

test('queuedDocument: what Trino answers to every POST', () => {
  const nextUri = `http://gw:8080/v1/statement/queued/${id}/abc/1`
  const doc = queuedDocument({ id, nextUri, infoUri })
  // Through JSON, as a client sees it.
  const seen = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>
  assert.deepEqual(Object.keys(seen).sort(), ['id', 'infoUri', 'nextUri', 'stats', 'warnings'])
  assert.equal(seen.id, id)
  assert.equal(seen.nextUri, nextUri)
  assert.equal(seen.infoUri, infoUri)
  assert.deepEqual(seen.warnings, [])
  const stats = seen.stats as Record<string, unknown>
  for (const f of STATS_FIELDS) assert.ok(f in stats, f)
  assert.equal(stats.state, 'QUEUED')
  assert.equal(stats.queued, true)
  assert.equal(stats.scheduled, false)
  assert.equal('columns' in seen, false)
})

test('failedDocument: FAILED, error with failureInfo, no nextUri', () => {
  const doc = failedDocument({ id, infoUri, message: 'No eligible cluster in routing group "etl": blue is draining', ...GATEWAY_ERRORS.NO_ELIGIBLE_CLUSTER })
  const seen = JSON.parse(JSON.stringify(doc)) as Record<string, any>
  assert.equal('nextUri' in seen, false)
  assert.equal(seen.stats.state, 'FAILED')
  assert.equal(seen.stats.queued, false)
  for (const f of STATS_FIELDS) assert.ok(f in seen.stats, f)
  assert.deepEqual(seen.warnings, [])
  assert.deepEqual(seen.error, {
    message: 'No eligible cluster in routing group "etl": blue is draining',
    errorCode: GATEWAY_ERROR_CODE_BASE + 1,
    errorName: 'NO_ELIGIBLE_CLUSTER',
    errorType: 'INSUFFICIENT_RESOURCES',
    failureInfo: { type: 'io.prestohagateway.GatewayException', message: 'No eligible cluster in routing group "etl": blue is draining', suppressed: [], stack: [] }
  })
})

test('gateway errors: distinct codes and names; UNKNOWN_TRANSACTION is Trino\'s own', () => {
  const all = Object.entries(GATEWAY_ERRORS)
  for (const [key, spec] of all) assert.equal(spec.errorName, key)
  assert.equal(new Set(all.map(([, s]) => s.errorCode)).size, all.length)
  assert.deepEqual(GATEWAY_ERRORS.UNKNOWN_TRANSACTION, { errorName: 'UNKNOWN_TRANSACTION', errorCode: 20, errorType: 'USER_ERROR' })
  assert.equal(GATEWAY_ERRORS.UNKNOWN_ROUTING_GROUP.errorType, 'USER_ERROR')
  assert.equal(GATEWAY_ERRORS.COORDINATOR_LOST.errorType, 'INTERNAL_ERROR')
})

test('trinoErrorBody: a QueryError usable as a JSON 4xx body; hostile text stays data', () => {
  const message = 'bad "group" \r\n<script>\u0000'
  const body = trinoErrorBody({ message, ...GATEWAY_ERRORS.UNKNOWN_ROUTING_GROUP })
  const round = JSON.parse(JSON.stringify(body)) as typeof body
  assert.equal(round.message, message)
  assert.equal(round.errorName, 'UNKNOWN_ROUTING_GROUP')
  assert.deepEqual(round.failureInfo.suppressed, [])
  assert.deepEqual(round.failureInfo.stack, [])
})
