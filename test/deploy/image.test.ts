// The container image, checked without a Docker engine: the Dockerfile's stages and runtime
// settings, that its build context (.dockerignore) holds what it copies, that the production
// install has every package src/ imports at run time (no tsx, no devDependencies), and that the
// HEALTHCHECK script tells a live gateway from a dead one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { builtinModules } from 'node:module'
import { join, relative } from 'node:path'
import { once } from 'node:events'
import { repoRoot, loadCompose } from './compose-model.js'

interface Instruction { op: string, args: string }
interface Stage { from: string, name: string | undefined, instructions: Instruction[] }

function parseDockerfile (text: string): { args: Map<string, string>, stages: Stage[] } {
  const args = new Map<string, string>()
  const stages: Stage[] = []
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  for (const line of logical) {
    const sp = line.indexOf(' ')
    const op = line.slice(0, sp).toUpperCase()
    const rest = line.slice(sp + 1).trim()
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)
      assert.ok(m !== null, `FROM ${rest}`)
      stages.push({ from: m[1] ?? '', name: m[2], instructions: [] })
    } else if (stages.length === 0 && op === 'ARG') {
      const [k = '', v = ''] = rest.split('=')
      args.set(k, v)
    } else {
      stages.at(-1)?.instructions.push({ op, args: rest })
    }
  }
  return { args, stages }
}

const dockerfile = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string>, dependencies: Record<string, string>, devDependencies: Record<string, string> }

const runtime = dockerfile.stages.at(-1)
const build = dockerfile.stages[0]
const all = (stage: Stage | undefined, op: string): string[] => (stage?.instructions ?? []).filter((i) => i.op === op).map((i) => i.args)

test('Dockerfile: a pinned Node LTS base, a build stage with dev dependencies, a runtime stage with production ones only', () => {
  assert.ok(dockerfile.stages.length >= 2, 'multi-stage')
  const image = (from: string): string => from.replace(/^\$\{?(\w+)\}?$/, (_w, a: string) => dockerfile.args.get(a) ?? from)
  for (const s of dockerfile.stages) {
    const m = /^node:(\d+)[-.]/.exec(image(s.from))
    assert.ok(m !== null, `${s.from} → ${image(s.from)}: a node image with a version tag`)
    assert.equal(Number(m[1]) % 2, 0, `${image(s.from)}: an LTS (even) Node major`)
    assert.ok(Number(m[1]) >= 22, `${image(s.from)}: a current LTS`)
  }
  assert.ok(all(build, 'RUN').some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)), 'build stage: npm ci with dev dependencies')
  assert.ok(all(build, 'RUN').some((r) => /\bnpm run build\b/.test(r)), 'build stage: npm run build')
  assert.ok(all(runtime, 'RUN').some((r) => /\bnpm ci\b.*--omit=dev/.test(r)), 'runtime stage: npm ci --omit=dev')
  assert.ok(!all(runtime, 'RUN').some((r) => /npm (run build|install(?!.*--omit=dev))|\btsx\b|\btsc\b/.test(r)), 'runtime stage: no compiler, no dev install')
  const fromBuild = all(runtime, 'COPY').filter((c) => c.startsWith(`--from=${build?.name ?? ''}`))
  assert.deepEqual(fromBuild.map((c) => c.split(/\s+/)[1]), ['/src/dist/src'], 'runtime takes only dist/src from the build stage')
})

test('Dockerfile: non-root, config from GATEWAY_CONFIG=/etc/phg/gateway.yaml, ENTRYPOINT the CLI, HEALTHCHECK on /livez with node', () => {
  const user = all(runtime, 'USER').at(-1)
  assert.ok(user !== undefined && !/^(root|0)(:|$)/.test(user), `runtime USER ${user ?? '(none)'} is not root`)
  const env = all(runtime, 'ENV').join(' ')
  assert.match(env, /GATEWAY_CONFIG=\/etc\/phg\/gateway\.yaml/)
  assert.match(env, /PHG_HEALTH_URL=http:\/\/127\.0\.0\.1:8080\/livez/)
  const entry = JSON.parse(all(runtime, 'ENTRYPOINT').at(-1) ?? 'null') as string[]
  assert.equal(entry[0], 'node')
  assert.equal(entry[1], '/app/' + (pkg.bin['presto-ha-gateway'] ?? '').replace(/^\.\//, ''), 'ENTRYPOINT runs the package bin, so `docker run IMAGE check-config FILE` is the CLI')
  assert.equal(all(runtime, 'WORKDIR').at(-1), '/app')
  const hc = all(runtime, 'HEALTHCHECK').at(-1) ?? ''
  const cmd = JSON.parse(hc.slice(hc.indexOf('CMD') + 3).trim()) as string[]
  assert.deepEqual(cmd, ['node', '/app/healthcheck.mjs'])
  assert.ok(all(runtime, 'COPY').includes('deploy/docker/healthcheck.mjs ./healthcheck.mjs'), 'the health check script is in the image at /app/healthcheck.mjs')
  // compose runs the same health check command in both deployments
  for (const file of ['docker-compose.yml', 'docker-compose.presto.yml']) {
    for (const s of loadCompose(file).services.values()) {
      if (s.build || s.image === 'presto-ha-gateway:local') assert.deepEqual(s.healthcheck, ['CMD', ...cmd], `${file} ${s.name}`)
    }
  }
})

test('.dockerignore lets in what the Dockerfile copies and nothing heavy or secret', () => {
  const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  assert.equal(patterns[0], '*', 'an allow-list: everything is excluded first')
  const allowed = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1).replace(/\/$/, ''))
  const included = (path: string): boolean => allowed.some((a) => path === a || path.startsWith(a + '/'))
  for (const stage of dockerfile.stages) {
    for (const c of all(stage, 'COPY').filter((x) => !x.startsWith('--from'))) {
      const words = c.split(/\s+/).filter((w) => !w.startsWith('--'))
      for (const src of words.slice(0, -1)) {
        const path = src.replace(/^\.\//, '')
        assert.ok(existsSync(join(repoRoot, path)), `COPY ${src}: exists`)
        assert.ok(included(path), `COPY ${src}: allowed by .dockerignore`)
      }
    }
  }
  for (const p of ['node_modules', 'dist', '.git', 'test', 'bench', 'deploy/gateway/gateway.yaml', '.env']) assert.ok(!included(p), `${p} stays out of the build context`)
})

// --- run-time imports vs dependencies --------------------------------------------------------

function sourceFiles (dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : []
  })
}

/** Package names src/ loads at run time: value imports, re-exports and dynamic imports; `import type` is erased. */
function runtimeImports (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs: string[] = []
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'/gm)) {
    if (m[2] !== undefined) continue
    if (m[1] === 'import' && /^\{[^}]*\}$/.test(m[3] ?? '') && (m[3] ?? '').slice(1, -1).split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))) continue
    specs.push(m[4] ?? '')
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) specs.push(m[1] ?? '')
  for (const m of text.matchAll(/\bawait\s+import\(\s*'([^']+)'\s*\)/g)) specs.push(m[1] ?? '')
  return specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0] ?? s)
}

test('every package src/ imports at run time is a dependency (the image installs --omit=dev)', () => {
  const files = sourceFiles(join(repoRoot, 'src'))
  assert.ok(files.length > 20)
  const problems: string[] = []
  for (const f of files) {
    for (const name of runtimeImports(f)) {
      if (pkg.dependencies[name] !== undefined) continue
      problems.push(`${relative(repoRoot, f)} imports ${name}, which is ${pkg.devDependencies[name] !== undefined ? 'only a devDependency' : 'not in package.json'}`)
    }
  }
  assert.deepEqual(problems, [])
})

// --- the HEALTHCHECK script ------------------------------------------------------------------

async function runHealthcheck (url: string): Promise<{ code: number | null, stderr: string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'deploy/docker/healthcheck.mjs')], { env: { PHG_HEALTH_URL: url }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  return { code, stderr }
}

async function listen (status: () => number): Promise<{ server: Server, url: string, paths: string[] }> {
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    res.writeHead(status(), { 'content-type': 'application/json' }).end('{}')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  assert.ok(address !== null && typeof address === 'object')
  return { server, url: `http://127.0.0.1:${address.port}`, paths }
}

test('healthcheck.mjs: exit 0 on 200 from the URL, 1 on another status, on a refused connection or a hang', async (t) => {
  let status = 200
  const live = await listen(() => status)
  t.after(() => { live.server.close() })
  assert.equal((await runHealthcheck(`${live.url}/livez`)).code, 0)
  assert.deepEqual(live.paths, ['/livez'])
  status = 503
  const down = await runHealthcheck(`${live.url}/livez`)
  assert.equal(down.code, 1)
  assert.match(down.stderr, /status 503/)

  const closed = await listen(() => 200)
  const closedUrl = closed.url
  closed.server.close()
  await once(closed.server, 'close')
  const refused = await runHealthcheck(`${closedUrl}/livez`)
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /ECONNREFUSED/)

  const hang = createServer(() => {})
  hang.listen(0, '127.0.0.1')
  await once(hang, 'listening')
  t.after(() => { hang.closeAllConnections(); hang.close() })
  const address = hang.address()
  assert.ok(address !== null && typeof address === 'object')
  const started = Date.now()
  const hung = await runHealthcheck(`http://127.0.0.1:${address.port}/livez`)
  assert.equal(hung.code, 1)
  // Its own 3 s timeout, plus node's start on a busy machine: it never waits for Docker to kill it.
  assert.ok(Date.now() - started < 10_000, 'gives up on its own')
})
