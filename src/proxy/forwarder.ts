import { createGunzip, createInflate, createBrotliDecompress } from 'node:zlib'
import type { Readable, Transform } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Dispatcher } from 'undici'
import { upstreamRequestHeaders, clientResponseHeaders } from './hop-headers.js'

export interface ForwardTarget {
  pool: Dispatcher
  /** Host header the coordinator sees: decides where its own URIs point */
  host: string
  /** the cluster's forwardedHeaders setting */
  forwardedHeaders: boolean
}

export interface ForwardOptions {
  method: string
  /** path and query string, already validated (never a URL from the client) */
  path: string
  body?: Buffer | undefined
  /** when given, the response body is piped through it (proxy-mode URI rewriting) */
  rewrite?: (() => Transform) | undefined
  /** a hook that sees the coordinator's status and headers before the client does */
  onHeaders?: ((status: number, headers: Record<string, string | string[] | undefined>) => Promise<void> | void) | undefined
  signal?: AbortSignal | undefined
}

export type ForwardOutcome =
  | { ok: true, status: number }
  /** the coordinator did not answer: nothing reached the client, the caller may retry elsewhere */
  | { ok: false, kind: 'connect' | 'timeout' | 'reset', error: string }

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT'])

export function classify (err: unknown): 'connect' | 'timeout' | 'reset' {
  const code = (err as { code?: string })?.code ?? (err as { cause?: { code?: string } })?.cause?.code ?? ''
  if (CONNECT_CODES.has(code)) return 'connect'
  if (TIMEOUT_CODES.has(code) || (err as Error)?.name === 'AbortError') return 'timeout'
  return 'reset'
}

function decoderFor (encoding: string | undefined): Transform | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip': case 'x-gzip': return createGunzip()
    case 'deflate': return createInflate()
    case 'br': return createBrotliDecompress()
    default: return undefined
  }
}

/**
 * Sends one request to a coordinator and streams its answer to the client. Nothing is buffered
 * beyond what the streams hold; a rewrite, when asked for, works on the decoded byte stream.
 */
export async function forward (req: FastifyRequest, reply: FastifyReply, target: ForwardTarget, opts: ForwardOptions): Promise<ForwardOutcome> {
  const headers = upstreamRequestHeaders(req.headers, target.forwardedHeaders)
  headers.host = target.host
  if (target.forwardedHeaders) {
    headers['x-forwarded-for'] = req.ip
    headers['x-forwarded-proto'] = req.protocol
    if (req.headers.host !== undefined) headers['x-forwarded-host'] = req.headers.host
  }
  if (opts.rewrite !== undefined) headers['accept-encoding'] = 'identity'
  let res: Dispatcher.ResponseData
  try {
    res = await target.pool.request({
      path: opts.path,
      method: opts.method as Dispatcher.HttpMethod,
      headers,
      body: opts.body !== undefined && opts.body.length > 0 ? opts.body : (opts.method === 'POST' || opts.method === 'PUT' ? '' : null),
      signal: opts.signal
    })
  } catch (err) {
    return { ok: false, kind: classify(err), error: (err as Error).message }
  }
  await opts.onHeaders?.(res.statusCode, res.headers)
  const out = clientResponseHeaders(res.headers)
  let body: NodeJS.ReadableStream = res.body
  if (opts.rewrite !== undefined && isJson(res.headers['content-type'])) {
    const decoder = decoderFor(res.headers['content-encoding'] as string | undefined)
    if (decoder !== undefined) delete out['content-encoding']
    delete out['content-length']
    const rewriter = opts.rewrite()
    body = chain(res.body, decoder !== undefined ? [decoder, rewriter] : [rewriter])
  }
  reply.code(res.statusCode).headers(out)
  // If the client goes away mid-stream, stop reading from the coordinator too.
  reply.raw.once('close', () => { if (!res.body.destroyed) res.body.destroy() })
  reply.send(body)
  return { ok: true, status: res.statusCode }
}

/**
 * source → stages, joined with pipe(): an error or an early close anywhere destroys them all, and
 * the last stage (what the client reads) sees the error. Not stream.pipeline: it makes an
 * AbortController for every call and aborts it when done, building a DOMException with a stack
 * trace for each proxied poll (about a tenth of a proxy-mode gateway's CPU in BENCHMARKS.md).
 */
function chain (source: Readable, stages: Transform[]): Readable {
  const all: Array<Readable | Transform> = [source, ...stages]
  const last = stages[stages.length - 1] ?? source
  const destroyAll = (err: Error): void => {
    for (const s of all) if (!s.destroyed) s.destroy(s === last ? err : undefined)
  }
  for (const s of all) s.on('error', destroyAll)
  source.once('close', () => { if (!source.readableEnded) destroyAll(new Error('the coordinator\'s answer ended early')) })
  let tail: Readable = source
  for (const s of stages) tail = tail.pipe(s)
  return last
}

function isJson (ct: string | string[] | undefined): boolean {
  const v = Array.isArray(ct) ? ct[0] : ct
  return v !== undefined && v.toLowerCase().includes('json')
}
