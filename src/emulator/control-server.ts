import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { EmulatorState } from './context.js'
import { readBody, sendJson, sendText } from './http-util.js'
import type { EmulatorHandle, FailOptions, FaultScope } from './types.js'

export interface ControlServer {
  url: string
  close: () => Promise<void>
}

function scope (body: Record<string, unknown>): FaultScope {
  const addresses = body.addresses
  if (addresses === undefined) return {}
  if (!Array.isArray(addresses) || !addresses.every((a) => typeof a === 'string')) throw new Error('addresses must be an array of strings')
  return { addresses }
}

function failOptions (body: Record<string, unknown>): FailOptions {
  const paths = body.paths
  if (paths !== undefined && (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string'))) throw new Error('paths must be an array of strings')
  return paths === undefined ? scope(body) : { ...scope(body), paths }
}

function booleanOf (body: Record<string, unknown>, ...keys: string[]): boolean {
  for (const k of keys) if (typeof body[k] === 'boolean') return body[k]
  throw new Error(`body needs a boolean ${keys.join(' or ')}`)
}

async function apply (action: string, body: Record<string, unknown>, emulator: EmulatorHandle): Promise<void> {
  const { faults } = emulator
  switch (action) {
    case 'refuse': return await faults.refuse(scope(body))
    case 'kill': return await faults.kill(scope(body))
    case 'restore': return await faults.restore(scope(body))
    case 'hang': return faults.hang(scope(body))
    case 'slow': return faults.slow(Number(body.ms), scope(body))
    case 'fail': return faults.fail(Number(body.status ?? 503), failOptions(body))
    case 'clear': return await faults.clear()
    case 'starting': return emulator.setStarting(booleanOf(body, 'value', 'starting'))
    case 'shutting-down': return emulator.setState(booleanOf(body, 'value') ? 'SHUTTING_DOWN' : 'ACTIVE')
    case 'expire-ui-sessions': return emulator.expireUiSessions()
    default: throw new Error(`unknown fault '${action}'`)
  }
}

function stateOf (emulator: EmulatorHandle, state: EmulatorState): Record<string, unknown> {
  return {
    url: emulator.url,
    flavor: emulator.flavor,
    environment: state.opts.environment,
    nodeId: state.opts.nodeId,
    queryIdSuffix: emulator.queryIdSuffix,
    starting: state.starting,
    nodeState: state.nodeState,
    stats: emulator.stats(),
    faults: emulator.faults.state(),
    transactions: state.txns.list(),
    announcements: emulator.announcements(),
    queries: emulator.queries().slice(-100)
  }
}

/**
 * Loopback HTTP API to inject faults into an emulator started from the CLI — a separate server, so
 * a refused or killed coordinator listener can still be brought back.
 */
export async function startControlServer (port: number, emulator: EmulatorHandle, state: EmulatorState): Promise<ControlServer> {
  const sockets = new Set<Socket>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    (async () => {
      const path = new URL(req.url ?? '/', 'http://control.invalid').pathname
      if (req.method === 'GET' && path === '/state') {
        await sendJson(req, res, 200, stateOf(emulator, state))
        return
      }
      const m = /^\/faults\/([a-z-]+)$/.exec(path)
      if (req.method !== 'POST' || m === null) {
        sendText(res, 404, 'POST /faults/{refuse|kill|hang|slow|fail|clear|restore|starting|shutting-down|expire-ui-sessions} or GET /state')
        return
      }
      try {
        const text = (await readBody(req, 64 * 1024)).toString('utf8').trim()
        const body: unknown = text === '' ? {} : JSON.parse(text)
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('body must be a JSON object')
        await apply(m[1] ?? '', body as Record<string, unknown>, emulator)
      } catch (e) {
        sendText(res, 400, e instanceof Error ? e.message : String(e))
        return
      }
      await sendJson(req, res, 200, { ok: true, faults: emulator.faults.state() })
    })().catch(() => res.destroy())
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const actualPort = typeof address === 'object' && address !== null ? address.port : port
  return {
    url: `http://127.0.0.1:${actualPort}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      await closed
    }
  }
}
