import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import fc from 'fast-check'
import {
  familyOf, header, basicUser, requestUser, hasCredentials, clientTags, routingGroupHeader,
  sourceHeader, transactionId
} from '../../src/protocol/headers.js'

const basic = (userPass: string): string => 'Basic ' + Buffer.from(userPass, 'utf8').toString('base64')

test('familyOf reads the x-trino-* / x-presto-* names', () => {
  const cases: Array<[IncomingHttpHeaders, string]> = [
    [{}, 'none'],
    [{ 'user-agent': 'x', authorization: 'Basic eA==' }, 'none'],
    [{ 'x-trino-user': 'a' }, 'trino'],
    [{ 'x-presto-user': 'a', 'x-presto-source': 's' }, 'presto'],
    [{ 'x-trino-user': 'a', 'x-presto-source': 's' }, 'mixed'],
    [{ 'x-trino-routing-group': 'etl' }, 'trino'],
    [{ 'x-trino-user': undefined, 'x-presto-user': 'a' }, 'presto'],
    [{ 'x-trinox': 'a' }, 'none']
  ]
  for (const [h, want] of cases) assert.equal(familyOf(h), want, JSON.stringify(h))
})

test('header reads one family, case-insensitive suffix, arrays joined like node does', () => {
  const h: IncomingHttpHeaders = { 'x-trino-user': 'alice', 'x-presto-user': 'bob', 'x-trino-session': ['a=1', 'b=2'] }
  assert.equal(header(h, 'trino', 'User'), 'alice')
  assert.equal(header(h, 'presto', 'USER'), 'bob')
  assert.equal(header(h, 'trino', 'Session'), 'a=1, b=2')
  assert.equal(header(h, 'presto', 'Session'), undefined)
})

test('basicUser', () => {
  const cases: Array<[string | string[] | undefined, string | undefined]> = [
    [undefined, undefined],
    ['', undefined],
    [basic('alice:secret'), 'alice'],
    [basic('alice:'), 'alice'],
    [basic('alice:pa:ss'), 'alice'],
    [basic('élodie:x'), 'élodie'],
    ['basic ' + Buffer.from('bob:x').toString('base64'), 'bob'],
    ['BASIC   ' + Buffer.from('bob:x').toString('base64'), 'bob'],
    ['Basic ' + Buffer.from('bob:x').toString('base64').replace(/=+$/, ''), 'bob'],
    [[basic('carol:x')], 'carol'],
    [basic(':nouser'), undefined],
    [basic('nocolon'), undefined],
    [basic('ctl\u0001:x'), undefined],
    [basic('new\nline:x'), undefined],
    ['Bearer abc.def.ghi', undefined],
    ['Basic', undefined],
    ['Basic ', undefined],
    ['Basic !!!!', undefined],
    ['Basic YWxpY2U6c2VjcmV0!', undefined],
    ['Basic a', undefined],
    ['Basic ====', undefined],
    ['Basic ' + Buffer.from([0xff, 0xfe, 0x3a, 0x78]).toString('base64'), undefined],
    ['Basicxyz', undefined],
    ['Negotiate ' + basic('a:b'), undefined]
  ]
  for (const [auth, want] of cases) assert.equal(basicUser(auth), want, JSON.stringify(auth))
})

test('basicUser never throws and returns only a prefix of the decoded credentials (property)', () => {
  fc.assert(fc.property(fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => 'Basic ' + s),
    fc.base64String({ maxLength: 200 }).map((s) => 'Basic ' + s),
    fc.string({ unit: 'binary', maxLength: 60 }).map((s) => basic(s))
  ), (auth) => {
    const user = basicUser(auth)
    if (user !== undefined) {
      assert.ok(user.length > 0)
      assert.ok(!/[\u0000-\u001f\u007f]/.test(user)) // eslint-disable-line no-control-regex
    }
  }), { numRuns: 2000 })
})

test('basicUser round-trips any user without colon or control characters (property)', () => {
  const userArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((u) => !u.includes(':') && !/[\u0000-\u001f\u007f\ufffd]/.test(u)) // eslint-disable-line no-control-regex
  fc.assert(fc.property(userArb, fc.string({ unit: 'grapheme', maxLength: 40 }), (user, password) => {
    assert.equal(basicUser(basic(`${user}:${password}`)), user)
  }))
})

test('requestUser: trino header, then presto header, then Basic user', () => {
  assert.equal(requestUser({ 'x-trino-user': 'a', 'x-presto-user': 'b', authorization: basic('c:x') }), 'a')
  assert.equal(requestUser({ 'x-presto-user': 'b', authorization: basic('c:x') }), 'b')
  assert.equal(requestUser({ authorization: basic('c:x') }), 'c')
  assert.equal(requestUser({ 'x-trino-user': '  ', authorization: basic('c:x') }), 'c')
  assert.equal(requestUser({ 'x-trino-user': ' d ' }), 'd')
  assert.equal(requestUser({}), undefined)
  assert.equal(requestUser({ authorization: 'Bearer t' }), undefined)
})

test('hasCredentials: Authorization or Cookie, non-empty', () => {
  assert.equal(hasCredentials({}), false)
  assert.equal(hasCredentials({ authorization: 'Bearer x' }), true)
  assert.equal(hasCredentials({ cookie: 'Trino-UI-Token=abc' }), true)
  assert.equal(hasCredentials({ authorization: '' }), false)
  assert.equal(hasCredentials({ 'x-trino-user': 'a', 'x-trino-extra-credential': 'k=v' }), false)
})

test('clientTags: both families, trimmed, no empties, no duplicates', () => {
  assert.deepEqual(clientTags({}), [])
  assert.deepEqual(clientTags({ 'x-trino-client-tags': ' etl, nightly ,,' }), ['etl', 'nightly'])
  assert.deepEqual(clientTags({ 'x-presto-client-tags': 'a,b', 'x-trino-client-tags': 'b,c' }), ['b', 'c', 'a'])
  assert.deepEqual(clientTags({ 'x-trino-client-tags': ['a', 'b'] }), ['a', 'b'])
  assert.deepEqual(clientTags({ 'x-trino-client-tags': '' }), [])
})

test('routingGroupHeader and sourceHeader: trino first, presto second, empty is absent', () => {
  assert.equal(routingGroupHeader({ 'x-trino-routing-group': ' etl ' }), 'etl')
  assert.equal(routingGroupHeader({ 'x-presto-routing-group': 'adhoc' }), 'adhoc')
  assert.equal(routingGroupHeader({ 'x-trino-routing-group': '', 'x-presto-routing-group': 'p' }), 'p')
  assert.equal(routingGroupHeader({}), undefined)
  assert.equal(sourceHeader({ 'x-presto-source': 'airflow' }), 'airflow')
})

test('transactionId: absent, NONE in any case, and real ids', () => {
  const cases: Array<[IncomingHttpHeaders, string | undefined]> = [
    [{}, undefined],
    [{ 'x-trino-transaction-id': 'NONE' }, undefined],
    [{ 'x-trino-transaction-id': 'none' }, undefined],
    [{ 'x-presto-transaction-id': ' NoNe ' }, undefined],
    [{ 'x-trino-transaction-id': '' }, undefined],
    [{ 'x-trino-transaction-id': '7d5e0a52-3c5b-4b7a-9d51-6c1f7a9e0b11' }, '7d5e0a52-3c5b-4b7a-9d51-6c1f7a9e0b11'],
    [{ 'x-presto-transaction-id': 'abc' }, 'abc']
  ]
  for (const [h, want] of cases) assert.equal(transactionId(h), want, JSON.stringify(h))
})

test('no header reader throws on arbitrary header objects (property)', () => {
  const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 50 }), fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { maxLength: 3 }), fc.constant(undefined))
  const name = fc.oneof(fc.constantFrom('authorization', 'cookie', 'user-agent', 'x-trino-user', 'x-presto-user', 'x-trino-client-tags', 'x-presto-client-tags', 'x-trino-routing-group', 'x-trino-transaction-id', 'x-presto-transaction-id'), fc.string({ maxLength: 20 }).map((s) => s.toLowerCase()))
  fc.assert(fc.property(fc.dictionary(name, value, { maxKeys: 8 }), (raw) => {
    const h = raw as IncomingHttpHeaders
    familyOf(h)
    requestUser(h)
    hasCredentials(h)
    for (const t of clientTags(h)) assert.ok(t.length > 0 && t === t.trim() && !t.includes(','))
    routingGroupHeader(h)
    const tx = transactionId(h)
    if (tx !== undefined) assert.notEqual(tx.toUpperCase(), 'NONE')
  }), { numRuns: 1000 })
})
