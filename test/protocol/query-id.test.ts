import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  QUERY_ID_RE, parseQueryPath, queryIdFromPath, isSpooledPath, suffixOf, gatewayQueryId, isGatewayQueryId
} from '../../src/protocol/query-id.js'

const ID = '20240131_235959_00042_k3x9z'

test('QUERY_ID_RE accepts exactly the practical shape', () => {
  const good = [ID, '00000000_000000_00000_aaaaa', '99999999_999999_99999_99999']
  const bad = ['', `${ID}x`, `x${ID}`, '20240131_235959_0004_k3x9z', '20240131_235959_00042_k3x9', '20240131_235959_00042_K3X9Z',
    '20240131-235959-00042-k3x9z', `${ID}\n`, '2024013_1235959_00042_k3x9z', '20240131_235959_00042_k3x-z']
  for (const g of good) assert.ok(QUERY_ID_RE.test(g), g)
  for (const b of bad) assert.ok(!QUERY_ID_RE.test(b), JSON.stringify(b))
})

test('parseQueryPath: every known shape', () => {
  const cases: Array<[string, string | undefined, string?]> = [
    // Trino
    [`/v1/statement/queued/${ID}/y0f3c2a1b/1`, 'queued'],
    [`/v1/statement/queued/${ID}/y0f3c2a1b/1?maxWait=1s`, 'queued'],
    [`/v1/statement/executing/${ID}/ya1b2c3/17`, 'executing'],
    [`/v1/statement/executing/${ID}/ya1b2c3/17?targetResultSize=16MB`, 'executing'],
    [`/v1/statement/executing/partialCancel/${ID}/3/ya1b2c3/17`, 'partial-cancel'],
    [`/v1/query/${ID}`, 'query'],
    [`/v1/query/${ID}?pretty`, 'query'],
    [`/v1/query/${ID}/killed`, 'query'],
    [`/v1/query/${ID}/preempted`, 'query'],
    [`/ui/query.html?${ID}`, 'ui-page'],
    [`/ui/plan.html?${ID}`, 'ui-page'],
    [`/ui/api/query/${ID}`, 'ui-api'],
    [`/ui/api/query/${ID}/killed`, 'ui-api'],
    // Presto
    [`/v1/statement/queued/${ID}/1?slug=xdeadbeef`, 'queued'],
    [`/v1/statement/executing/${ID}/2?slug=xdeadbeef&maxWait=1s`, 'executing'],
    [`/v1/statement/queued/retry/${ID}`, 'retry'],
    [`/v1/statement/${ID}?slug=x123`, 'presubmit'],
    [`/v1/stage/${ID}.4`, 'stage'],
    // old
    [`/v1/statement/${ID}/3`, 'legacy'],
    // a gateway-owned nextUri whose slug is base64url
    [`/v1/statement/queued/${ID}/eyJuIjoiTk9fRUxJR0lCTEVfQ0xVU1RFUiJ9_-/1`, 'queued']
  ]
  for (const [path, kind] of cases) {
    assert.deepEqual(parseQueryPath(path), { kind, queryId: ID }, path)
    assert.equal(queryIdFromPath(path), ID, path)
  }
})

test('parseQueryPath: anything else is undefined', () => {
  const bad = [
    '', '/', '/v1/statement', '/v1/statement/', '/v1/info', '/v1/query', '/v1/query/',
    `v1/query/${ID}`, `//v1/query/${ID}`, `/v1/query//${ID}`, `/v1/query/${ID}/`, `/V1/query/${ID}`,
    `/v1/query/${ID}x`, `/v1/query/${ID.toUpperCase()}`, `/v1/query/${ID}#frag`, `/v1/query/${ID}/../../admin`,
    `/v1/query/${ID}/killed/more`, `/v1/query/${ID}/kil%6Ced`, `/v1/query/%32${ID.slice(1)}`,
    `/v1/statement/queued/${ID}`, `/v1/statement/queued/${ID}/slug`, `/v1/statement/queued/${ID}/slug/1/2`,
    `/v1/statement/queued/${ID}/sl.ug/1`, `/v1/statement/queued/${ID}/../1`, `/v1/statement/executing/${ID}/slug/x`,
    `/v1/statement/executing/partialCancel/${ID}/x/slug/1`, `/v1/statement/executing/partialCancel/${ID}/slug/1`,
    `/v1/statement/queued/retry/${ID}/1`, `/v1/stage/${ID}`, `/v1/stage/${ID}.x`,
    `/ui/query.html?${ID}&x=1`, `/ui/query.html?${ID}x`, `/ui/query.html/${ID}`, `/ui/evil.html?${ID}`, `/ui/query.html?id=${ID}`,
    `/v1/spooled/download/${ID}`, `/v1/statement/queued/${ID}/y1/1?x=a b`,
    `/v1/query/${ID}?x\n`, `/v1/query/${ID}?a=\u0001`, `/ui/references.html?${ID}`, `/prefix/v1/query/${ID}`, `http://evil.example/v1/query/${ID}`
  ]
  for (const p of bad) assert.equal(parseQueryPath(p), undefined, JSON.stringify(p))
})

test('isSpooledPath: segment download/ack URIs, which carry no readable query id', () => {
  assert.ok(isSpooledPath('/v1/spooled/download/q83jfS-_ab0='))
  assert.ok(isSpooledPath('/v1/spooled/ack/q83jfS-_ab0='))
  assert.ok(isSpooledPath('/v1/spooled/segments/q83jfS'))
  assert.equal(queryIdFromPath('/v1/spooled/download/q83jfS-_ab0='), undefined)
  assert.ok(!isSpooledPath('/v1/spooled/download/'))
  assert.ok(!isSpooledPath('/v1/spooled/download/a/../b'))
  assert.ok(!isSpooledPath('/v1/spooled/other/abc'))
  assert.ok(isSpooledPath('/v1/spooled/ack/abc?x=1'))
  assert.ok(!isSpooledPath('/v1/spooled/ack/abc?x=\r\n'))
})

const idArb = fc.tuple(
  fc.stringMatching(/^\d{8}$/), fc.stringMatching(/^\d{6}$/), fc.stringMatching(/^\d{5}$/), fc.stringMatching(/^[a-z0-9]{5}$/)
).map((parts) => parts.join('_'))
const slugArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)
const tokenArb = fc.nat({ max: 1_000_000 }).map(String)
const queryArb = fc.option(fc.stringMatching(/^[A-Za-z0-9=&%._-]{0,30}$/), { nil: undefined }).map((q) => q === undefined ? '' : `?${q}`)

test('every URI shape round-trips a generated id (property)', () => {
  const shapes: Array<(id: string, slug: string, token: string, q: string) => string> = [
    (id, s, t, q) => `/v1/statement/queued/${id}/${s}/${t}${q}`,
    (id, s, t, q) => `/v1/statement/executing/${id}/${s}/${t}${q}`,
    (id, s, t, q) => `/v1/statement/executing/partialCancel/${id}/${t}/${s}/${t}${q}`,
    (id, s, t) => `/v1/statement/queued/${id}/${t}?slug=${s}`,
    (id, s, t) => `/v1/statement/executing/${id}/${t}?slug=${s}&maxWait=1s`,
    (id, _s, t, q) => `/v1/statement/${id}/${t}${q}`,
    (id, _s, _t, q) => `/v1/query/${id}${q}`,
    (id) => `/v1/query/${id}/killed`,
    (id) => `/ui/query.html?${id}`,
    (id, _s, t) => `/v1/stage/${id}.${t}`
  ]
  fc.assert(fc.property(idArb, slugArb, tokenArb, queryArb, fc.nat({ max: shapes.length - 1 }), (id, slug, token, q, i) => {
    const path = (shapes[i] as (typeof shapes)[number])(id, slug, token, q)
    assert.equal(queryIdFromPath(path), id, path)
  }), { numRuns: 3000 })
})

test('random input never throws and only yields a well-formed id found in the input (property)', () => {
  const anyPath = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.string({ unit: 'binary-ascii', maxLength: 120 }).map((s) => '/v1/' + s),
    fc.tuple(fc.constantFrom('/v1/statement/queued/', '/v1/statement/executing/', '/v1/query/', '/ui/query.html?', '/v1/statement/', '/v1/stage/', '/ui/api/query/'),
      fc.oneof(idArb, fc.string({ maxLength: 30 })), fc.string({ unit: 'binary-ascii', maxLength: 40 }))
      .map(([a, b, c]) => a + b + c)
  )
  fc.assert(fc.property(anyPath, (p) => {
    const id = queryIdFromPath(p)
    if (id !== undefined) {
      assert.ok(QUERY_ID_RE.test(id), id)
      assert.ok(p.includes(id))
    }
  }), { numRuns: 5000 })
})

test('suffixOf', () => {
  assert.equal(suffixOf(ID), 'k3x9z')
  assert.equal(suffixOf('nope'), undefined)
  assert.equal(suffixOf(`${ID}_`), undefined)
})

test('gatewayQueryId: coordinator shape, UTC time, counter modulo 100000, gateway-marked suffix', () => {
  const t = Date.UTC(2024, 0, 31, 23, 59, 58, 999)
  assert.equal(gatewayQueryId(t, 42), '20240131_235958_00042_00000')
  assert.equal(gatewayQueryId(new Date(t), 100_042, 'ab12'), '20240131_235958_00042_0ab12')
  assert.equal(gatewayQueryId(t, -1), '20240131_235958_99999_00000')
  assert.equal(gatewayQueryId(t, Number.NaN), '20240131_235958_00000_00000')
  assert.equal(gatewayQueryId(Date.UTC(1999, 11, 1, 1, 2, 3), 7.9), '19991201_010203_00007_00000')
  assert.throws(() => gatewayQueryId(t, 1, 'ABCD'), RangeError)
  assert.throws(() => gatewayQueryId(t, 1, 'abc'), RangeError)
  assert.throws(() => gatewayQueryId(Number.NaN, 1), RangeError)
  assert.throws(() => gatewayQueryId(Date.UTC(10000, 0, 1), 1), RangeError)
})

test('gateway ids are recognised; coordinator ids never are (property)', () => {
  // Trino/Presto QueryIdGenerator alphabet: a-z and 2-9 without l and o.
  const coordinatorSuffix = fc.stringMatching(/^[a-km-np-z2-9]{5}$/)
  const coordinatorId = fc.tuple(fc.stringMatching(/^\d{8}$/), fc.stringMatching(/^\d{6}$/), fc.stringMatching(/^\d{5}$/), coordinatorSuffix).map((p) => p.join('_'))
  fc.assert(fc.property(coordinatorId, (id) => { assert.equal(isGatewayQueryId(id), false) }))
  const time = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59) })
  fc.assert(fc.property(time, fc.integer(), fc.stringMatching(/^[a-z0-9]{4}$/), (t, n, inst) => {
    const id = gatewayQueryId(t, n, inst)
    assert.ok(QUERY_ID_RE.test(id), id)
    assert.ok(isGatewayQueryId(id))
    assert.equal(suffixOf(id), '0' + inst)
    assert.equal(queryIdFromPath(`/v1/statement/queued/${id}/abc/1`), id)
  }))
  assert.equal(isGatewayQueryId('garbage'), false)
})
