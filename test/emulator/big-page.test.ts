// Pages of hundreds of MB must stream: the emulator writes them with backpressure instead of
// building them, so a gateway's proxy path can be tested with realistic result sizes.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { createGunzip } from 'node:zlib'
import { Readable } from 'node:stream'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { generatedRow, http } from './support.js'

let emulator: EmulatorHandle
before(async () => { emulator = await startEmulator() })
after(async () => { await emulator.close() })

const ROWS = 50_000
const ROW_BYTES = 1000

async function executingUri (base: string, sql: string): Promise<string> {
  const posted = (await http(`${base}/v1/statement`, { method: 'POST', body: sql, headers: { 'X-Trino-User': 'big' } })).json
  return (await http(posted.nextUri)).json.nextUri
}

/** Reads a body chunk by chunk, keeping only its head and tail. */
async function consume (body: AsyncIterable<Buffer>): Promise<{ bytes: number, head: string, tail: string }> {
  let bytes = 0
  let head = ''
  let tail = ''
  for await (const chunk of body) {
    bytes += chunk.length
    if (head.length < 4000) head += chunk.toString('latin1', 0, 4000)
    tail = (tail.slice(-200) + chunk.toString('latin1', Math.max(0, chunk.length - 200)))
  }
  return { bytes, head, tail: tail.slice(-200) }
}

/** Reads newline-delimited JSON messages from the child's stdout. */
function messages (child: ChildProcessWithoutNullStreams): AsyncIterator<any> {
  const lines = createInterface({ input: child.stdout })
  return (async function * () { for await (const line of lines) yield JSON.parse(line) })()
}

test('a 300 MB page streams from an emulator whose heap could not hold it', async () => {
  const rows = 300_000
  // 64 MB of old space: building the page as one string (or buffer) would kill this process.
  const child = spawn(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', fileURLToPath(new URL('./child-emulator.ts', import.meta.url)), '{}'])
  child.stderr.pipe(process.stderr)
  const out = messages(child)
  const exited = once(child, 'exit')
  try {
    const { url } = (await out.next()).value
    const uri = await executingUri(url, `SELECT n, s FROM huge /* rows=${rows} rowBytes=${ROW_BYTES} */`)
    const res = await request(uri)
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-length'], undefined, 'streamed, not buffered: no Content-Length')
    const got = await consume(res.body)
    assert.ok(got.bytes > rows * ROW_BYTES, `${got.bytes} bytes`)
    assert.ok(got.head.includes(`"data":[${JSON.stringify(generatedRow(0, ROW_BYTES))},`), got.head.slice(0, 120))
    assert.ok(got.tail.endsWith(`${JSON.stringify(generatedRow(rows - 1, ROW_BYTES)).slice(-150)}]}`), got.tail)
  } finally {
    child.stdin.end()
  }
  const { maxRssBytes } = (await out.next()).value
  const [code] = await exited
  assert.equal(code, 0)
  assert.ok(maxRssBytes < rows * ROW_BYTES / 2, `peak RSS ${Math.round(maxRssBytes / 1e6)} MB`)
})

test(`a ~50 MB page arrives whole in-process (${ROWS} rows of ${ROW_BYTES} bytes)`, async () => {
  const uri = await executingUri(emulator.url, `SELECT n, s FROM huge /* rows=${ROWS} rowBytes=${ROW_BYTES} */`)
  const got = await consume((await request(uri)).body)
  assert.ok(got.bytes > ROWS * ROW_BYTES)
  assert.ok(got.tail.endsWith(`${JSON.stringify(generatedRow(ROWS - 1, ROW_BYTES)).slice(-150)}]}`), got.tail)
})

test('a big gzip page parses completely and in order', async () => {
  const rows = 20_000
  const uri = await executingUri(emulator.url, `SELECT n, s FROM big /* rows=${rows} pages=2 rowBytes=100 */`)
  const res = await request(uri, { headers: { 'accept-encoding': 'gzip' } })
  assert.equal(res.headers['content-encoding'], 'gzip')
  const chunks: Buffer[] = []
  for await (const chunk of Readable.from(res.body).pipe(createGunzip())) chunks.push(chunk as Buffer)
  const doc = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  assert.equal(doc.data.length, rows / 2)
  assert.deepEqual(doc.data[0], generatedRow(0, 100))
  assert.deepEqual(doc.data[rows / 2 - 1], generatedRow(rows / 2 - 1, 100))
  const second = (await http(doc.nextUri)).json
  assert.deepEqual(second.data[0], generatedRow(rows / 2, 100))
})

test('a client that disconnects mid-page does not break the coordinator', async () => {
  const uri = await executingUri(emulator.url, `SELECT n, s FROM huge /* rows=${ROWS} rowBytes=${ROW_BYTES} */`)
  const ac = new AbortController()
  const res = await request(uri, { signal: ac.signal })
  const first = await res.body[Symbol.asyncIterator]().next()
  assert.ok((first.value as Buffer).length > 0)
  ac.abort()
  // The same token may be fetched again and the page comes back whole.
  const again = await request(uri)
  const got = await consume(again.body)
  assert.ok(got.bytes > ROWS * ROW_BYTES)
  assert.equal((await http(`${emulator.url}/v1/info`)).status, 200)
})
