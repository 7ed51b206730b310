/**
 * Throughput of the proxy-mode URI rewriter on one large synthetic QueryResults page, against a
 * plain PassThrough moving the same chunks. Run: npx tsx bench/uri-rewriter.ts [sizeMB] [chunkKB]
 */
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
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const pt = median(results.passthrough!)
const rw = median(results.rewriter!)
console.log(`passthrough: ${pt.toFixed(0)} MiB/s`)
console.log(`rewriter:    ${rw.toFixed(0)} MiB/s  (${(rw / pt).toFixed(2)} × passthrough)`)
