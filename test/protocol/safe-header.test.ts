import { test } from 'node:test'
import assert from 'node:assert/strict'
import { validateHeaderValue } from 'node:http'
import fc from 'fast-check'
import { isSafeHeaderValue } from '../../src/protocol/safe-header.js'

test('isSafeHeaderValue: table', () => {
  const cases: Array<[string | string[], boolean]> = [
    ['', true],
    ['http://blue-a:8080/v1/statement?x=1', true],
    ['key=caf%C3%A9', true],
    ['latin-1 é', true],
    ['a\r\nSet-Cookie: x=1', false],
    ['a\nb', false],
    ['a\rb', false],
    ['a\u0000b', false],
    ['a\tb', false],
    ['a\u001bb', false],
    ['a\u007fb', false],
    ['snow ☃', false],
    [['ok', 'also ok'], true],
    [['ok', 'bad\n'], false],
    [[], true]
  ]
  for (const [v, want] of cases) assert.equal(isSafeHeaderValue(v), want, JSON.stringify(v))
})

test('a safe value is one node will write, and never holds CR, LF or NUL (property)', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (v) => {
    if (!isSafeHeaderValue(v)) return
    assert.ok(!/[\r\n\u0000]/.test(v)) // eslint-disable-line no-control-regex
    assert.doesNotThrow(() => validateHeaderValue('x-test', v))
  }), { numRuns: 3000 })
})
