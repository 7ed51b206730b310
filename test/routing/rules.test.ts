import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compileRules, type RoutingRule, type RuleRequest } from '../../src/routing/rules.js'

const req = (r: Partial<RuleRequest>): RuleRequest => ({ clientTags: [], ...r })

test('first matching rule wins; every given field must match', () => {
  const m = compileRules([
    { name: 'etl', match: { user: '^etl_', source: '^airflow$', clientTags: ['etl'] }, group: 'etl', mode: 'handoff' },
    { name: 'cli', match: { userAgent: '^presto-cli|^trino-cli' }, mode: 'redirect' },
    { name: 'etl-users', match: { user: '^etl_' }, group: 'etl' },
    { name: 'tagged', match: { clientTags: ['a', 'b'] }, group: 'ab' }
  ])
  assert.equal(m.size, 4)
  const cases: Array<[Partial<RuleRequest>, string | undefined]> = [
    [{ user: 'etl_x', source: 'airflow', clientTags: ['nightly', 'etl'] }, 'etl'],
    [{ user: 'etl_x', source: 'airflow', clientTags: [] }, 'etl-users'],
    [{ user: 'etl_x', source: 'airflow2', clientTags: ['etl'] }, 'etl-users'],
    [{ user: 'etl_x', userAgent: 'trino-cli/450' }, 'cli'],
    [{ user: 'bob', userAgent: 'trino-cli/450' }, 'cli'],
    [{ user: 'bob', userAgent: 'Trino JDBC Driver/450' }, undefined],
    [{ clientTags: ['b', 'a'] }, 'tagged'],
    [{ clientTags: ['a'] }, undefined],
    [{ clientTags: ['A', 'B'] }, undefined],
    [{}, undefined]
  ]
  for (const [r, want] of cases) assert.equal(m.match(req(r))?.name, want, JSON.stringify(r))
  assert.deepEqual(m.match(req({ user: 'etl_x', source: 'airflow', clientTags: ['etl'] })), { name: 'etl', group: 'etl', mode: 'handoff' })
})

test('regexes are unanchored unless written anchored; an absent field never matches', () => {
  const m = compileRules([{ name: 'r', match: { user: 'adm', source: '.*' }, group: 'g' }])
  assert.equal(m.match(req({ user: 'xadmx', source: '' }))?.name, 'r')
  assert.equal(m.match(req({ user: 'xadmx' })), undefined)
})

test('matching is stateless: the same request gives the same answer every time', () => {
  const m = compileRules([{ name: 'r', match: { user: 'a' }, group: 'g' }])
  for (let i = 0; i < 5; i++) assert.equal(m.match(req({ user: 'a' }))?.name, 'r')
})

test('an invalid regex fails with the rule name', () => {
  assert.throws(() => compileRules([{ name: 'broken', match: { user: '(' }, group: 'g' }]), /routing rule "broken".*match\.user/)
})

test('no rules: nothing matches', () => {
  const m = compileRules([])
  assert.equal(m.size, 0)
  assert.equal(m.match(req({ user: 'a' })), undefined)
})

const TAGS = ['a', 'b', 'c', 'etl']
const requestArb: fc.Arbitrary<RuleRequest> = fc.record({
  user: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  source: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  clientTags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 4 }),
  userAgent: fc.option(fc.string({ maxLength: 12 }), { nil: undefined })
})
// Small patterns, so that matches actually happen.
const patternArb = fc.constantFrom('a', '^a', 'b$', '.', '^$', '.*', '[0-9]', 'x|y')
const tagsArb = fc.uniqueArray(fc.constantFrom(...TAGS), { minLength: 1, maxLength: 3 })
const matchArb: fc.Arbitrary<RoutingRule['match']> = fc.record({
  user: patternArb,
  source: patternArb,
  clientTags: tagsArb,
  userAgent: patternArb
}, { requiredKeys: [] })

test('a rule with no match fields matches every request (property)', () => {
  const m = compileRules([{ name: 'all', match: {}, group: 'g' }])
  fc.assert(fc.property(requestArb, (r) => { assert.equal(m.match(r)?.name, 'all') }))
})

test('adding a field to a rule never widens what it matches (property)', () => {
  const fields = ['user', 'source', 'clientTags', 'userAgent'] as const
  fc.assert(fc.property(matchArb, fc.constantFrom(...fields), patternArb, tagsArb, requestArb, (base, field, pattern, tags, r) => {
    const narrower: RoutingRule['match'] = { ...base }
    if (field === 'clientTags') narrower.clientTags = [...new Set([...(base.clientTags ?? []), ...tags])]
    else narrower[field] = base[field] ?? pattern
    const wide = compileRules([{ name: 'w', match: base, group: 'g' }])
    const narrow = compileRules([{ name: 'n', match: narrower, group: 'g' }])
    if (narrow.match(r) !== undefined) assert.notEqual(wide.match(r), undefined)
  }), { numRuns: 3000 })
})

test('a list\'s match is the first rule that matches on its own (property)', () => {
  fc.assert(fc.property(fc.array(matchArb, { maxLength: 5 }), requestArb, (matches, r) => {
    const rules = matches.map((match, i) => ({ name: `r${i}`, match, group: 'g' }))
    const expected = rules.find((rule) => compileRules([rule]).match(r) !== undefined)?.name
    assert.equal(compileRules(rules).match(r)?.name, expected)
  }))
})
