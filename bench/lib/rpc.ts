// Request/answer over a node child's IPC channel: the orchestrator asks, the child (load generator,
// emulators, affinity probe) answers. Every call is bounded in time.
import { spawnNode, type Proc, type SpawnOptions } from './procs.js'

interface Answer { id: number, ok: boolean, result?: unknown, error?: string }

let nextId = 1

export interface RpcProc extends Proc {
  call: <T>(op: string, args: unknown, timeoutMs: number) => Promise<T>
  /** what the child sent with ready() */
  readonly info: unknown
}

/** Starts a node child that calls serve(); resolves once it said it is ready. */
export async function startRpcChild (file: string, args: string[], opts: SpawnOptions & { nodeArgs?: string[], readyTimeoutMs?: number }): Promise<RpcProc> {
  const proc = spawnNode(file, args, { ...opts, ipc: true })
  const pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  let info: unknown
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${opts.name}: not ready after ${opts.readyTimeoutMs ?? 30_000} ms; log ${proc.logFile}:\n${proc.log().slice(-2000)}`)) }, opts.readyTimeoutMs ?? 30_000)
    proc.child.on('message', (m: unknown) => {
      const msg = m as { ready?: boolean, info?: unknown } & Partial<Answer>
      if (msg.ready === true) {
        info = msg.info
        clearTimeout(timer)
        resolve()
        return
      }
      if (typeof msg.id !== 'number') return
      const p = pending.get(msg.id)
      if (p === undefined) return
      pending.delete(msg.id)
      if (msg.ok === true) p.resolve(msg.result)
      else p.reject(new Error(`${opts.name}: ${msg.error ?? 'failed'}`))
    })
    proc.exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${opts.name} exited; log ${proc.logFile}:\n${proc.log().slice(-2000)}`))
      for (const p of pending.values()) p.reject(new Error(`${opts.name} exited; log ${proc.logFile}`))
      pending.clear()
    }, () => {})
  })
  try {
    await ready
  } catch (err) {
    await proc.stop(500)
    throw err
  }
  const call = async <T>(op: string, a: unknown, timeoutMs: number): Promise<T> => {
    const id = nextId++
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`${opts.name}: ${op} took longer than ${timeoutMs} ms`))
      }, timeoutMs)
      pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v as T) },
        reject: (e) => { clearTimeout(timer); reject(e) }
      })
      proc.child.send({ id, op, args: a })
    })
  }
  return Object.assign(proc, { call, get info () { return info } })
}
