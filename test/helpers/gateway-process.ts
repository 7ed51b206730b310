// A gateway as a child process (`node --import tsx src/server.ts --config FILE`), for tests that need
// several replicas with separate event loops and source addresses. Its pino JSON lines are parsed
// and kept; tests wait on them. The child is killed when the test process exits, however it exits
// (an 'exit' hook, and a watchdog shell per child that kills it when this process's pipe closes).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export interface LogLine {
  level: number
  msg: string
  time: number
  [field: string]: unknown
}

export interface GatewayProcess {
  readonly name: string
  /** http://127.0.0.1:PORT */
  readonly url: string
  readonly port: number
  readonly pid: number | undefined
  /** bound port of each cluster's discovery listener */
  readonly discoveryPorts: ReadonlyMap<string, number>
  /** every JSON log line so far */
  readonly logs: readonly LogLine[]
  /** resolves with the first line (already logged or to come) that matches; rejects after timeoutMs */
  waitForLog: (predicate: (l: LogLine) => boolean, what: string, timeoutMs?: number, since?: number) => Promise<LogLine>
  /** GET a path of the gateway, text */
  get: (path: string) => Promise<{ status: number, body: string }>
  /** a gauge/counter value from /metrics, e.g. metric('phg_cluster_epoch', { cluster: 'blue' }) */
  metric: (name: string, labels?: Record<string, string>) => Promise<number | undefined>
  /** SIGKILL, and waits for the exit */
  kill: () => Promise<void>
  /** SIGTERM (SIGKILL after a bound), and waits for the exit */
  stop: () => Promise<void>
}

const children = new Set<ChildProcess>()
let hookInstalled = false

function installExitHook (): void {
  if (hookInstalled) return
  hookInstalled = true
  process.on('exit', () => {
    for (const child of children) {
      try { child.kill('SIGKILL') } catch { /* gone */ }
    }
  })
}

function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => { child.once('exit', () => { resolve() }) })
}

export interface StartGatewayProcessOptions {
  name?: string
  /** bound on waiting for "Server listening" (default 30 s: tsx compiles on a busy 2-core box) */
  startTimeoutMs?: number
  env?: Record<string, string>
  /** also echo the child's lines to stderr (debugging) */
  echo?: boolean
}

/** Writes `config` (any object the config schema accepts) to a temp file and starts a gateway on it. */
export async function startGatewayProcess (config: Record<string, unknown>, opts: StartGatewayProcessOptions = {}): Promise<GatewayProcess> {
  installExitHook()
  const name = opts.name ?? 'gateway'
  const dir = mkdtempSync(join(tmpdir(), 'phg-gw-'))
  const file = join(dir, 'config.yaml')
  // YAML is a superset of JSON.
  writeFileSync(file, JSON.stringify(config, null, 2))
  const root = resolve(import.meta.dirname, '../..')
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', '--config', file], {
    cwd: root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.add(child)
  const watchdog = spawn('sh', ['-c', `cat >/dev/null; kill -9 ${String(child.pid)} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'] })
  watchdog.on('error', () => {})
  watchdog.stdin?.on('error', () => {})
  watchdog.unref()
  ;(watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  child.once('exit', () => {
    children.delete(child)
    watchdog.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  const logs: LogLine[] = []
  const waiters = new Set<() => void>()
  let stderr = ''
  let partial = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => {
    partial += chunk
    let nl: number
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl)
      partial = partial.slice(nl + 1)
      if (opts.echo === true) process.stderr.write(`[${name}] ${line}\n`)
      try {
        const doc = JSON.parse(line) as LogLine
        if (typeof doc === 'object' && doc !== null) logs.push(doc)
      } catch { /* not JSON */ }
    }
    for (const w of [...waiters]) w()
  })
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
    if (opts.echo === true) process.stderr.write(`[${name}!] ${chunk}`)
  })

  const waitForLog = async (predicate: (l: LogLine) => boolean, what: string, timeoutMs = 10_000, since = 0): Promise<LogLine> => {
    const find = (): LogLine | undefined => logs.find((l, i) => i >= since && predicate(l))
    const found = find()
    if (found !== undefined) return found
    return await new Promise((resolve, reject) => {
      const check = (): void => {
        const l = find()
        if (l === undefined) return
        done()
        resolve(l)
      }
      const onExit = (): void => {
        done()
        reject(new Error(`${name} exited (${String(child.exitCode ?? child.signalCode)}) while waiting for: ${what}\n${stderr}`))
      }
      const timer = setTimeout(() => {
        done()
        const tail = logs.slice(-12).map((l) => `  ${JSON.stringify(l)}`).join('\n')
        reject(new Error(`${name}: timed out after ${timeoutMs} ms waiting for: ${what}\nlast log lines:\n${tail}`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        waiters.delete(check)
        child.off('exit', onExit)
      }
      waiters.add(check)
      child.once('exit', onExit)
    })
  }

  let listening: LogLine
  try {
    // The discovery listeners log the same message with a component field.
    listening = await waitForLog((l) => l.component === undefined && typeof l.msg === 'string' && l.msg.startsWith('Server listening at http://127.0.0.1:'), 'Server listening', opts.startTimeoutMs ?? 30_000)
  } catch (err) {
    child.kill('SIGKILL')
    await exited(child)
    throw err
  }
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening.msg)?.[1] ?? ''
  const discoveryPorts = new Map<string, number>()
  for (const l of logs) {
    if (l.msg === 'discovery proxy listening' && typeof l.cluster === 'string' && typeof l.port === 'number') discoveryPorts.set(l.cluster, l.port)
  }

  const get = async (path: string): Promise<{ status: number, body: string }> => {
    const res = await fetch(url + path, { signal: AbortSignal.timeout(5000) })
    return { status: res.status, body: await res.text() }
  }

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
    await exited(child)
    clearTimeout(timer)
  }

  return {
    name,
    url,
    port: Number(new URL(url).port),
    get pid () { return child.pid },
    discoveryPorts,
    logs,
    waitForLog,
    get,
    metric: async (metricName, labels = {}) => metricValue((await get('/metrics')).body, metricName, labels),
    kill: async () => { await stopWith('SIGKILL') },
    stop: async () => { await stopWith('SIGTERM') }
  }
}

/** The value of the first sample of `name` whose labels include `labels`, from Prometheus text. */
export function metricValue (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    const have = new Map<string, string>()
    for (const pair of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have.set(pair[1] ?? '', pair[2] ?? '')
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[4])
  }
  return undefined
}
