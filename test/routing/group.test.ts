import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import { compileRules } from '../../src/routing/rules.js'
import { resolveGroup, ruleRequestOf, type ResolvedGroup } from '../../src/routing/group.js'
import { effectiveMode } from '../../src/routing/mode.js'

const basic = (userPass: string): string => 'Basic ' + Buffer.from(userPass).toString('base64')

const matcher = compileRules([
  { name: 'cli-proxy', match: { userAgent: '^trino-cli' }, mode: 'proxy' },
  { name: 'etl', match: { user: '^etl_', clientTags: ['etl'] }, group: 'etl', mode: 'handoff' },
  { name: 'airflow', match: { source: '^airflow$' }, group: 'batch' }
])

test('resolveGroup: header, then first matching rule, then default', () => {
  const cases: Array<[IncomingHttpHeaders, ResolvedGroup]> = [
    [{}, { group: 'adhoc', source: 'default' }],
    [{ 'x-trino-routing-group': 'vip' }, { group: 'vip', source: 'header' }],
    [{ 'x-presto-routing-group': 'vip' }, { group: 'vip', source: 'header' }],
    [{ 'x-trino-user': 'etl_job', 'x-trino-client-tags': 'etl' }, { group: 'etl', source: 'rule', rule: 'etl', mode: 'handoff' }],
    // the user pattern sees the Basic user when the user header is absent
    [{ authorization: basic('etl_job:pw'), 'x-presto-client-tags': 'x, etl' }, { group: 'etl', source: 'rule', rule: 'etl', mode: 'handoff' }],
    [{ 'x-trino-source': 'airflow' }, { group: 'batch', source: 'rule', rule: 'airflow' }],
    // header wins over the rule's group, but the rule's mode still applies
    [{ 'x-trino-routing-group': 'vip', 'x-trino-user': 'etl_job', 'x-trino-client-tags': 'etl' }, { group: 'vip', source: 'header', rule: 'etl', mode: 'handoff' }],
    // a mode-only rule that matches first sets the mode and leaves the group to the default
    [{ 'user-agent': 'trino-cli/450', 'x-trino-source': 'airflow' }, { group: 'adhoc', source: 'default', rule: 'cli-proxy', mode: 'proxy' }],
    [{ 'user-agent': 'trino-cli/450', 'x-trino-routing-group': 'vip' }, { group: 'vip', source: 'header', rule: 'cli-proxy', mode: 'proxy' }],
    [{ 'x-trino-routing-group': '  ' }, { group: 'adhoc', source: 'default' }]
  ]
  for (const [h, want] of cases) assert.deepEqual(resolveGroup(h, matcher, 'adhoc'), want, JSON.stringify(h))
})

test('resolveGroup with no rules never reads more than the header', () => {
  const none = compileRules([])
  assert.deepEqual(resolveGroup({ authorization: 'Basic !!!' }, none, 'adhoc'), { group: 'adhoc', source: 'default' })
})

test('ruleRequestOf reads user, source, tags and User-Agent', () => {
  assert.deepEqual(ruleRequestOf({ 'x-presto-user': 'u', 'x-presto-source': 's', 'x-presto-client-tags': 'a,b', 'user-agent': 'ua' }),
    { user: 'u', source: 's', clientTags: ['a', 'b'], userAgent: 'ua' })
  assert.deepEqual(ruleRequestOf({}), { user: undefined, source: undefined, clientTags: [], userAgent: undefined })
})

test('effectiveMode: auto hands off requests with credentials and redirects the rest', () => {
  assert.equal(effectiveMode('redirect', { authorization: 'x' }), 'redirect')
  assert.equal(effectiveMode('proxy', {}), 'proxy')
  assert.equal(effectiveMode('handoff', {}), 'handoff')
  assert.equal(effectiveMode('auto', {}), 'redirect')
  assert.equal(effectiveMode('auto', { 'x-trino-user': 'a' }), 'redirect')
  assert.equal(effectiveMode('auto', { authorization: basic('a:b') }), 'handoff')
  assert.equal(effectiveMode('auto', { cookie: 'session=1' }), 'handoff')
})
