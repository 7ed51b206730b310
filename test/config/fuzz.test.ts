import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { parseConfigText, validateConfig, ConfigError } from '../../src/config/index.js'

// No input may crash the loader: it returns a config or throws a ConfigError listing issues.

function accepts (fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`)
    assert.ok(err.issues.length > 0)
    for (const i of err.issues) assert.equal(typeof i.path, 'string')
  }
}

const key = fc.constantFrom('server', 'store', 'routing', 'health', 'admin', 'clusters', 'name', 'coordinators', 'url', 'port', 'mode', 'rules', 'match', 'user', 'group', 'redis', 'tls', 'x')

test('random YAML text never crashes the loader', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => { accepts(() => parseConfigText(text, {})) }), { numRuns: 500 })
})

test('random documents shaped like configs never crash the loader', () => {
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 5 }))
  })).node
  fc.assert(fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (doc) => {
    accepts(() => validateConfig(doc))
    accepts(() => parseConfigText(stringify(doc), { X: '1' }))
  }), { numRuns: 500 })
})

test('mutations of a valid config never crash the loader', () => {
  const base = {
    routing: { rules: [{ name: 'r', match: { user: '^a' }, group: 'adhoc' }] },
    clusters: [{ name: 'blue', coordinators: [{ name: 'blue-a', url: 'http://127.0.0.1:1' }] }]
  }
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('routing.rules.0.match.user', 'clusters.0.coordinators.0.url', 'clusters.0.name', 'clusters.0.weight', 'routing.mode', 'health.fall'), fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.constant(null), fc.constant('(('))), { maxLength: 3 }), (edits) => {
    const doc = structuredClone(base) as Record<string, unknown>
    for (const [path, v] of edits) {
      const parts = path.split('.')
      let node = doc as Record<string, unknown>
      for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>
      node[parts[parts.length - 1] as string] = v
    }
    accepts(() => validateConfig(doc))
  }), { numRuns: 500 })
})
