/**
 * Throughput of the proxy-mode URI rewriter on one large synthetic QueryResults page.
 *
 * 1. In memory: the page's chunks through the rewriter vs through a plain PassThrough.
 * 2. Through a bare HTTP proxy (node:http, one process) between a coordinator stand-in and a client
 *    (each its own child process): the body piped through the rewriter vs through a PassThrough.
 *
 * Run: npx tsx bench/uri-rewriter.ts [sizeMB=200] [chunkKB=64] [proxy|memory|both=both]
 */
import { fork } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { PassThrough, Readable, Writable, type Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createUriRewriter, rewriteDocument } from '../src/proxy/uri-rewriter.js'

const sizeMb = Number(process.argv[2] ?? 200)
const chunkKb = Number(process.argv[3] ?? 64)
const opts = { from: ['http://127.0.0.1:8081', 'http://blue-a:8080'], to: 'https://gw.example.com:8443' }

function buildPage (targetBytes: number): Buffer {
  const id = '20250101_120000_00042_abcde'
  const head = `{"id":"${id}","infoUri":"http://127.0.0.1:8081/ui/query.html?${id}","partialCancelUri":"http://127.0.0.1:8081/v1/statement/executing/partialCancel/${id}/0/y0123/3","nextUri":"http://127.0.0.1:8081/v1/statement/executing/${id}/y0123/4",` +
    '"columns":[{"name":"id","type":"bigint"},{"name":"name","type":"varchar"},{"name":"price","type":"double"},{"name":"tags","type":"map(varchar,varchar)"},{"name":"note","type":"varchar"},{"name":"ok","type":"boolean"}],"data":['
  const tail = '],"stats":{"state":"RUNNING","queued":false,"scheduled":true,"nodes":3,"processedRows":1000,"processedBytes":123456},"warnings":[]}'
  const rows: string[] = []
  const names = ['alpha', 'beta gamma', 'Ünïcødé ✓', 'quote \\" inside', 'path \\/ escaped', 'a somewhat longer product description with several words in it']
  for (let k = 0; k < 997; k++) {
    const name = names[k % names.length]!
    const note = k % 7 === 0 ? null : `"note ${k} ${'x'.repeat(k % 40)}"`
    rows.push(`[${k * 7919},"${name}",${(k * 3.14159).toFixed(5)},{"nextUri":"http://127.0.0.1:8081/v1/x","k${k % 10}":"v"},${note},${k % 2 === 0}]`)
  }
  const block = Buffer.from(rows.join(',') + ',')
  const body = Buffer.alloc(targetBytes)
  let off = body.write(head)
  const end = targetBytes - Buffer.byteLength(tail) - 64
  while (off + block.length < end) off += block.copy(body, off)
  off += body.write('[0,"last",0.0,{},null,true]', off)
  off += body.write(tail, off)
  return body.subarray(0, off)
}

function chunksOf (buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, Math.min(i + size, buf.length)))
  return out
}

async function run (make: () => Transform, chunks: Buffer[]): Promise<{ seconds: number, bytes: number }> {
  let bytes = 0
  const sink = new Writable({
    write (chunk: Buffer, _enc, cb) {
      bytes += chunk.length
      cb()
    }
  })
  const t0 = process.hrtime.bigint()
  await pipeline(Readable.from(chunks, { objectMode: false }), make(), sink)
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  return { seconds, bytes }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const role = process.argv[4] ?? 'both'

if (role === 'origin') {
  // the coordinator stand-in: serves the page on every GET
  const page = buildPage(sizeMb * 1024 * 1024)
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': page.length })
    res.end(page)
  })
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port))
} else if (role === 'client') {
  // the client: fetches each URL it is sent and reports seconds and bytes
  process.on('message', (url: string) => {
    const t0 = process.hrtime.bigint()
    http.get(url, res => {
      let bytes = 0
      res.on('data', (c: Buffer) => { bytes += c.length })
      res.on('end', () => process.send?.({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes }))
    })
  })
} else {
  if (role !== 'proxy') await memoryBench()
  if (role !== 'memory') await proxyBench()
}

async function memoryBench (): Promise<void> {
  const page = buildPage(sizeMb * 1024 * 1024)
  const chunks = chunksOf(page, chunkKb * 1024)
  const mb = page.length / (1024 * 1024)
  console.log(`page ${mb.toFixed(1)} MiB in ${chunks.length} chunks of ${chunkKb} KiB`)

  // correctness spot check: same bytes as the whole-buffer result, URIs rewritten
  const whole = rewriteDocument(page, opts)
  if (!whole.subarray(0, 200).toString().includes('https://gw.example.com:8443/ui/query.html')) throw new Error('rewrite did not happen')
  if (whole.length !== page.length + 3 * (opts.to.length - opts.from[0]!.length)) throw new Error('unexpected output length')

  const results: Record<string, number[]> = { passthrough: [], rewriter: [] }
  for (let round = 0; round < 4; round++) {
    const p = await run(() => new PassThrough(), chunks)
    const r = await run(() => createUriRewriter(opts), chunks)
    if (r.bytes !== whole.length) throw new Error(`rewriter emitted ${r.bytes} bytes, expected ${whole.length}`)
    if (round === 0) continue // warm-up
    results.passthrough!.push(mb / p.seconds)
    results.rewriter!.push(mb / r.seconds)
  }
  const pt = median(results.passthrough!)
  const rw = median(results.rewriter!)
  console.log('in memory (median of 3):')
  console.log(`  PassThrough: ${pt.toFixed(0)} MiB/s`)
  console.log(`  rewriter:    ${rw.toFixed(0)} MiB/s  (${(rw / pt).toFixed(2)} × PassThrough)`)
}

async function proxyBench (): Promise<void> {
  const self = fileURLToPath(import.meta.url)
  const origin = fork(self, [String(sizeMb), String(chunkKb), 'origin'])
  const client = fork(self, [String(sizeMb), String(chunkKb), 'client'])
  const originPort = await new Promise<number>(resolve => origin.once('message', m => resolve(m as number)))
  let mode: 'passthrough' | 'rewriter' = 'passthrough'
  const proxy = http.createServer((req, res) => {
    const up = http.get({ host: '127.0.0.1', port: originPort, path: req.url, agent: false }, upRes => {
      // the rewriter changes the length: both modes send chunked so they do the same work otherwise
      res.writeHead(upRes.statusCode ?? 502, { 'content-type': 'application/json' })
      const t = mode === 'rewriter' ? createUriRewriter({ from: [`http://127.0.0.1:${originPort}`, ...opts.from], to: opts.to }) : new PassThrough()
      pipeline(upRes, t, res).catch(() => {})
    })
    up.on('error', () => res.destroy())
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1/statement/executing/x/y/1`
  const fetchOnce = async (): Promise<{ seconds: number, bytes: number }> => await new Promise(resolve => {
    client.once('message', m => resolve(m as { seconds: number, bytes: number }))
    client.send(url)
  })
  const viaProxy = { passthrough: [] as number[], rewriter: [] as number[] }
  let mb = 0
  for (let round = 0; round < 6; round++) {
    for (const m of ['passthrough', 'rewriter'] as const) {
      mode = m
      const r = await fetchOnce()
      mb = r.bytes / (1024 * 1024)
      if (round > 0) viaProxy[m].push(mb / r.seconds)
    }
  }
  origin.kill()
  client.kill()
  proxy.close()
  // three processes share the machine: the best run is the least disturbed one
  const pt = median(viaProxy.passthrough)
  const rw = median(viaProxy.rewriter)
  const ptBest = Math.max(...viaProxy.passthrough)
  const rwBest = Math.max(...viaProxy.rewriter)
  console.log(`through a bare node:http proxy, ${mb.toFixed(0)} MiB body (5 runs each, interleaved):`)
  console.log(`  PassThrough: median ${pt.toFixed(0)} MiB/s, best ${ptBest.toFixed(0)} MiB/s`)
  console.log(`  rewriter:    median ${rw.toFixed(0)} MiB/s, best ${rwBest.toFixed(0)} MiB/s  (${(rw / pt).toFixed(2)} × bare proxy by median, ${(rwBest / ptBest).toFixed(2)} by best)`)
}
