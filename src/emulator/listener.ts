import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { normalizeAddress } from './http-util.js'
import type { ListenerControl } from './faults.js'

export interface ListenerOptions {
  host: string
  port: number
  onRequest: (req: IncomingMessage, res: ServerResponse) => void
  /** Consulted for every new connection; a refused address is cut off before a byte is read. */
  refuses: (address: string) => boolean
}

/**
 * A plain node:http server that knows its sockets, so faults can cut them and close() can free
 * everything. The port stays fixed after the first listen so a refused listener comes back on it.
 */
export class HttpListener implements ListenerControl {
  readonly server: Server
  private readonly open_ = new Set<Socket>()
  private readonly inFlight = new Map<Socket, number>()
  private port_: number

  constructor (private readonly opts: ListenerOptions) {
    this.port_ = opts.port
    // Prepared statements and session properties travel in headers; Trino accepts large ones.
    this.server = createServer({ maxHeaderSize: 1024 * 1024, requestTimeout: 0 }, (req, res) => this.request(req, res))
    this.server.on('connection', (socket: Socket) => {
      if (this.opts.refuses(normalizeAddress(socket.remoteAddress))) {
        socket.destroy()
        return
      }
      this.open_.add(socket)
      socket.once('close', () => {
        this.open_.delete(socket)
        this.inFlight.delete(socket)
      })
    })
    this.server.on('clientError', (_err, socket) => socket.destroy())
  }

  get port (): number {
    return this.port_
  }

  private request (req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket
    this.inFlight.set(socket, (this.inFlight.get(socket) ?? 0) + 1)
    res.once('close', () => {
      const left = (this.inFlight.get(socket) ?? 1) - 1
      this.inFlight.set(socket, left)
      // A refused client may finish what it had started, then its connection goes.
      if (left === 0 && this.opts.refuses(normalizeAddress(socket.remoteAddress))) socket.destroy()
    })
    this.opts.onRequest(req, res)
  }

  listening (): boolean {
    return this.server.listening
  }

  async open (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e)
      this.server.once('error', onError)
      this.server.listen(this.port_, this.opts.host, () => {
        this.server.off('error', onError)
        const address = this.server.address()
        if (typeof address === 'object' && address !== null) this.port_ = address.port
        resolve()
      })
    })
  }

  shut (): void {
    // The callback only fires once every connection is gone; nobody needs to wait for that.
    this.server.close(() => {})
  }

  sockets (): Iterable<Socket> {
    return this.open_
  }

  busy (socket: Socket): boolean {
    return (this.inFlight.get(socket) ?? 0) > 0
  }

  async close (): Promise<void> {
    const closed = this.server.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve()
    for (const s of this.open_) s.destroy()
    this.server.closeAllConnections()
    await closed
  }
}
