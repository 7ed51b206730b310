// `docker-compose config` (Debian's docker-compose package; .ci/run installs it) validates both
// compose files against the compose schema and resolves them, with no Docker engine: this is as
// far as compose itself can be run here. Missing docker-compose is a failure, not a skip.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { parse } from 'yaml'
import { profiles, repoRoot, loadCompose } from './compose-model.js'

const INSTALL_HINT = 'docker-compose is not installed: apt-get install docker-compose (bash .ci/run installs it when missing)'

function dockerCompose (args: string[]): { status: number | null, stdout: string, stderr: string } {
  // Only PATH and HOME: the files must resolve with their own defaults, not with a developer's shell.
  const r = spawnSync('docker-compose', args, {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME }
  })
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') assert.fail(INSTALL_HINT)
  if (r.error !== undefined) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

test('docker-compose is installed', () => {
  const r = dockerCompose(['version'])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /compose version/i)
})

for (const { composeFile } of profiles) {
  test(`docker-compose config validates ${composeFile}, with no warning and every variable defaulted`, () => {
    const r = dockerCompose(['-f', composeFile, 'config'])
    assert.equal(r.status, 0, `docker-compose -f ${composeFile} config failed:\n${r.stderr}`)
    assert.doesNotMatch(r.stderr, /warn|not set/i, r.stderr)

    const resolved = parse(r.stdout) as { services: Record<string, { volumes?: string[], image?: string, build?: unknown }> }
    const ours = loadCompose(composeFile)
    assert.deepEqual(Object.keys(resolved.services).sort(), [...ours.services.keys()].sort(), 'docker-compose sees the services the tests read')
    for (const [name, s] of Object.entries(resolved.services)) {
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0] ?? '' : String((v as { source?: string }).source)
        assert.ok(existsSync(source), `${name}: mount source ${source} exists`)
      }
      assert.ok(s.image !== undefined, `${name}: has an image name`)
    }
  })
}
