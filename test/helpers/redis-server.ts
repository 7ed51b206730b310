// A real redis-server for tests: started on a free loopback port, never a mock.
//
// Every server is killed when the test process exits, however it exits: a synchronous 'exit' hook
// kills the servers still running, and a tiny watchdog shell per server (reading a pipe from this
// process) kills its server when that pipe closes — which also happens when this process is
// SIGKILLed or crashes before its 'exit' hook runs.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface StartRedisOptions {
  /** redis-server binary (default: $REDIS_SERVER or `redis-server` on PATH) */
  bin?: string
  /** extra command-line arguments, e.g. ['--requirepass', 'secret'] */
  args?: string[]
  /** bound on waiting for "Ready to accept connections" (default 10 s) */
  startTimeoutMs?: number
}

export interface RestartOptions {
  /** true (default): comes back empty. false: saves a snapshot first (SHUTDOWN SAVE) and loads it. */
  empty?: boolean
}

export interface RedisServer {
  /** redis://127.0.0.1:PORT (no credentials) */
  readonly url: string
  readonly port: number
  readonly host: string
  /** pid of the running redis-server (changes on restart); undefined while stopped */
  readonly pid: number | undefined
  /** kills the server (SIGTERM, then SIGKILL after a bound) and waits for it to exit; idempotent */
  stop(): Promise<void>
  /** stops it if running, then starts it again on the same port */
  restart(opts?: RestartOptions): Promise<void>
  /** SIGSTOP: the server keeps its connections but answers nothing (a hung Redis) */
  pause(): void
  /** SIGCONT */
  resume(): void
}

const running = new Set<ChildProcess>()
const dirs = new Set<string>()
let exitHookInstalled = false

function installExitHook (): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of running) {
      try { child.kill('SIGKILL') } catch { /* already gone */ }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })
}

async function freePort (host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => { resolve(port) })
    })
  })
}

function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => { child.once('exit', () => { resolve() }) })
}

class StartError extends Error {
  constructor (message: string, readonly addressInUse: boolean) { super(message) }
}

interface Spawned { child: ChildProcess, watchdog: ChildProcess }

/** Spawns redis-server and resolves once it logs that it accepts connections. */
async function spawnRedis (bin: string, args: string[], timeoutMs: number, readyPattern = /Ready to accept connections/): Promise<Spawned> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.once('exit', () => { running.delete(child) })
  let output = ''
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup()
        reject(new StartError(`redis-server not ready after ${timeoutMs} ms:\n${output}`, false))
      }, timeoutMs)
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8')
        if (readyPattern.test(output)) {
          cleanup()
          resolve()
        }
      }
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        cleanup()
        reject(new StartError(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`, /already in use|Address in use/i.test(output)))
      }
      const onError = (err: Error): void => {
        cleanup()
        reject(new StartError(`cannot start ${bin}: ${err.message}`, false))
      }
      function cleanup (): void {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.stderr?.off('data', onData)
        child.off('exit', onExit)
        child.off('error', onError)
      }
      child.stdout?.on('data', onData)
      child.stderr?.on('data', onData)
      child.once('exit', onExit)
      child.once('error', onError)
    })
  } catch (err) {
    child.kill('SIGKILL')
    await exited(child)
    throw err
  }
  // Keep draining the logs so a chatty server never blocks on a full pipe.
  child.stdout?.resume()
  child.stderr?.resume()
  // Streams and the child must not keep the test process alive.
  child.unref()
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.()

  // Watchdog: `cat` returns when its stdin (a pipe held by this process) closes, i.e. when this
  // process dies for any reason; then the server is killed.
  const watchdog = spawn('sh', ['-c', `cat >/dev/null; kill -9 ${String(child.pid)} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'] })
  watchdog.on('error', () => { /* best effort */ })
  watchdog.stdin?.on('error', () => { /* best effort */ })
  watchdog.unref()
  ;(watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  return { child, watchdog }
}

/** Sends one RESP command on a raw socket and resolves when the server answers or closes. */
async function rawCommand (host: string, port: number, args: string[], password?: string): Promise<void> {
  const encode = (parts: string[]): string => `*${parts.length}\r\n` + parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, host)
    socket.setTimeout(5000, () => { socket.destroy() })
    socket.on('error', () => { resolve() })
    socket.on('close', () => { resolve() })
    socket.on('connect', () => {
      socket.write((password !== undefined ? encode(['AUTH', password]) : '') + encode(args))
    })
    socket.on('data', () => { /* SHUTDOWN answers by closing */ })
  })
}

export async function startRedis (opts: StartRedisOptions = {}): Promise<RedisServer> {
  installExitHook()
  const bin = opts.bin ?? process.env.REDIS_SERVER ?? 'redis-server'
  const host = '127.0.0.1'
  const startTimeoutMs = opts.startTimeoutMs ?? 10_000
  const extra = opts.args ?? []
  const passwordIndex = extra.indexOf('--requirepass')
  const password = passwordIndex >= 0 ? extra[passwordIndex + 1] : undefined
  const dir = mkdtempSync(join(tmpdir(), 'phg-redis-'))
  dirs.add(dir)
  const argsFor = (port: number): string[] => [
    '--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no',
    '--dir', dir, '--dbfilename', 'dump.rdb', '--daemonize', 'no', ...extra
  ]

  let port = 0
  let current: Spawned | undefined
  for (let attempt = 1; ; attempt++) {
    port = await freePort(host)
    try {
      current = await spawnRedis(bin, argsFor(port), startTimeoutMs)
      break
    } catch (err) {
      // Another process may have taken the free port between our probe and the spawn.
      if (!(err instanceof StartError && err.addressInUse) || attempt >= 5) {
        rmSync(dir, { recursive: true, force: true })
        dirs.delete(dir)
        throw err
      }
    }
  }

  async function stopCurrent (): Promise<void> {
    const spawned = current
    if (spawned === undefined) return
    current = undefined
    spawned.watchdog.kill('SIGKILL')
    const { child } = spawned
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT')
      child.kill('SIGTERM')
      const timer = setTimeout(() => { child.kill('SIGKILL') }, 5000)
      await exited(child)
      clearTimeout(timer)
    }
  }

  const server: RedisServer = {
    url: `redis://${host}:${port}`,
    port,
    host,
    get pid () { return current?.child.pid },
    async stop () {
      await stopCurrent()
      rmSync(dir, { recursive: true, force: true })
      dirs.delete(dir)
    },
    async restart (restartOpts: RestartOptions = {}) {
      const empty = restartOpts.empty ?? true
      if (!empty && current !== undefined) {
        current.child.kill('SIGCONT')
        const { child } = current
        await rawCommand(host, port, ['SHUTDOWN', 'SAVE'], password)
        await Promise.race([exited(child), new Promise((resolve) => setTimeout(resolve, 5000).unref())])
      }
      await stopCurrent()
      mkdirSync(dir, { recursive: true })
      dirs.add(dir)
      if (empty) rmSync(join(dir, 'dump.rdb'), { force: true })
      current = await spawnRedis(bin, argsFor(port), startTimeoutMs)
    },
    pause () { current?.child.kill('SIGSTOP') },
    resume () { current?.child.kill('SIGCONT') }
  }
  return server
}

export interface StartSentinelOptions {
  /** port of the master to monitor (on 127.0.0.1) */
  masterPort: number
  /** master group name (default "mymaster") */
  name?: string
  /** sentinel down-after-milliseconds (default 1000) */
  downAfterMs?: number
  /** sentinel failover-timeout (default 3000) */
  failoverTimeoutMs?: number
  bin?: string
  startTimeoutMs?: number
}

export interface SentinelServer {
  readonly host: string
  readonly port: number
  readonly name: string
  stop(): Promise<void>
}

/** A real Redis Sentinel (quorum 1) monitoring one master, on a free loopback port. */
export async function startSentinel (opts: StartSentinelOptions): Promise<SentinelServer> {
  installExitHook()
  const bin = opts.bin ?? process.env.REDIS_SERVER ?? 'redis-server'
  const host = '127.0.0.1'
  const name = opts.name ?? 'mymaster'
  const dir = mkdtempSync(join(tmpdir(), 'phg-sentinel-'))
  dirs.add(dir)
  const conf = join(dir, 'sentinel.conf')
  let spawned: Spawned | undefined
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await freePort(host)
    // Sentinel rewrites its config file, so it gets one of its own.
    writeFileSync(conf, [
      `port ${port}`,
      `bind ${host}`,
      `dir ${dir}`,
      `sentinel monitor ${name} ${host} ${opts.masterPort} 1`,
      `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} ${opts.failoverTimeoutMs ?? 3000}`,
      ''
    ].join('\n'))
    try {
      spawned = await spawnRedis(bin, [conf, '--sentinel'], opts.startTimeoutMs ?? 10_000, /\+monitor master/)
      break
    } catch (err) {
      if (!(err instanceof StartError && err.addressInUse) || attempt >= 5) {
        rmSync(dir, { recursive: true, force: true })
        dirs.delete(dir)
        throw err
      }
    }
  }
  return {
    host,
    port,
    name,
    async stop () {
      const current = spawned
      spawned = undefined
      if (current !== undefined) {
        current.watchdog.kill('SIGKILL')
        const { child } = current
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM')
          const timer = setTimeout(() => { child.kill('SIGKILL') }, 5000)
          await exited(child)
          clearTimeout(timer)
        }
      }
      rmSync(dir, { recursive: true, force: true })
      dirs.delete(dir)
    }
  }
}
