import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { EventEmitter } from 'node:events'
import { constants as zlibConstants, createGzip, gzip } from 'node:zlib'
import { promisify } from 'node:util'

const gzipAsync = promisify(gzip)

// Jetty's GzipHandler leaves tiny bodies alone; so do we.
const MIN_GZIP_BYTES = 32

export function wantsGzip (req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding']
  if (header === undefined) return false
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().split(';')
    if (coding.trim().toLowerCase() !== 'gzip') continue
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  }
  return false
}

/** The client's socket address, with IPv4-mapped IPv6 addresses written as plain IPv4. */
export function normalizeAddress (address: string | undefined): string {
  if (address === undefined) return ''
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

function writable (res: ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded
}

export async function sendJson (req: IncomingMessage, res: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): Promise<void> {
  const text = JSON.stringify(value)
  let body: Buffer = Buffer.from(text)
  const out: OutgoingHttpHeaders = { ...headers, 'content-type': 'application/json' }
  if (wantsGzip(req) && body.length >= MIN_GZIP_BYTES) {
    body = await gzipAsync(body)
    out['content-encoding'] = 'gzip'
    out.vary = 'Accept-Encoding'
  }
  out['content-length'] = body.length
  if (!writable(res)) return
  res.writeHead(status, out)
  res.end(body)
}

export function sendText (res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}, contentType = 'text/plain'): void {
  if (!writable(res)) return
  const body = Buffer.from(text)
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': body.length })
  res.end(body)
}

export function sendEmpty (res: ServerResponse, status: number, headers: OutgoingHttpHeaders = {}): void {
  if (!writable(res)) return
  res.writeHead(status, headers)
  res.end()
}

/** Resolves on the first of several events, removing every listener it added. */
function firstEvent (pairs: Array<[EventEmitter, string]>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const [emitter, event] of pairs) emitter.off(event, done)
      resolve()
    }
    for (const [emitter, event] of pairs) emitter.on(event, done)
  })
}

export class ClientGoneError extends Error {
  constructor () { super('client went away') }
}

export type ChunkWriter = (chunk: string) => Promise<void>

/**
 * Streams a JSON body of unknown length. The producer awaits each write, so a slow client throttles
 * the producer (backpressure) and a page of hundreds of MB is never held in memory.
 */
export async function streamJson (
  req: IncomingMessage,
  res: ServerResponse,
  headers: OutgoingHttpHeaders,
  produce: (write: ChunkWriter) => Promise<void>
): Promise<void> {
  if (!writable(res)) return
  const gzipped = wantsGzip(req)
  const out: OutgoingHttpHeaders = { ...headers, 'content-type': 'application/json' }
  if (gzipped) {
    out['content-encoding'] = 'gzip'
    out.vary = 'Accept-Encoding'
  }
  res.writeHead(200, out)
  const sink = gzipped ? createGzip({ level: zlibConstants.Z_BEST_SPEED }) : res
  if (gzipped) {
    sink.on('error', () => res.destroy())
    sink.pipe(res)
  }
  let gone = false
  const onClose = (): void => {
    gone = true
    if (sink !== res) sink.destroy()
  }
  res.once('close', onClose)
  const write: ChunkWriter = async (chunk) => {
    if (gone || res.destroyed) throw new ClientGoneError()
    if (!sink.write(chunk)) {
      await firstEvent([[sink, 'drain'], [res, 'close']])
      if (gone || res.destroyed) throw new ClientGoneError()
    }
  }
  try {
    await produce(write)
    if (gone) return
    const finished = firstEvent([[res, 'finish'], [res, 'close']])
    sink.end()
    await finished
  } catch (e) {
    if (!(e instanceof ClientGoneError)) res.destroy(e instanceof Error ? e : undefined)
  } finally {
    res.off('close', onClose)
  }
}

export class BodyTooLargeError extends Error {
  constructor (readonly limit: number) { super(`request body larger than ${limit} bytes`) }
}

export async function readBody (req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > limit) throw new BodyTooLargeError(limit)
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}
