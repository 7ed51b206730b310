// The seed's coordinator-HA recipe: HAProxy in front of a cluster's coordinators, the first one a
// normal server, the others `backup`, checked with `inter 1s fall 2 rise 2`; workers' discovery.uri
// points at the same front, so only the live primary receives announcements. Debian's haproxy,
// installed with apt-get when missing (or the HAProxy rows are skipped, with the reason).
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, runDir, spawnProc, sleep, type Proc } from './procs.js'
import { CORE_UNDER_TEST } from './topology.js'

export interface HaproxyAvailability { ok: boolean, version: string, note: string }

function haproxyVersion (): string | undefined {
  const r = spawnSync('haproxy', ['-v'], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  return /HAProxy version (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.split('\n')[0]
}

/**
 * Installs a Debian package with apt-get when `present()` says it is missing (root, or password-less
 * sudo; bounded to 5 minutes). Undefined when it is there (now), else why not.
 */
export function aptInstall (pkg: string, present: () => boolean, log: (s: string) => void): string | undefined {
  if (present()) return undefined
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) return `${pkg} is not installed and apt-get is not available to install it`
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  if (!root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) return `${pkg} is not installed and apt-get needs root (no password-less sudo)`
  log(`installing ${pkg} with apt-get (bounded to 5 minutes)...`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const run = (args: string[]): number | null => {
    const [cmd, ...rest] = root ? args : ['sudo', '-n', ...args]
    return spawnSync(cmd ?? 'apt-get', rest, { stdio: 'ignore', env, timeout: 300_000 }).status
  }
  run(['apt-get', 'update', '-q'])
  const status = run(['apt-get', 'install', '-y', '-q', pkg])
  if (status === 0 && present()) return undefined
  return `apt-get install ${pkg} failed (exit ${String(status)})`
}

/** haproxy on PATH, or installed now with apt-get; otherwise why the HAProxy rows are skipped. */
export function ensureHaproxy (log: (s: string) => void): HaproxyAvailability {
  const had = haproxyVersion()
  if (had !== undefined) return { ok: true, version: had, note: `HAProxy ${had} (Debian package, already installed)` }
  const problem = aptInstall('haproxy', () => haproxyVersion() !== undefined, log)
  const now = haproxyVersion()
  if (problem === undefined && now !== undefined) return { ok: true, version: now, note: `HAProxy ${now} (Debian package, installed by this run with apt-get)` }
  return { ok: false, version: '', note: `HAProxy rows skipped: ${problem ?? 'haproxy missing'}` }
}

export interface Haproxy extends Proc { url: string, port: number, config: string }

/**
 * One HAProxy process (single thread, on the core under test) with the recipe's backend: the first
 * coordinator normal, the rest backup, `check inter 1s fall 2 rise 2` with an HTTP check of
 * /v1/info. Plain HTTP keep-alive on both sides, default retries (3).
 */
export async function startHaproxy (name: string, coordinators: Array<{ name: string, port: number }>): Promise<Haproxy> {
  const port = await freePort()
  const servers = coordinators.map((c, i) => `  server ${c.name} 127.0.0.1:${c.port} check inter 1s fall 2 rise 2${i > 0 ? ' backup' : ''}`)
  const config = [
    'global',
    '  nbthread 1',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 65s',
    `frontend ${name}`,
    `  bind 127.0.0.1:${port}`,
    '  default_backend coordinators',
    'backend coordinators',
    '  option httpchk GET /v1/info',
    '  http-check expect status 200',
    ...servers,
    ''
  ].join('\n')
  const file = join(runDir(), `${name}.cfg`)
  writeFileSync(file, config)
  const check = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`haproxy rejects its config: ${check.stdout}${check.stderr}`)
  const proc = spawnProc('haproxy', ['-db', '-f', file], { name, core: CORE_UNDER_TEST })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      const res = await fetch(`${url}/v1/info`, { signal: AbortSignal.timeout(1000) })
      await res.arrayBuffer()
      if (res.status === 200) break
    } catch { /* not yet */ }
    if (!proc.alive()) throw new Error(`haproxy exited: ${proc.log()}`)
    if (Date.now() > deadline) throw new Error(`haproxy not answering on ${url}: ${proc.log()}`)
    await sleep(50)
  }
  return Object.assign(proc, { url, port, config })
}
