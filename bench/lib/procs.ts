// Child processes of a benchmark run: every gateway, emulator, baseline, load generator, HAProxy and
// Redis runs in a process of its own, optionally pinned to a core with `taskset`, its output written
// to a log file of the run (never piped back, so a chatty process never waits on us).
//
// Every child is killed when the run ends, however it ends: killAll() on normal exit, on SIGINT /
// SIGTERM and on an uncaught error (installCleanup), a synchronous SIGKILL from the 'exit' hook,
// and a watchdog shell per child that SIGKILLs it when this process's pipe closes — which also
// happens when the orchestrator itself is SIGKILLed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')

let dir: string | undefined
/** The run's scratch directory (logs, configs, profiles). */
export function runDir (): string {
  dir ??= mkdtempSync(join(tmpdir(), 'phg-bench-'))
  return dir
}

let pinnable: boolean | undefined
/** taskset exists, works here, and there are at least two cores to separate. */
export function canPin (): boolean {
  if (pinnable === undefined) {
    const r = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
    pinnable = r.status === 0 && cpuCount() >= 2
  }
  return pinnable
}

export function cpuCount (): number {
  const online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim()
  let n = 0
  for (const part of online.split(',')) {
    const [a, b] = part.split('-').map(Number)
    n += b === undefined ? 1 : b - (a ?? 0) + 1
  }
  return n
}

export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

export interface SpawnOptions {
  name: string
  /** pin to this core with taskset (when canPin()) */
  core?: number | undefined
  env?: Record<string, string>
  /** an IPC channel (node children only) */
  ipc?: boolean
}

export interface Proc {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  readonly logFile: string
  alive: () => boolean
  /** the log so far */
  log: () => string
  /** resolves with the first match of re in the log (from byte `from`); rejects on timeout or exit */
  waitForLog: (re: RegExp, timeoutMs: number, from?: number) => Promise<RegExpExecArray>
  /** bytes logged so far */
  logSize: () => number
  /** SIGTERM, SIGKILL after graceMs; resolves once it exited */
  stop: (graceMs?: number) => Promise<void>
  exited: Promise<void>
}

const live = new Set<Proc>()
const watchdogs = new Map<Proc, ChildProcess>()

/** Spawns `cmd args` with stdout and stderr appended to `{runDir}/{name}.log`. */
export function spawnProc (cmd: string, args: string[], opts: SpawnOptions): Proc {
  // One log per process: a name used again (a scenario's second run) gets -2, -3, ...
  let logFile = join(runDir(), `${opts.name}.log`)
  for (let n = 2; existsSync(logFile); n++) logFile = join(runDir(), `${opts.name}-${n}.log`)
  const fd = openSync(logFile, 'wx')
  const pin = opts.core !== undefined && canPin()
  const file = pin ? 'taskset' : cmd
  const argv = pin ? ['-c', String(opts.core), cmd, ...args] : args
  const stdio: Array<'ignore' | 'ipc' | number> = ['ignore', fd, fd]
  if (opts.ipc === true) stdio.push('ipc')
  // taskset execs the command: the pid is the command's.
  const child = spawn(file, argv, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio })
  closeSync(fd)
  if (child.pid === undefined) throw new Error(`cannot start ${opts.name} (${cmd})`)
  const pid = child.pid
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => { resolve() })
  })
  child.on('error', () => {})
  const proc: Proc = {
    name: opts.name,
    pid,
    child,
    logFile,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    log: () => readLog(logFile),
    waitForLog: async (re, timeoutMs, from = 0) => await waitForLog(proc, re, timeoutMs, from),
    logSize: () => {
      try {
        return statSync(logFile).size
      } catch {
        return 0
      }
    },
    stop: async (graceMs = 3000) => {
      if (proc.alive()) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => { child.kill('SIGKILL') }, graceMs)
        await exited
        clearTimeout(timer)
      }
      forget(proc)
    }
  }
  live.add(proc)
  exited.then(() => { forget(proc) }, () => {})
  // Watchdog: `cat` returns when its stdin (a pipe this process holds) closes, i.e. when this
  // process dies for any reason; then the child is killed.
  const dog = spawn('sh', ['-c', `cat >/dev/null; kill -9 ${pid} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'] })
  dog.on('error', () => {})
  dog.stdin?.on('error', () => {})
  dog.unref()
  ;(dog.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  watchdogs.set(proc, dog)
  return proc
}

function forget (proc: Proc): void {
  live.delete(proc)
  const dog = watchdogs.get(proc)
  watchdogs.delete(proc)
  if (dog !== undefined) dog.kill('SIGKILL')
}

/** Pins a running process and all its threads to a core (when canPin()). */
export function pin (pid: number, core: number): void {
  if (canPin()) spawnSync('taskset', ['-a', '-pc', String(core), String(pid)], { stdio: 'ignore' })
}

let helperBuild: string | undefined
/** Where bench/lib/build.ts put the bundled helpers (bench/procs/*.ts → {dir}/*.mjs). */
export function setHelperBuild (dir: string): void {
  helperBuild = dir
}

/**
 * A node child running a TypeScript file through tsx (nodeArgs after tsx: they may import .ts) —
 * or, for a bench/procs helper that was bundled this run, the bundle with plain node.
 */
export function spawnNode (file: string, args: string[], opts: SpawnOptions & { nodeArgs?: string[] }): Proc {
  const m = /^bench\/procs\/([\w-]+)\.ts$/.exec(file)
  const bundled = m !== null && helperBuild !== undefined ? join(helperBuild, `${m[1] ?? ''}.mjs`) : undefined
  if (bundled !== undefined && existsSync(bundled) && opts.nodeArgs === undefined) return spawnProc(process.execPath, [bundled, ...args], opts)
  return spawnProc(process.execPath, ['--import', 'tsx', ...(opts.nodeArgs ?? []), file, ...args], opts)
}

function readLog (file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/** Reads only what was appended since `offset` (large logs are not re-read). */
function readFrom (file: string, offset: number): string {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return ''
  }
  try {
    const chunks: Buffer[] = []
    const buf = Buffer.alloc(64 * 1024)
    let pos = offset
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos)
      if (n <= 0) break
      chunks.push(Buffer.from(buf.subarray(0, n)))
      pos += n
      if (pos - offset > 4 * 1024 * 1024) break
    }
    return Buffer.concat(chunks).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

async function waitForLog (proc: Proc, re: RegExp, timeoutMs: number, from: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs
  let offset = from
  let carry = ''
  for (;;) {
    // Only what was appended is read; the window keeps the unfinished last line.
    const fresh = readFrom(proc.logFile, offset)
    offset += Buffer.byteLength(fresh)
    const text = carry + fresh
    const m = re.exec(text)
    if (m !== null) return m
    const nl = text.lastIndexOf('\n')
    carry = nl >= 0 ? text.slice(nl + 1) : text
    if (!proc.alive()) throw new Error(`${proc.name} exited while waiting for ${String(re)}; log ${proc.logFile}:\n${tail(proc.logFile)}`)
    if (Date.now() > deadline) throw new Error(`${proc.name}: no ${String(re)} after ${timeoutMs} ms; log ${proc.logFile}:\n${tail(proc.logFile)}`)
    await sleep(25)
  }
}

function tail (file: string): string {
  try {
    return readFrom(file, Math.max(0, statSync(file).size - 3000))
  } catch {
    return ''
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Every child still running. */
export function liveProcs (): Proc[] {
  return [...live]
}

/** SIGTERM to every child, SIGKILL to those still there after graceMs. */
export async function killAll (graceMs = 2000): Promise<void> {
  await Promise.all([...live].map(async (p) => { await p.stop(graceMs) }))
}

function killAllSync (): void {
  for (const p of live) {
    try { p.child.kill('SIGKILL') } catch { /* gone */ }
    try { watchdogs.get(p)?.kill('SIGKILL') } catch { /* gone */ }
  }
}

let cleanupInstalled = false
/** Children die with the run: normal exit, Ctrl-C, SIGTERM, an uncaught error. */
export function installCleanup (onFatal: (reason: string) => void): void {
  if (cleanupInstalled) return
  cleanupInstalled = true
  process.on('exit', killAllSync)
  let stopping = false
  const bail = (reason: string, code: number): void => {
    if (stopping) {
      killAllSync()
      process.exit(code)
    }
    stopping = true
    onFatal(reason)
    const hard = setTimeout(() => { killAllSync(); process.exit(code) }, 4000)
    hard.unref()
    killAll(1500).finally(() => { process.exit(code) })
  }
  process.on('SIGINT', () => { bail('interrupted (SIGINT)', 130) })
  process.on('SIGTERM', () => { bail('terminated (SIGTERM)', 143) })
  process.on('uncaughtException', (err) => { bail(`uncaught: ${err.stack ?? String(err)}`, 1) })
  process.on('unhandledRejection', (err) => { bail(`unhandled rejection: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, 1) })
}

/** A free loopback TCP port (probe-and-release: a tiny window for a race, retried by callers). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a !== null ? a.port : 0
      s.close(() => { resolve(port) })
    })
  })
}

// ---- /proc ---------------------------------------------------------------------------------

/** utime + stime of a process (all its threads), in clock ticks; undefined once it is gone. */
export function cpuTicks (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // after the command: state(3) ppid(4) ... utime(14) stime(15)
    return Number(rest[11]) + Number(rest[12])
  } catch {
    return undefined
  }
}

/** Resident set size in bytes; undefined once it is gone. */
export function rssBytes (pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? undefined : Number(m[1]) * 1024
  } catch {
    return undefined
  }
}

/** Busy and total ticks of the whole machine (all cores) from /proc/stat. */
export function machineTicks (): { busy: number, total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const total = (v[0] ?? 0) + (v[1] ?? 0) + (v[2] ?? 0) + (v[3] ?? 0) + (v[4] ?? 0) + (v[5] ?? 0) + (v[6] ?? 0) + (v[7] ?? 0)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  return { busy: total - idle, total }
}

const extraOwn = new Set<number>()
/** A process of the benchmark's that it did not spawn with spawnProc (redis-server): counted as its own. */
export function registerOwnPid (pid: number): void {
  extraOwn.add(pid)
}

/** CPU ticks of the benchmark itself: this process and every live child. */
function ownTicks (): Map<number, number> {
  const out = new Map<number, number>()
  const self = cpuTicks(process.pid)
  if (self !== undefined) out.set(process.pid, self)
  for (const pid of extraOwn) {
    const t = cpuTicks(pid)
    if (t !== undefined) out.set(pid, t)
  }
  for (const p of live) {
    const t = cpuTicks(p.pid)
    if (t !== undefined) out.set(p.pid, t)
  }
  return out
}

/**
 * What the rest of the machine (other engineers' tests, ...) burnt while a measurement ran:
 * the machine's busy time minus the benchmark's own processes, in cores.
 */
export class NoiseMeter {
  private readonly t0 = performance.now()
  private readonly m0 = machineTicks()
  private readonly own0 = ownTicks()

  /** average cores used by processes that are not the benchmark's since construction */
  stop (): { foreignCores: number, seconds: number } {
    const seconds = (performance.now() - this.t0) / 1000
    const m1 = machineTicks()
    const own1 = ownTicks()
    let own = 0
    for (const [pid, t] of own1) own += t - (this.own0.get(pid) ?? t)
    const foreign = Math.max(0, m1.busy - this.m0.busy - own)
    return { foreignCores: seconds > 0 ? foreign / CLK_TCK / seconds : 0, seconds }
  }
}

/** Samples a process's RSS every intervalMs until stopped; returns the start and the peak. */
export function rssSampler (pid: number, intervalMs = 25): { stop: () => { start: number, peak: number } } {
  const start = rssBytes(pid) ?? 0
  let peak = start
  const timer = setInterval(() => {
    const r = rssBytes(pid)
    if (r !== undefined && r > peak) peak = r
  }, intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      const r = rssBytes(pid)
      if (r !== undefined && r > peak) peak = r
      return { start, peak }
    }
  }
}
