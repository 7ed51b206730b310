// Child side of bench/lib/rpc.ts: answers the orchestrator's calls over the IPC channel. Imports
// nothing, so a helper process loads only what it needs.

interface Answer { id: number, ok: boolean, result?: unknown, error?: string }
type Handler = (args: never) => Promise<unknown>

/** Child side: answers the orchestrator's calls; exits when the orchestrator goes away. */
export function serve (handlers: Record<string, Handler>, info?: unknown): void {
  if (process.send === undefined) throw new Error('serve() needs an IPC channel (start it with startRpcChild)')
  process.on('disconnect', () => { process.exit(0) })
  process.on('message', (m: unknown) => {
    const { id, op, args } = m as { id: number, op: string, args: unknown }
    const h = handlers[op]
    const reply = (a: Answer): void => { process.send?.(a) }
    if (h === undefined) {
      reply({ id, ok: false, error: `unknown op ${op}` })
      return
    }
    h(args as never).then(
      (result) => { reply({ id, ok: true, result }) },
      (err: unknown) => { reply({ id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }) }
    )
  })
  process.send({ ready: true, info })
}
