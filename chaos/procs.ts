// Child processes of the chaos run (coordinators, HAProxy): each writes stdout and stderr to a log
// file of its own under the run's directory. Every child dies with the run: killAll() at the end,
// on SIGINT/SIGTERM and on an uncaught error (installCleanup), a synchronous SIGKILL from the
// 'exit' hook, and a watchdog shell per child that SIGKILLs it when this process's pipe closes —
// which also happens when the run itself is SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..')

let dir: string | undefined
/** The run's scratch directory (process logs, the HAProxy config). */
export function runDir (): string {
  dir ??= mkdtempSync(join(tmpdir(), 'phg-chaos-'))
  return dir
}

export interface Proc {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  readonly logFile: string
  readonly exited: Promise<void>
  alive: () => boolean
  /** resolves with the first match of re in the log; rejects on timeout or exit */
  waitForLog: (re: RegExp, timeoutMs: number) => Promise<RegExpExecArray>
  /** SIGCONT + SIGTERM, SIGKILL after graceMs; resolves once it exited */
  stop: (graceMs?: number) => Promise<void>
}

const live = new Set<Proc>()
const watchdogs = new Map<Proc, ChildProcess>()

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

function readLog (file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/** Spawns `cmd args` (cwd: the repository) with its output in `{runDir}/{name}.log` (`-2`, `-3`, … for later processes of the same name). */
export function spawnProc (cmd: string, args: string[], name: string): Proc {
  let logFile = join(runDir(), `${name}.log`)
  for (let n = 2; existsSync(logFile); n++) logFile = join(runDir(), `${name}-${n}.log`)
  const fd = openSync(logFile, 'wx')
  const child = spawn(cmd, args, { cwd: ROOT, env: process.env, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  if (child.pid === undefined) throw new Error(`cannot start ${name} (${cmd})`)
  const pid = child.pid
  child.on('error', () => {})
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => { resolve() })
  })
  const alive = (): boolean => child.exitCode === null && child.signalCode === null
  const proc: Proc = {
    name,
    pid,
    child,
    logFile,
    exited,
    alive,
    waitForLog: async (re, timeoutMs) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const m = re.exec(readLog(logFile))
        if (m !== null) return m
        if (!alive()) throw new Error(`${name} exited while waiting for ${String(re)}; log ${logFile}:\n${readLog(logFile).slice(-2000)}`)
        if (Date.now() > deadline) throw new Error(`${name}: no ${String(re)} after ${timeoutMs} ms; log ${logFile}`)
        await sleep(50)
      }
    },
    stop: async (graceMs = 2000) => {
      if (alive()) {
        child.kill('SIGCONT')
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

/** A TypeScript entry point of this repository in a node child, through tsx. */
export function spawnNode (file: string, args: string[], name: string): Proc {
  return spawnProc(process.execPath, ['--import', 'tsx', file, ...args], name)
}

/** Stops every child still running (SIGTERM, SIGKILL after graceMs). */
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
export function installCleanup (onFatal: (reason: string) => void, beforeExit: () => Promise<void>): void {
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
    const hard = setTimeout(() => { killAllSync(); process.exit(code) }, 8000)
    hard.unref()
    beforeExit().catch(() => {}).finally(() => {
      killAll(1500).finally(() => { process.exit(code) })
    })
  }
  process.on('SIGINT', () => { bail('interrupted (SIGINT)', 130) })
  process.on('SIGTERM', () => { bail('terminated (SIGTERM)', 143) })
  process.on('uncaughtException', (err) => { bail(`uncaught: ${err.stack ?? String(err)}`, 1) })
  process.on('unhandledRejection', (err) => { bail(`unhandled rejection: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, 1) })
}

/** A free loopback TCP port (probe-and-release). */
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
