import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'

// A result page larger than the gateway's whole heap must stream through proxy mode unchanged
// except for the coordinator URIs. The gateway runs as its own process with a 64 MB old space.
const ROWS = 1_100_000
const ROW_BYTES = 240
const TAIL = 8192

let emu: EmulatorHandle
let gw: ChildProcess
let gwUrl: string
let dir: string

before(async () => {
  emu = await startEmulator({ workers: 1 })
  dir = mkdtempSync(join(tmpdir(), 'phg-large-'))
  const cfg = join(dir, 'gateway.yaml')
  writeFileSync(cfg, `server: { host: 127.0.0.1, port: 0 }\nrouting: { mode: proxy }\nhealth: { intervalMs: 200, timeoutMs: 150 }\nclusters:\n  - name: big\n    coordinators: [{ name: big-a, url: "${emu.url}" }]\n`)
  gw = spawn(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', 'src/server.ts', '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'] })
  gwUrl = await new Promise<string>((resolve, reject) => {
    let buf = ''
    gw.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const m = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(buf)
      if (m?.[1] !== undefined) resolve(m[1])
    })
    gw.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)))
  })
  // Wait until the gateway routes (its first health round), by asking it.
  for (;;) {
    const res = await request(`${gwUrl}/readyz`)
    const body = await res.body.json() as { degradations?: string[] }
    if (res.statusCode === 200 && body.degradations?.length === 0) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
})

after(async () => {
  gw?.kill('SIGKILL')
  await emu?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Digest { size: number, head: string, bodyHash: string, tail: string }

/** Hashes a page: the small head (up to the rows) kept as text, the rows hashed, the tail kept. */
async function digest (url: string): Promise<Digest> {
  const res = await request(url, { headers: { 'x-trino-user': 'big' } })
  assert.equal(res.statusCode, 200)
  const hash = createHash('sha256')
  let head = ''
  let inHead = true
  let tail = Buffer.alloc(0)
  let size = 0
  for await (const chunk of res.body) {
    let c = chunk as Buffer
    size += c.length
    if (inHead) {
      const s = c.toString('latin1')
      const at = (head + s).indexOf('"data":[')
      if (at < 0) { head += s; continue }
      const cut = at - head.length
      head += s.slice(0, cut)
      c = c.subarray(cut)
      inHead = false
    }
    const joined = Buffer.concat([tail, c])
    if (joined.length > TAIL) {
      hash.update(joined.subarray(0, joined.length - TAIL))
      tail = Buffer.from(joined.subarray(joined.length - TAIL))
    } else {
      tail = joined
    }
  }
  return { size, head, bodyHash: hash.digest('hex'), tail: tail.toString('latin1') }
}

function peakRssMb (pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? 0) / 1024
}

test('a 256+ MB page passes proxy mode byte for byte except the rewritten URIs, in a 64 MB heap', async () => {
  const post = await request(`${gwUrl}/v1/statement`, { method: 'POST', body: `SELECT n, s FROM t /* rows=${ROWS} pages=1 rowBytes=${ROW_BYTES} */`, headers: { 'x-trino-user': 'big' } })
  let doc = await post.body.json() as { nextUri?: string, data?: unknown }
  // Follow the queued URIs until the coordinator has the data page ready.
  let pageUri: string | undefined
  for (let i = 0; i < 100 && doc.nextUri !== undefined; i++) {
    assert.ok(doc.nextUri.startsWith(gwUrl), `nextUri points at the gateway: ${doc.nextUri}`)
    if (doc.nextUri.includes('/executing/')) { pageUri = doc.nextUri; break }
    doc = await (await request(doc.nextUri, { headers: { 'x-trino-user': 'big' } })).body.json() as typeof doc
  }
  assert.ok(pageUri !== undefined)
  const before = peakRssMb(gw.pid ?? 0)
  const viaGateway = await digest(pageUri)
  // The same page again, straight from the coordinator (the current token may be fetched twice).
  const direct = await digest(pageUri.replace(gwUrl, emu.url))
  assert.ok(viaGateway.size >= 256 * 1024 * 1024, `page is ${viaGateway.size} bytes`)
  assert.equal(viaGateway.bodyHash, direct.bodyHash, 'rows identical')
  // Timings in stats differ between two fetches of the same page; everything else must not.
  const stripStats = (t: string): string => t.replace(/"stats":\{.*\},"warnings"/s, '"warnings"')
  assert.equal(stripStats(viaGateway.head), stripStats(direct.head).split(emu.url).join(gwUrl), 'only the coordinator URIs differ')
  assert.ok(!viaGateway.head.includes(emu.url))
  assert.equal(viaGateway.tail, direct.tail)
  const growth = peakRssMb(gw.pid ?? 0) - before
  process.stdout.write(`# ${Math.round(viaGateway.size / 1048576)} MB page through proxy mode: gateway peak RSS ${before.toFixed(0)} → ${(before + growth).toFixed(0)} MB\n`)
  assert.ok(growth < 128, `gateway peak RSS grew by ${growth.toFixed(0)} MB while a ${Math.round(viaGateway.size / 1048576)} MB page passed`)
})
