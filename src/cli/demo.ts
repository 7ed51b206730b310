import { randomBytes } from 'node:crypto'
import { startEmulator, type EmulatorHandle } from '../emulator/index.js'
import { validateConfig } from '../config/index.js'
import { buildApp, type GatewayApp } from '../app.js'

export interface Demo {
  app: GatewayApp
  url: string
  /** an admin token made for this run: the dashboard and the admin API need one */
  adminToken: string
  emulators: EmulatorHandle[]
  close: () => Promise<void>
}

/**
 * The gateway in front of two emulated clusters of two coordinators each, with the in-memory
 * store: what `npm start` runs, so a new user can point a client at it at once.
 */
export async function startDemo (opts: { port?: number, host?: string, logger?: boolean } = {}): Promise<Demo> {
  const emulators: EmulatorHandle[] = []
  try {
    for (let i = 0; i < 4; i++) emulators.push(await startEmulator({ port: 0, host: '127.0.0.1', workers: 2, environment: 'demo' }))
    const [a, b, c, d] = emulators as [EmulatorHandle, EmulatorHandle, EmulatorHandle, EmulatorHandle]
    const adminToken = randomBytes(16).toString('hex')
    const config = validateConfig({
      admin: { tokens: [{ name: 'demo', token: adminToken, role: 'admin' }] },
      server: { host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 },
      routing: { mode: 'auto' },
      health: { intervalMs: 500, timeoutMs: 400 },
      clusters: [
        { name: 'blue', coordinators: [{ name: 'blue-a', url: a.url }, { name: 'blue-b', url: b.url }] },
        { name: 'green', failback: 'prefer-first', coordinators: [{ name: 'green-a', url: c.url }, { name: 'green-b', url: d.url }] }
      ]
    }, 'demo')
    const app = await buildApp(config, { logger: opts.logger === false ? false : { level: 'info' } })
    const url = await app.listen({ port: config.server.port, host: config.server.host })
    return {
      app,
      url,
      adminToken,
      emulators,
      close: async () => {
        await app.close()
        await Promise.all(emulators.map(async (e) => await e.close()))
      }
    }
  } catch (err) {
    await Promise.all(emulators.map(async (e) => await e.close()))
    throw err
  }
}
