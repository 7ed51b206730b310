/* eslint-disable no-template-curly-in-string -- the tests are about ${VAR} in config text */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfigText, loadConfigFile, validateCluster, ConfigError, type ConfigIssue } from '../../src/config/index.js'

const env = {
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  ADMIN_TOKEN: 'admin-token-0123456789',
  VIEWER_TOKEN: 'viewer-token-0123456789',
  MONITOR_PASSWORD: 'secret',
  REDIS_PASSWORD: 'pw'
}

function issuesOf (yaml: string, e: NodeJS.ProcessEnv = env): ConfigIssue[] {
  try {
    parseConfigText(yaml, e)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    assert.equal(err.code, 'PHG_ERR_CONFIG_INVALID')
    return err.issues
  }
  return []
}

const cluster = (extra = '') => `
clusters:
  - name: blue
    ${extra}
    coordinators:
      - { name: blue-a, url: http://127.0.0.1:8081 }
`

test('every example config under config/ is valid', () => {
  const dir = join(import.meta.dirname, '../../config')
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
  assert.ok(files.length >= 3)
  for (const f of files) {
    const cfg = loadConfigFile(join(dir, f), env)
    assert.ok(cfg.clusters.length > 0, f)
  }
})

test('defaults fill what the file leaves out', () => {
  const cfg = parseConfigText(cluster(), {})
  assert.equal(cfg.server.port, 8080)
  assert.equal(cfg.routing.mode, 'redirect')
  assert.equal(cfg.routing.defaultGroup, 'adhoc')
  assert.equal(cfg.health.fall, 2)
  assert.equal(cfg.server.limits.bodyBytes, 10 * 1024 * 1024)
  const c = cfg.clusters[0]
  assert.ok(c)
  assert.equal(c.flavor, 'trino')
  assert.equal(c.group, 'adhoc')
  assert.equal(c.failback, 'sticky')
  assert.equal(c.minWorkers, 1)
  assert.equal(c.coordinators[0]?.externalUrl, 'http://127.0.0.1:8081')
  assert.equal(cfg.store.redis, undefined)
})

test('${VAR} is substituted in values, $${ stays literal, and YAML in a value cannot change the shape', () => {
  const cfg = parseConfigText(`
admin:
  tokens: [{ name: ops, token: "\${T}", role: admin }]
clusters:
  - name: blue
    monitor: { user: "\${U}", password: "$\${literal}" }
    coordinators: [{ name: a, url: "http://\${HOST}:8080" }]
`, { T: 'x'.repeat(20), U: 'gw: {evil: 1}', HOST: 'coord' })
  assert.equal(cfg.admin.tokens[0]?.token, 'x'.repeat(20))
  assert.equal(cfg.clusters[0]?.monitor?.user, 'gw: {evil: 1}')
  assert.equal(cfg.clusters[0]?.monitor?.password, '${literal}')
  assert.equal(cfg.clusters[0]?.coordinators[0]?.url, 'http://coord:8080')
})

const bad: Array<[string, string, Array<[string, RegExp]>]> = [
  ['unset variable', 'admin: { tokens: [{ name: a, token: "${NOPE_NOT_SET}", role: admin }] }', [['/admin/tokens/0/token', /NOPE_NOT_SET is not set/]]],
  ['unknown top-level key', `servr: {}\n${cluster()}`, [['/servr', /unknown key/]]],
  ['unknown nested key', cluster('wieght: 2'), [['/clusters/0/wieght', /unknown key/]]],
  ['bad mode', `routing: { mode: fast }\n${cluster()}`, [['/routing/mode', /one of "redirect", "handoff", "proxy", "auto"/]]],
  ['bad flavor', cluster('flavor: hive'), [['/clusters/0/flavor', /one of "trino", "presto"/]]],
  ['bad url scheme', 'clusters: [{ name: b, coordinators: [{ name: a, url: "ftp://x" }] }]', [['/clusters/0/coordinators/0/url', /http:\/\/ or https:\/\/ URL/]]],
  ['url with a path', 'clusters: [{ name: b, coordinators: [{ name: a, url: "http://x/trino" }] }]', [['/clusters/0/coordinators/0/url', /must not have a path/]]],
  ['missing coordinators', 'clusters: [{ name: b }]', [['/clusters/0/coordinators', /is required/]]],
  ['empty coordinators', 'clusters: [{ name: b, coordinators: [] }]', [['/clusters/0/coordinators', /./]]],
  ['duplicate cluster', 'clusters:\n  - { name: b, coordinators: [{ name: a, url: "http://x:1" }] }\n  - { name: b, coordinators: [{ name: c, url: "http://x:2" }] }', [['/clusters/1/name', /duplicate cluster name "b"/]]],
  ['duplicate coordinator in a cluster', 'clusters: [{ name: b, coordinators: [{ name: a, url: "http://x:1" }, { name: a, url: "http://x:2" }] }]', [['/clusters/0/coordinators/1/name', /duplicate coordinator name "a"/]]],
  ['coordinator name reused across clusters', 'clusters:\n  - { name: b, coordinators: [{ name: a, url: "http://x:1" }] }\n  - { name: g, coordinators: [{ name: a, url: "http://x:2" }] }', [['/clusters/1/coordinators/0/name', /already used in cluster "b"/]]],
  ['bad regex', `routing: { rules: [{ name: r, match: { user: "^(etl" }, group: adhoc }] }\n${cluster()}`, [['/routing/rules/0/match/user', /invalid regular expression/]]],
  ['rule without effect', `routing: { rules: [{ name: r, match: { user: "x" } }] }\n${cluster()}`, [['/routing/rules/0', /needs a group, a mode or both/]]],
  ['rule to a group with no cluster', `routing: { rules: [{ name: r, match: { user: "x" }, group: etl }] }\n${cluster()}`, [['/routing/rules/0/group', /no cluster is in group "etl"/]]],
  ['default group with no cluster', `routing: { defaultGroup: other }\n${cluster('group: adhoc')}`, [['/routing/defaultGroup', /no cluster is in group "other"/]]],
  ['discovery port clash', 'clusters:\n  - { name: b, discovery: { port: 8411 }, coordinators: [{ name: a, url: "http://x:1" }] }\n  - { name: g, discovery: { port: 8411 }, coordinators: [{ name: c, url: "http://x:2" }] }', [['/clusters/1/discovery/port', /already used/]]],
  ['discovery port = server port', 'clusters: [{ name: b, discovery: { port: 8080 }, coordinators: [{ name: a, url: "http://x:1" }] }]', [['/clusters/0/discovery/port', /already used by \/server\/port/]]],
  ['short admin token', 'admin: { tokens: [{ name: a, token: short, role: admin }] }', [['/admin/tokens/0/token', /at least 16 characters/]]],
  ['bad role', 'admin: { tokens: [{ name: a, token: "0123456789abcdef", role: root }] }', [['/admin/tokens/0/role', /one of "admin", "viewer"/]]],
  ['redis without url', 'store: { redis: { keyPrefix: "x:" } }', [['/store/redis', /needs url or sentinels/]]],
  ['sentinels without name', 'store: { redis: { sentinels: [{ host: s, port: 26379 }] } }', [['/store/redis/name', /is required with sentinels/]]],
  ['negative weight', cluster('weight: -1'), [['/clusters/0/weight', /./]]],
  ['port out of range', 'server: { port: 70000 }', [['/server/port', /./]]],
  ['not a mapping', '- a\n- b', [['/', /must be a mapping/]]],
  ['YAML syntax error', 'server: {port: 1', [['line 1', /./]]],
  ['duplicate YAML key', 'server: {}\nserver: {}', [['line', /unique|duplicate/i]]]
]

for (const [name, yaml, expected] of bad) {
  test(`rejects: ${name}`, () => {
    const issues = issuesOf(yaml)
    assert.ok(issues.length > 0, 'expected errors')
    for (const [path, re] of expected) {
      const hit = issues.find((i) => i.path.startsWith(path) && re.test(i.message))
      assert.ok(hit, `no issue at ${path} matching ${re}; got ${JSON.stringify(issues)}`)
    }
  })
}

test('every error is reported at once, each with its path', () => {
  const issues = issuesOf(`
servr: 1
routing: { mode: x }
clusters: [{ name: b, flavor: y, coordinators: [{ name: a, url: "nope" }] }]
`)
  const paths = issues.map((i) => i.path).sort()
  assert.deepEqual(paths, ['/clusters/0/coordinators/0/url', '/clusters/0/flavor', '/routing/mode', '/servr'])
})

test('a missing file is an error with the file name', () => {
  assert.throws(() => loadConfigFile('/nonexistent/phg.yaml', {}), (err: unknown) =>
    err instanceof ConfigError && err.source === '/nonexistent/phg.yaml' && /cannot read file/.test(err.message))
})

test('validateCluster applies the same schema to one cluster document', () => {
  const c = validateCluster({ name: 'x', coordinators: [{ name: 'x-a', url: 'http://127.0.0.1:1/' }] }, 'adhoc')
  assert.equal(c.coordinators[0]?.url, 'http://127.0.0.1:1')
  assert.throws(() => validateCluster({ name: 'x', coordinators: [], extra: 1 }, 'adhoc'), (err: unknown) =>
    err instanceof ConfigError && err.issues.some((i) => i.path === '/extra'))
})
