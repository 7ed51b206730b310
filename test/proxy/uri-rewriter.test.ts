import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import fc from 'fast-check'
import { createUriRewriter, rewriteDocument, UriRewriteEngine, type RewriteOptions } from '../../src/proxy/uri-rewriter.js'
import { createScanner, JsScanner, scanJs, type ScanState } from '../../src/proxy/uri-rewriter-scan.js'

const OPTS: RewriteOptions = { from: ['http://127.0.0.1:8081', 'http://blue-a', 'https://Green-B:443'], to: 'https://gw.example.com:8443' }
const GW = 'https://gw.example.com:8443'
const ID = '20250101_120000_00042_abcde'

const rw = (doc: string, opts: RewriteOptions = OPTS): string => rewriteDocument(Buffer.from(doc), opts).toString('utf8')

function runEngine (chunks: readonly Buffer[], opts: RewriteOptions = OPTS, js = false): Buffer {
  const e = new UriRewriteEngine(opts, js ? JsScanner : undefined)
  const out: Buffer[] = []
  for (const c of chunks) e.write(c, out)
  e.end(out)
  return Buffer.concat(out)
}

function splitAt (buf: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.map(p => p % (buf.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const c of cuts) {
    out.push(buf.subarray(prev, c))
    prev = c
  }
  out.push(buf.subarray(prev))
  return out
}

// ---------------------------------------------------------------------------------------------
// Concrete documents

test('queued document: nextUri and infoUri point at the gateway, nothing else changes', () => {
  const doc = `{"id":"${ID}","infoUri":"http://127.0.0.1:8081/ui/query.html?${ID}","nextUri":"http://127.0.0.1:8081/v1/statement/queued/${ID}/y9a1/1","stats":{"state":"QUEUED","queued":true,"scheduled":false,"nodes":0,"totalSplits":0,"progressPercentage":0.0},"warnings":[]}`
  assert.equal(rw(doc), `{"id":"${ID}","infoUri":"${GW}/ui/query.html?${ID}","nextUri":"${GW}/v1/statement/queued/${ID}/y9a1/1","stats":{"state":"QUEUED","queued":true,"scheduled":false,"nodes":0,"totalSplits":0,"progressPercentage":0.0},"warnings":[]}`)
})

test('executing document with columns and data: URIs rewritten, rows byte-identical (numbers keep their spelling)', () => {
  const rows = '[[1,"a\\"b",1.50E+3,null,{"nextUri":"http://127.0.0.1:8081/v1/x","k":[1,{"infoUri":"http://127.0.0.1:8081/"}]}],\n  [-0,"\\u00e9\\/",true,false,"]}\\\\"]]'
  const doc = `{\n  "id" : "${ID}",\n  "infoUri" : "http://127.0.0.1:8081/ui/query.html?${ID}",\n  "partialCancelUri" : "http://127.0.0.1:8081/v1/statement/executing/partialCancel/${ID}/0/y1/2",\n  "nextUri" : "http://127.0.0.1:8081/v1/statement/executing/${ID}/y1/2",\n  "columns" : [ {"name":"nextUri","type":"varchar","typeSignature":{"rawType":"varchar","arguments":[]}} ],\n  "data" : ${rows},\n  "stats" : {"state":"RUNNING","rootStage":{"stageId":"0","subStages":[]}}\n}`
  const out = rw(doc)
  assert.equal(out, doc
    .replace(`"http://127.0.0.1:8081/ui/query.html?${ID}"`, `"${GW}/ui/query.html?${ID}"`)
    .replace('"http://127.0.0.1:8081/v1/statement/executing/partialCancel/', `"${GW}/v1/statement/executing/partialCancel/`)
    .replace('"nextUri" : "http://127.0.0.1:8081/', `"nextUri" : "${GW}/`))
  assert.ok(out.includes(rows), 'rows untouched, including the nested nextUri/infoUri keys')
})

test('finished document (no nextUri) and a data page after the URIs', () => {
  const doc = `{"id":"${ID}","infoUri":"http://127.0.0.1:8081/ui/query.html?${ID}","columns":[{"name":"x","type":"bigint"}],"data":[[1],[2]],"stats":{"state":"FINISHED"},"warnings":[],"updateType":"SELECT"}`
  assert.equal(rw(doc), doc.replace('http://127.0.0.1:8081/ui', `${GW}/ui`))
})

test('failed document: the error (which may quote coordinator URLs) is untouched', () => {
  const doc = `{"id":"${ID}","infoUri":"http://127.0.0.1:8081/ui/query.html?${ID}","stats":{"state":"FAILED"},"error":{"message":"see http://127.0.0.1:8081/v1/x","errorCode":1,"errorName":"SYNTAX_ERROR","errorType":"USER_ERROR","failureInfo":{"type":"io.trino.sql.parser.ParsingException","message":"nextUri","stack":["a","b"],"suppressed":[],"errorLocation":{"lineNumber":1,"columnNumber":8}}},"warnings":[]}`
  assert.equal(rw(doc), doc.replace('"http://127.0.0.1:8081/ui/', `"${GW}/ui/`))
})

test('spooled data (Trino 466+): coordinator segment and ack URIs rewritten, storage URLs and headers kept', () => {
  const doc = JSON.stringify({
    id: ID,
    infoUri: `http://127.0.0.1:8081/ui/query.html?${ID}`,
    nextUri: `http://127.0.0.1:8081/v1/statement/executing/${ID}/y1/3`,
    columns: [{ name: 'x', type: 'bigint' }],
    data: {
      encoding: 'json+zstd',
      metadata: { schema: 'x' },
      segments: [
        { type: 'inline', data: 'WzFdLFsyXQ==', metadata: { rowOffset: 0, rowsCount: 2, segmentSize: 12 } },
        { type: 'spooled', uri: 'http://127.0.0.1:8081/v1/spooled/download/abc%3D%3D', ackUri: 'http://127.0.0.1:8081/v1/spooled/ack/abc%3D%3D', metadata: { rowOffset: 2, rowsCount: 100, segmentSize: 4000, expiresAt: '2025-01-01T00:00:00Z' } },
        { type: 'spooled', uri: 'https://bucket.s3.eu-west-1.amazonaws.com/q/abc?X-Amz-Signature=ff', ackUri: 'http://127.0.0.1:8081/v1/spooled/ack/def', metadata: { rowOffset: 102, rowsCount: 1, segmentSize: 10 }, headers: { 'x-amz-server-side-encryption-customer-key': ['http://127.0.0.1:8081/not-a-uri'] } },
        { type: 'spooled', uri: 'http://blue-a:80/v1/spooled/download/ghi', ackUri: null, metadata: { rowOffset: 103, rowsCount: 1, segmentSize: 10 } }
      ]
    },
    stats: { state: 'RUNNING' }
  })
  const out = JSON.parse(rw(doc)) as Record<string, any>
  const segs = out.data.segments as Array<Record<string, any>>
  assert.equal(out.nextUri, `${GW}/v1/statement/executing/${ID}/y1/3`)
  assert.equal(segs[0]!.data, 'WzFdLFsyXQ==')
  assert.equal(segs[1]!.uri, `${GW}/v1/spooled/download/abc%3D%3D`)
  assert.equal(segs[1]!.ackUri, `${GW}/v1/spooled/ack/abc%3D%3D`)
  assert.equal(segs[2]!.uri, 'https://bucket.s3.eu-west-1.amazonaws.com/q/abc?X-Amz-Signature=ff', 'presigned storage URL kept')
  assert.equal(segs[2]!.ackUri, `${GW}/v1/spooled/ack/def`)
  assert.deepEqual(segs[2]!.headers, { 'x-amz-server-side-encryption-customer-key': ['http://127.0.0.1:8081/not-a-uri'] })
  assert.equal(segs[3]!.uri, `${GW}/v1/spooled/download/ghi`)
  assert.equal(segs[3]!.ackUri, null)
})

test('Presto URIs with ?slug= and an origin with a default port written either way', () => {
  const doc = '{"id":"x","infoUri":"http://BLUE-A:80/ui/query.html?x","nextUri":"http://blue-a/v1/statement/executing/x/1?slug=x4f2","partialCancelUri":"https://green-b/v1/x?slug=1"}'
  assert.equal(rw(doc), `{"id":"x","infoUri":"${GW}/ui/query.html?x","nextUri":"${GW}/v1/statement/executing/x/1?slug=x4f2","partialCancelUri":"${GW}/v1/x?slug=1"}`)
  assert.equal(rw('{"nextUri":"https://green-b:443?slug=1"}'), `{"nextUri":"${GW}?slug=1"}`)
  assert.equal(rw('{"nextUri":"http://127.0.0.1:8081"}'), `{"nextUri":"${GW}"}`, 'the bare origin')
})

test('a nested nextUri (a MAP column in data, or inside stats) is not top level and stays', () => {
  const doc = '{"data":[[{"nextUri":"http://127.0.0.1:8081/v1/statement/x"}]],"stats":{"nextUri":"http://127.0.0.1:8081/a"},"columns":[{"infoUri":"http://127.0.0.1:8081/b"}]}'
  assert.equal(rw(doc), doc)
  const map = '{"data":{"encoding":"json","segments":[{"type":"spooled","uri":"http://127.0.0.1:8081/s","metadata":{"uri":"http://127.0.0.1:8081/m"}}],"uri":"http://127.0.0.1:8081/d"}}'
  assert.equal(rw(map), map.replace('"uri":"http://127.0.0.1:8081/s"', `"uri":"${GW}/s"`), 'only segments[i].uri/ackUri in data')
})

test('escaped slashes and \\u escapes: decode to compare, keep the rest of the value as it was', () => {
  assert.equal(rw('{"nextUri":"http:\\/\\/127.0.0.1:8081\\/v1\\/statement\\/queued"}'), `{"nextUri":"${GW}\\/v1\\/statement\\/queued"}`)
  assert.equal(rw('{"nextUri":"\\u0068ttp://BLUE-\\u0041\\u002fx"}'), `{"nextUri":"${GW}\\u002fx"}`)
  assert.equal(rw('{"next\\u0055ri":"http://blue-a/x"}'), `{"next\\u0055ri":"${GW}/x"}`, 'an escaped key is the same key')
  const out = rw('{"infoUri":"http:\\/\\/127.0.0.1:8081\\/ui\\/query.html?\\"\\u00e9\\ud83d\\ude00"}')
  assert.equal((JSON.parse(out) as { infoUri: string }).infoUri, `${GW}/ui/query.html?"é😀`)
  assert.equal(rw('{"nextUri":"http:\\/\\/127.0.0.1:8081\\/x"}', { from: OPTS.from, to: 'https://gw/"q"' }), '{"nextUri":"https://gw/\\"q\\"\\/x"}', '`to` is JSON-escaped')
})

test('URIs that do not point at a coordinator stay byte-identical', () => {
  const others = [
    'http://127.0.0.1:8082/v1/x', 'http://127.0.0.1:80810/v1/x', 'http://127.0.0.1:8081.evil.com/x', 'http://127.0.0.1:8081@evil/x',
    'https://127.0.0.1:8081/x', 'http://blue-ab/x', 'http://blue-a:8080/x', 'http://blue-a.evil/x', 'ftp://blue-a/x', 'https://green-b:8443/x',
    '//127.0.0.1:8081/x', '/v1/statement/x', '', 'http://127.0.0.1:8081#x', 'http://127.0.0.1:8081\\\\x', 'http://\\u212a/x'
  ]
  for (const u of others) {
    const doc = `{"nextUri":"${u}","infoUri":"${u}","partialCancelUri":"${u}"}`
    assert.equal(rw(doc), doc, u)
  }
  const kelvin = '{"nextUri":"http://bl\\u212Ae-a/x"}'
  assert.equal(rw(kelvin, { from: ['http://blke-a'], to: GW }), kelvin, 'case folding is ASCII only')
})

test('non-string URI values, duplicate keys, odd whitespace', () => {
  const doc = '{ "nextUri" : null , "infoUri":17,"partialCancelUri":{"a":"http://127.0.0.1:8081/x"},\r\n\t"nextUri"\n:\n"http://127.0.0.1:8081/x" }  \n'
  assert.equal(rw(doc), doc.replace('"http://127.0.0.1:8081/x" }', `"${GW}/x" }`))
})

test('`to` with a path prefix and a trailing slash', () => {
  assert.equal(rw('{"nextUri":"http://127.0.0.1:8081/v1/statement?x"}', { from: OPTS.from, to: 'https://gw.example.com/trino/' }), '{"nextUri":"https://gw.example.com/trino/v1/statement?x"}')
})

test('no valid origins: everything passes through', () => {
  const doc = '{"nextUri":"http://127.0.0.1:8081/x"}'
  assert.equal(rw(doc, { from: [], to: GW }), doc)
  assert.equal(rw(doc, { from: ['not a url', 'mailto:x@y'], to: GW }), doc)
})

test('malformed input passes through unchanged', () => {
  for (const doc of [
    'not json', '', '[{"nextUri":"http://127.0.0.1:8081/x"}]', '"http://127.0.0.1:8081/x"', '{"nextUri" "http://127.0.0.1:8081/x"}',
    '{"a":1 "nextUri":"http://127.0.0.1:8081/x"}', '{"a":[1,2]] "nextUri":"http://127.0.0.1:8081/x"}', '{"nextUri":"http://127.0.0.1:8081/x', '\ufeff{"nextUri":"http://127.0.0.1:8081/x"}',
    '{"a":x,"nextUri":"http://127.0.0.1:8081/x"}', '{"a"::1,"nextUri":"http://127.0.0.1:8081/x"}', '{,"nextUri":"http://127.0.0.1:8081/x"}'
  ]) {
    assert.equal(rw(doc), doc, doc)
  }
  // inside skipped values brackets are counted, not matched (the price of the SIMD scan): harmless, as only the next top-level key matters
  assert.equal(rw('{"a":[1,2}, "nextUri":"http://127.0.0.1:8081/x"}'), `{"a":[1,2}, "nextUri":"${GW}/x"}`)
  // once the document object has closed, trailing bytes are not parsed
  assert.equal(rw('{"a":1} {"nextUri":"http://127.0.0.1:8081/x"}'), '{"a":1} {"nextUri":"http://127.0.0.1:8081/x"}')
})

test('a long nextUri (far over the hold-back size) is still rewritten, and streamed', () => {
  const tail = '/v1/statement?' + 'q'.repeat(200_000)
  const doc = Buffer.from(`{"nextUri":"http://127.0.0.1:8081${tail}","x":1}`)
  const expected = `{"nextUri":"${GW}${tail}","x":1}`
  assert.equal(rewriteDocument(doc, OPTS).toString(), expected)
  assert.equal(runEngine(splitAt(doc, [20, 40, 1000, 70_000, 150_000])).toString(), expected)
  const other = Buffer.from(`{"nextUri":"http://elsewhere${tail}"}`)
  assert.equal(rewriteDocument(other, OPTS).toString(), other.toString())
})

test('a key after a data array larger than the SIMD window is still found', () => {
  const row = '[1,"s\\\\",{"a":"]]]}}}","nextUri":"http://127.0.0.1:8081/n"},"\\"[[["],'
  const doc = Buffer.from(`{"data":[${row.repeat(9000)}[0]],"nextUri":"http://127.0.0.1:8081/v1/x"}`)
  assert.ok(doc.length > 4 * 65536)
  const expected = Buffer.from(`{"data":[${row.repeat(9000)}[0]],"nextUri":"${GW}/v1/x"}`)
  assert.deepEqual(rewriteDocument(doc, OPTS), expected)
  assert.deepEqual(runEngine([doc], OPTS, true), expected)
  assert.deepEqual(runEngine(splitAt(doc, [65_537, 131_000, 131_071, doc.length - 30])), expected)
})

test('memory stays flat: at most a few hundred bytes are ever held back', () => {
  const row = '[1,"some text \\" with ] and } in it",{"nextUri":"http://127.0.0.1:8081/x"},2.5,null],'
  const doc = Buffer.from(`{"infoUri":"http://127.0.0.1:8081/ui","nextUri":"http://127.0.0.1:8081/n","data":[${row.repeat(40_000)}[0]],"stats":{}}`)
  const e = new UriRewriteEngine(OPTS)
  const out: Buffer[] = []
  let consumed = 0
  let emitted = 0
  const growth = 2 * (GW.length - 'http://127.0.0.1:8081'.length)
  let maxHeld = 0
  for (const chunk of splitAt(doc, Array.from({ length: 500 }, (_, k) => k * 7919 + 13))) {
    e.write(chunk, out)
    consumed += chunk.length
    for (const o of out.splice(0)) emitted += o.length
    maxHeld = Math.max(maxHeld, consumed + growth - emitted)
  }
  e.end(out)
  for (const o of out) emitted += o.length
  assert.equal(emitted, doc.length + growth)
  assert.ok(maxHeld <= 300, `held back ${maxHeld} bytes`)
})

test('the Transform gives the same bytes as rewriteDocument, with 1-byte chunks too', async () => {
  const doc = Buffer.from('{"id":"x","infoUri":"http:\\/\\/127.0.0.1:8081/ui","nextUri":"http://127.0.0.1:8081/v1/é","data":[["\\"]",{"nextUri":"http://127.0.0.1:8081/"}]],"x":"ü😀"}')
  const expected = rewriteDocument(doc, OPTS)
  for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
    const chunks: Buffer[] = []
    for (let i = 0; i < doc.length; i += size) chunks.push(doc.subarray(i, i + size))
    const got: Buffer[] = []
    await pipeline(Readable.from(chunks), createUriRewriter(OPTS), async function * (src: AsyncIterable<Buffer>) {
      for await (const c of src) got.push(c)
    })
    assert.deepEqual(Buffer.concat(got), expected, `chunk size ${size}`)
  }
})

// ---------------------------------------------------------------------------------------------
// Property-based tests

type J = null | boolean | { n: string } | { s: string } | J[] | { o: Array<[string, J]> }

const COORD_SPELLINGS = ['http://127.0.0.1:8081', 'HTTP://127.0.0.1:8081', 'http://blue-a', 'http://BLUE-A:80', 'http://blue-a:80', 'https://green-b', 'https://GREEN-B:443']
const OTHER_SPELLINGS = ['http://127.0.0.1:8082', 'http://127.0.0.1:80810', 'http://127.0.0.1:8081.evil', 'http://127.0.0.1:8081@evil', 'https://127.0.0.1:8081',
  'http://blue-a:8080', 'http://blue-ab', 'https://bucket.s3.amazonaws.com', 'ftp://blue-a', '', 'blue-a', 'http:/127.0.0.1:8081', 'https://green-b:8443', 'http://green-b']
const SUFFIXES = ['', '/', '/v1/statement/queued/20250101_000000_00001_abcde/y1/1', '?slug=x1', '/ui/query.html?id', '/v1/spooled/download/abc%2F', '#f', ':99', 'x', '\\', '/"é😀']

const arbUri = fc.tuple(fc.constantFrom(...COORD_SPELLINGS, ...OTHER_SPELLINGS), fc.constantFrom(...SUFFIXES), fc.string({ maxLength: 6 }))
  .map(([o, s, r]) => o + s + r)
const arbText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '/', '\n', '\u2028', '\u0000', 'é', '😀', ']', '}', '[', '{', ':', ',', 'a'), maxLength: 12 }),
  arbUri
)
const arbNum = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(d => JSON.stringify(d)),
  fc.tuple(fc.integer({ min: -99, max: 99 }), fc.constantFrom('e', 'E', 'e+', 'E-', '.5e'), fc.nat(20)).map(([a, e, b]) => `${a}${e}${b}`),
  fc.constantFrom('-0', '0.0', '1.50E+3', '-0.000')
)
const KEYS = ['nextUri', 'infoUri', 'partialCancelUri', 'data', 'segments', 'uri', 'ackUri', 'headers', 'metadata', 'type', 'id', 'stats']
const arbKey = fc.oneof(fc.constantFrom(...KEYS), fc.string({ unit: 'binary', maxLength: 6 }))

const { json: arbJson } = fc.letrec<{ json: J }>(tie => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null), fc.boolean(), arbNum.map(n => ({ n })), arbText.map(s => ({ s })),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(arbKey, tie('json')), { maxLength: 4 }).map(o => ({ o }))
  )
}))

const arbUriValue: fc.Arbitrary<J> = fc.oneof({ weight: 6, arbitrary: arbUri.map(s => ({ s })) }, { weight: 1, arbitrary: arbJson })
const arbSegment: fc.Arbitrary<J> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(fc.constantFrom('spooled', 'inline'), arbUriValue, arbUriValue, arbJson, fc.array(fc.tuple(arbKey, arbJson), { maxLength: 2 }), fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.array(arbUri.map(s => ({ s })), { maxLength: 2 })), { maxLength: 2 }))
      .chain(([type, uri, ack, meta, extra, headers]) => fc.shuffledSubarray<[string, J]>([
        ['type', { s: type }], ['uri', uri], ['ackUri', ack], ['metadata', meta], ['headers', { o: headers }], ...extra
      ], { minLength: 1 }).map(o => ({ o })))
  },
  { weight: 1, arbitrary: arbJson }
)
const arbData: fc.Arbitrary<J> = fc.oneof(
  fc.array(fc.array(arbJson, { maxLength: 5 }), { maxLength: 6 }),
  fc.tuple(fc.array(arbSegment, { maxLength: 4 }), arbJson, fc.array(fc.tuple(arbKey, arbJson), { maxLength: 2 }))
    .chain(([segments, meta, extra]) => fc.shuffledSubarray<[string, J]>([['encoding', { s: 'json+zstd' }], ['segments', segments], ['metadata', meta], ...extra]).map(o => ({ o }))),
  arbJson
)
const arbEntry: fc.Arbitrary<[string, J]> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('nextUri', 'infoUri', 'partialCancelUri'), arbUriValue) },
  { weight: 2, arbitrary: arbData.map(d => ['data', d] as [string, J]) },
  { weight: 3, arbitrary: fc.tuple(arbKey, arbJson) }
)
const arbDoc = fc.tuple(fc.array(arbEntry, { maxLength: 8 }), fc.integer()).map(([entries, seed]) => render(entries, seed))

function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Rendered { text: string, spans: Array<{ start: number, end: number, value: string }> }

/** Renders a document with random whitespace and escapes, recording the byte spans of the values proxy mode may rewrite. */
function render (entries: Array<[string, J]>, seed: number): Rendered {
  const rnd = prng(seed)
  const parts: Buffer[] = []
  let size = 0
  const spans: Rendered['spans'] = []
  const emit = (s: string): void => {
    const b = Buffer.from(s, 'utf8')
    parts.push(b)
    size += b.length
  }
  const ws = (): void => {
    const r = rnd()
    emit(r < 0.6 ? '' : r < 0.8 ? ' ' : r < 0.9 ? '\n  ' : '\t\r\n')
  }
  const str = (s: string): void => {
    let out = '"'
    for (const ch of s) {
      const cp = ch.codePointAt(0)!
      const r = rnd()
      if (ch === '"' || ch === '\\') out += r < 0.8 ? '\\' + ch : `\\u00${cp.toString(16)}`
      else if (cp < 0x20) out += r < 0.5 ? JSON.stringify(ch).slice(1, -1) : `\\u${cp.toString(16).padStart(4, '0')}`
      else if (ch === '/' && r < 0.4) out += '\\/'
      else if (r < 0.12) {
        const units = cp > 0xffff ? [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)] : [cp]
        out += units.map(u => `\\u${u.toString(16).padStart(4, '0')}`).map(e => rnd() < 0.5 ? e.toUpperCase().replace('\\U', '\\u') : e).join('')
      } else out += ch
    }
    emit(out + '"')
  }
  const value = (v: J, path: Array<string | number>): void => {
    if (v === null || typeof v === 'boolean') emit(String(v))
    else if (Array.isArray(v)) {
      emit('[')
      ws()
      v.forEach((x, k) => {
        if (k > 0) { emit(','); ws() }
        value(x, [...path, k])
        ws()
      })
      emit(']')
    } else if ('n' in v) emit(v.n)
    else if ('s' in v) {
      const start = size
      str(v.s)
      if (rewritable(path)) spans.push({ start, end: size, value: v.s })
    } else {
      emit('{')
      ws()
      v.o.forEach(([k, x], idx) => {
        if (idx > 0) { emit(','); ws() }
        str(k)
        ws()
        emit(':')
        ws()
        value(x, [...path, k])
        ws()
      })
      emit('}')
    }
  }
  // paths hold object keys as strings and array indexes as numbers, so this also says that `data`
  // is an object, `segments` an array and the segment an object
  const rewritable = (path: Array<string | number>): boolean =>
    (path.length === 1 && ['nextUri', 'infoUri', 'partialCancelUri'].includes(path[0] as string)) ||
    (path.length === 4 && path[0] === 'data' && path[1] === 'segments' && typeof path[2] === 'number' && ['uri', 'ackUri'].includes(path[3] as string))
  ws()
  emit('{')
  ws()
  entries.forEach(([k, v], idx) => {
    if (idx > 0) { emit(','); ws() }
    str(k)
    ws()
    emit(':')
    ws()
    value(v, [k])
    ws()
  })
  emit('}')
  ws()
  return { text: Buffer.concat(parts).toString('utf8'), spans }
}

function refRewrite (s: string): string {
  for (const re of [/^http:\/\/127\.0\.0\.1:8081(?=[/?]|$)/i, /^http:\/\/blue-a(?::80)?(?=[/?]|$)/i, /^https:\/\/green-b(?::443)?(?=[/?]|$)/i]) {
    const m = re.exec(s)
    if (m !== null) return GW + s.slice(m[0].length)
  }
  return s
}

function refRewriteValue (doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc
  const o = { ...(doc as Record<string, unknown>) }
  for (const k of ['nextUri', 'infoUri', 'partialCancelUri']) {
    if (typeof o[k] === 'string') o[k] = refRewrite(o[k])
  }
  const data = o.data
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const d = { ...(data as Record<string, unknown>) }
    if (Array.isArray(d.segments)) {
      d.segments = d.segments.map((seg: unknown) => {
        if (seg === null || typeof seg !== 'object' || Array.isArray(seg)) return seg
        const s = { ...(seg as Record<string, unknown>) }
        for (const k of ['uri', 'ackUri']) if (typeof s[k] === 'string') s[k] = refRewrite(s[k])
        return s
      })
    }
    o.data = d
  }
  return o
}

/** Length of the JSON string token at buf[i] (which is a quote). */
function stringTokenEnd (buf: Buffer, i: number): number {
  let esc = false
  for (let k = i + 1; k < buf.length; k++) {
    if (esc) esc = false
    else if (buf[k] === 0x5c) esc = true
    else if (buf[k] === 0x22) return k + 1
  }
  return -1
}

test('property: output parses to the input with exactly the coordinator URIs rewritten; every other byte is identical', () => {
  fc.assert(fc.property(arbDoc, ({ text, spans }) => {
    const input = Buffer.from(text)
    const out = rewriteDocument(input, OPTS)
    assert.deepEqual(JSON.parse(out.toString('utf8')), refRewriteValue(JSON.parse(text)))
    // walk the spans the generator recorded: bytes between them identical, each span either identical or rewritten
    let ip = 0
    let op = 0
    for (const s of spans) {
      assert.deepEqual(out.subarray(op, op + (s.start - ip)), input.subarray(ip, s.start), 'bytes before a URI value')
      op += s.start - ip
      const end = stringTokenEnd(out, op)
      assert.ok(end > 0)
      const token = out.subarray(op, end)
      const expected = refRewrite(s.value)
      if (expected === s.value) assert.deepEqual(token, input.subarray(s.start, s.end), 'a URI elsewhere is byte-identical')
      else assert.equal(JSON.parse(token.toString('utf8')), expected)
      op = end
      ip = s.end
    }
    assert.deepEqual(out.subarray(op), input.subarray(ip), 'bytes after the last URI value')
  }), { numRuns: 1500 })
})

test('property: any split into chunks gives the same output as the whole (SIMD and JS scanners alike)', () => {
  const arbBig = fc.tuple(arbDoc, fc.nat(40)).map(([d, reps]) => {
    // grow the rows so the 64-byte SIMD blocks and window edges are crossed
    const t = d.text.replace('"data":[', `"data":[${'[1,"x\\"]}{[",{"nextUri":"http://127.0.0.1:8081/"}],'.repeat(reps)}`)
    return Buffer.from(t)
  })
  fc.assert(fc.property(arbBig, fc.array(fc.nat(), { maxLength: 12 }), (doc, points) => {
    const whole = rewriteDocument(doc, OPTS)
    assert.deepEqual(runEngine(splitAt(doc, points)), whole)
    assert.deepEqual(runEngine(splitAt(doc, points), OPTS, true), whole)
  }), { numRuns: 800 })
})

test('property: random bytes and mangled documents never throw, and chunking never matters', () => {
  const arbBytes = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map(a => Buffer.from(a)),
    fc.array(fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', ' ', 'nextUri', '"nextUri":"http://127.0.0.1:8081/x"', 'data', 'segments', '1', 'null', 'é'), { maxLength: 120 }).map(a => Buffer.from(a.join(''))),
    fc.tuple(arbDoc, fc.nat(), fc.nat(255), fc.nat()).map(([d, at, byte, cut]) => {
      const b = Buffer.from(d.text)
      if (b.length > 0) b[at % b.length] = byte
      return b.subarray(0, cut % (b.length + 1))
    })
  )
  fc.assert(fc.property(arbBytes, fc.array(fc.nat(), { maxLength: 8 }), (bytes, points) => {
    const whole = rewriteDocument(bytes, OPTS)
    assert.deepEqual(runEngine(splitAt(bytes, points)), whole)
    assert.deepEqual(runEngine(splitAt(bytes, points), OPTS, true), whole)
  }), { numRuns: 2000 })
})

test('property: the SIMD scanner agrees with the JS one on any bytes and any starting state', () => {
  const simd = createScanner(true)
  const arb = fc.tuple(
    fc.array(fc.constantFrom(0x22, 0x5c, 0x5b, 0x5d, 0x7b, 0x7d, 0x61, 0x2c, 0x00, 0xff, 0xdf), { maxLength: 700 }),
    fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.boolean())
  fc.assert(fc.property(arb, ([bytes, depth, inString, escaped]) => {
    const b = Uint8Array.from(bytes)
    const a: ScanState = { depth, inString, escaped }
    const s: ScanState = { depth, inString, escaped }
    assert.equal(simd.scan(b, 0, b.length, s), scanJs(b, 0, b.length, a))
    assert.deepEqual(s, a)
  }), { numRuns: 3000 })
})
