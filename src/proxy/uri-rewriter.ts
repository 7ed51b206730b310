import { Transform, type TransformCallback } from 'node:stream'
import { createScanner, type Scanner, type ScanState } from './uri-rewriter-scan.js'

/**
 * Streaming rewriter for Trino/Presto `QueryResults` documents in proxy mode.
 *
 * Only these string values are candidates:
 * - top level `nextUri`, `infoUri`, `partialCancelUri`;
 * - spooling protocol (Trino 466+): top level `data` that is an object (`EncodedQueryData`:
 *   `{encoding, metadata?, segments: [...]}`), and in it every `segments[i].uri` / `segments[i].ackUri`
 *   (`SpooledSegment`: `{type: "spooled", uri, ackUri, metadata, headers?}`).
 * A candidate is rewritten only when its decoded text starts with one of the `from` origins
 * followed by `/`, `?` or the end of the string: that origin is replaced by `to`, the rest of the
 * value keeps its original bytes (escapes included). Every other byte passes through unchanged.
 *
 * The parser understands just enough JSON to know where it is: structure is tracked token by token
 * only along the paths above; every other array or object (rows in `data`, `stats`, `columns`, ...)
 * is skipped by a bracket-counting scan (WebAssembly SIMD, ~5 GB/s; see uri-rewriter-scan.ts) that
 * finds where it ends, so keys after `data` are still seen. Inside skipped values brackets are
 * counted, not matched. At most a few hundred bytes of a candidate value are ever held back (enough
 * to decide whether its prefix is a coordinator origin; the rest of a long value streams), so
 * memory stays flat whatever the page size. When the input stops looking like a JSON object (or once
 * the document object has closed) the rest of it is passed through untouched. Output is the same
 * for every split of the input into chunks.
 */
export interface RewriteOptions {
  /** coordinator origins whose URIs are rewritten, e.g. ['http://127.0.0.1:8081', 'http://blue-a:8080'] (scheme://host[:port], no trailing slash; compare case-insensitively on scheme/host, a default port may be explicit or omitted) */
  from: readonly string[]
  /** the gateway's public origin (plus optional path prefix), e.g. 'https://gw.example.com:8443' */
  to: string
}

// Parser modes.
const M_START = 0
const M_VALUE = 1
const M_AFTER_VALUE = 2
const M_KEY_OR_END = 3
const M_KEY = 4
const M_IN_KEY = 5
const M_COLON = 6
const M_IN_CAND = 7
const M_SKIP_STRING = 8
const M_SKIP_CONTAINER = 9
const M_SKIP_SCALAR = 10
const M_VALUE_OR_END = 11
const M_PASS = 12

// Structured frames (the only containers tracked key by key).
const F_ROOT = 0 // the document object
const F_DATA = 1 // top-level `data` when it is an object (spooling protocol)
const F_SEGMENTS = 2 // `data.segments` array
const F_SEGMENT = 3 // one element of `data.segments`

// What the value about to be read means.
const R_SKIP = 0
const R_URI = 1
const R_DATA = 2
const R_SEGMENTS = 3
const R_SEGMENT = 4

const KEY_CAP = 128 // longest key of interest is 16 chars, ≤ 96 bytes even if every char is \uXXXX

const CH_QUOTE = 0x22
const CH_BACKSLASH = 0x5c

const ROOT_URI_KEYS = new Set(['nextUri', 'infoUri', 'partialCancelUri'])
const SEGMENT_URI_KEYS = new Set(['uri', 'ackUri'])

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' }

interface Compiled {
  /** lowercased ASCII spellings of every origin (default port explicit and omitted) */
  variants: Uint8Array[]
  /** the JSON-escaped bytes of `to` (without quotes) */
  to: Buffer
  /** bytes of a candidate value held back before deciding */
  candCap: number
}

function compile (opts: RewriteOptions): Compiled {
  const seen = new Set<string>()
  for (const origin of opts.from) {
    let u: URL
    try {
      u = new URL(origin)
    } catch {
      continue // not an origin: nothing can match it
    }
    const defaultPort = DEFAULT_PORTS[u.protocol]
    if (defaultPort === undefined || u.host === '') continue
    const base = `${u.protocol}//${u.hostname}`.toLowerCase()
    if (u.port === '') {
      seen.add(base)
      seen.add(`${base}:${defaultPort}`)
    } else {
      seen.add(`${base}:${u.port}`)
    }
    // the spelling given, in case URL normalised it (e.g. a leading-zero port)
    const given = origin.replace(/\/+$/, '').toLowerCase()
    if (/^https?:\/\/[\x21-\x7e]+$/.test(given) && !/[/?#]/.test(given.slice(given.indexOf('//') + 2))) seen.add(given)
  }
  const variants = [...seen].map(v => Buffer.from(v, 'latin1'))
  const longest = variants.reduce((m, v) => Math.max(m, v.length), 0)
  const to = Buffer.from(JSON.stringify(opts.to.replace(/\/+$/, '')).slice(1, -1), 'utf8')
  return { variants, to, candCap: 6 * (longest + 1) }
}

function hexValue (c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10
  return -1
}

/**
 * Decodes the JSON escape starting at raw[r] (a backslash): the code unit times 8 plus the length
 * of the escape (2 or 6), so one number carries both without shared scratch state; -1 when
 * malformed or cut short.
 */
function decodeEscape (raw: Uint8Array, r: number, len: number): number {
  if (r + 1 >= len) return -1
  const e = raw[r + 1]!
  switch (e) {
    case 0x22: return 0x22 * 8 + 2
    case 0x5c: return 0x5c * 8 + 2
    case 0x2f: return 0x2f * 8 + 2
    case 0x62: return 0x08 * 8 + 2
    case 0x66: return 0x0c * 8 + 2
    case 0x6e: return 0x0a * 8 + 2
    case 0x72: return 0x0d * 8 + 2
    case 0x74: return 0x09 * 8 + 2
    case 0x75: {
      if (r + 6 > len) return -1
      let v = 0
      for (let k = r + 2; k < r + 6; k++) {
        const h = hexValue(raw[k]!)
        if (h < 0) return -1
        v = (v << 4) | h
      }
      return v * 8 + 6
    }
    default: return -1
  }
}

/**
 * Raw offset just past `variant` when the decoded value starts with it (ASCII case-insensitive)
 * and continues with `/`, `?` or ends; -1 otherwise. `complete` says raw[0, len) is the whole value.
 */
function matchVariant (raw: Uint8Array, len: number, complete: boolean, variant: Uint8Array): number {
  let r = 0
  for (let k = 0; k < variant.length; k++) {
    if (r >= len) return -1
    let c = raw[r]!
    if (c === CH_BACKSLASH) {
      const d = decodeEscape(raw, r, len)
      if (d < 0) return -1
      c = d >> 3
      r += d & 7
    } else {
      r++
    }
    if (c >= 0x41 && c <= 0x5a) c |= 0x20
    if (c !== variant[k]) return -1
  }
  if (r >= len) return complete ? r : -1
  let c = raw[r]!
  if (c === CH_BACKSLASH) {
    const d = decodeEscape(raw, r, len)
    c = d < 0 ? -1 : d >> 3
  }
  return c === 0x2f || c === 0x3f ? r : -1
}

function keyText (buf: Uint8Array, len: number, hasEscape: boolean): string | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, len)
  if (!hasEscape) return b.toString('latin1')
  try {
    const v: unknown = JSON.parse(`"${b.toString('utf8')}"`)
    return typeof v === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

/** The rewriting state machine; `write` may be called with any split of the document. */
export class UriRewriteEngine {
  private readonly c: Compiled
  private mode = M_START
  private readonly frames: number[] = []
  private role = R_SKIP
  /** inside a string: the next byte is escaped */
  private esc = false
  // key being read in a structured object
  private readonly keyBuf = new Uint8Array(KEY_CAP)
  private keyLen = 0
  private keyOverflow = false
  private keyHasEscape = false
  // candidate value being held back
  private readonly candBuf: Uint8Array
  private candLen = 0
  // skipped container
  private readonly scanner: Scanner
  private readonly skip: ScanState = { depth: 0, inString: false, escaped: false }

  /** `scanner` is for tests: the SIMD one by default, `JsScanner` to compare. */
  constructor (opts: RewriteOptions, scanner: Scanner = sharedScanner()) {
    this.c = compile(opts)
    this.scanner = scanner
    this.candBuf = new Uint8Array(Math.max(this.c.candCap, 1))
    if (this.c.variants.length === 0) this.mode = M_PASS
  }

  /** Feeds one chunk; the bytes to send are appended to `out` (subarrays of `chunk` where possible). */
  write (chunk: Buffer, out: Buffer[]): void {
    const b = chunk
    const n = b.length
    if (n === 0) return
    if (this.mode === M_PASS) {
      out.push(b)
      return
    }
    let i = 0
    let emitStart = 0 // start of the pending pass-through range
    let candStart = -1 // where the held candidate began in this chunk (-1: in an earlier chunk)
    while (i < n) {
      switch (this.mode) {
        case M_SKIP_CONTAINER:
          i = this.skipContainer(b, i, n)
          break
        case M_SKIP_STRING: {
          const q = this.findStringEnd(b, i, n)
          if (q < 0) {
            i = n
          } else {
            i = q + 1
            this.mode = M_AFTER_VALUE
          }
          break
        }
        case M_SKIP_SCALAR: {
          while (i < n && isScalarByte(b[i]!)) i++
          if (i < n) this.mode = M_AFTER_VALUE
          break
        }
        case M_IN_CAND: {
          const buf = this.candBuf
          const cap = buf.length
          let len = this.candLen
          let esc = this.esc
          let closed = false
          while (i < n) {
            const ch = b[i]!
            if (!esc && ch === CH_QUOTE) {
              closed = true
              break
            }
            if (len === cap) break
            buf[len++] = ch
            esc = esc ? false : ch === CH_BACKSLASH
            i++
          }
          this.candLen = len
          this.esc = esc
          if (i >= n && !closed) break // chunk used up, keep holding
          // decide: either the closing quote is at i, or enough is held to know
          const r = this.matchOrigin(len, closed)
          if (candStart >= 0) {
            if (r >= 0) {
              out.push(b.subarray(emitStart, candStart), this.c.to)
              emitStart = candStart + r
            }
            // no match: the candidate bytes simply stay in the pass-through range
          } else {
            if (r >= 0) out.push(this.c.to, Buffer.from(buf.subarray(r, len)))
            else out.push(Buffer.from(buf.subarray(0, len)))
            emitStart = i
          }
          candStart = -1
          this.candLen = 0
          if (closed) {
            i++
            this.esc = false
            this.mode = M_AFTER_VALUE
          } else {
            this.mode = M_SKIP_STRING // rest of a long value, esc carried over
          }
          break
        }
        case M_IN_KEY:
          i = this.readKey(b, i, n)
          break
        case M_PASS:
          i = n
          break
        default: {
          // structural modes: skip whitespace first
          const ch = b[i]!
          if (ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) {
            i++
            break
          }
          switch (this.mode) {
            case M_VALUE:
              if (ch === CH_QUOTE && this.role === R_URI) {
                this.mode = M_IN_CAND
                this.candLen = 0
                this.esc = false
                candStart = i + 1
              } else {
                this.startValue(ch)
              }
              i++
              break
            case M_AFTER_VALUE:
              this.afterValue(ch)
              i++
              break
            case M_KEY_OR_END:
              if (ch === 0x7d) this.closeFrame()
              else this.startKey(ch)
              i++
              break
            case M_KEY:
              this.startKey(ch)
              i++
              break
            case M_COLON:
              this.mode = ch === 0x3a ? M_VALUE : M_PASS
              i++
              break
            case M_VALUE_OR_END:
              if (ch === 0x5d) {
                this.closeFrame()
                i++
              } else {
                this.mode = M_VALUE
                this.role = R_SEGMENT
              }
              break
            case M_START:
              if (ch === 0x7b) {
                this.frames.push(F_ROOT)
                this.mode = M_KEY_OR_END
              } else {
                this.mode = M_PASS
              }
              i++
              break
            default:
              this.mode = M_PASS
          }
        }
      }
    }
    if (this.mode === M_IN_CAND) {
      if (candStart >= 0 && candStart > emitStart) out.push(b.subarray(emitStart, candStart))
    } else if (emitStart < n) {
      out.push(emitStart === 0 ? b : b.subarray(emitStart))
    }
  }

  /** End of input: a candidate still held back (unterminated string) goes out unchanged. */
  end (out: Buffer[]): void {
    if (this.mode === M_IN_CAND && this.candLen > 0) out.push(Buffer.from(this.candBuf.subarray(0, this.candLen)))
    this.candLen = 0
    this.mode = M_PASS
  }

  private matchOrigin (len: number, complete: boolean): number {
    for (const v of this.c.variants) {
      const r = matchVariant(this.candBuf, len, complete, v)
      if (r >= 0) return r
    }
    return -1
  }

  private startKey (ch: number): void {
    if (ch !== CH_QUOTE) {
      this.mode = M_PASS
      return
    }
    this.mode = M_IN_KEY
    this.keyLen = 0
    this.keyOverflow = false
    this.keyHasEscape = false
    this.esc = false
  }

  private readKey (b: Buffer, i: number, n: number): number {
    const buf = this.keyBuf
    let len = this.keyLen
    let esc = this.esc
    for (; i < n; i++) {
      const ch = b[i]!
      if (esc) {
        esc = false
      } else if (ch === CH_BACKSLASH) {
        esc = true
        this.keyHasEscape = true
      } else if (ch === CH_QUOTE) {
        this.keyLen = len
        this.esc = false
        this.role = this.roleForKey()
        this.mode = M_COLON
        return i + 1
      }
      if (len < KEY_CAP) buf[len++] = ch
      else this.keyOverflow = true
    }
    this.keyLen = len
    this.esc = esc
    return n
  }

  private roleForKey (): number {
    if (this.keyOverflow) return R_SKIP
    const frame = this.frames[this.frames.length - 1]
    const key = keyText(this.keyBuf, this.keyLen, this.keyHasEscape)
    if (key === undefined) return R_SKIP
    switch (frame) {
      case F_ROOT:
        if (ROOT_URI_KEYS.has(key)) return R_URI
        return key === 'data' ? R_DATA : R_SKIP
      case F_DATA:
        return key === 'segments' ? R_SEGMENTS : R_SKIP
      case F_SEGMENT:
        return SEGMENT_URI_KEYS.has(key) ? R_URI : R_SKIP
      default:
        return R_SKIP
    }
  }

  /** First byte of a value (not a candidate string). */
  private startValue (ch: number): void {
    const role = this.role
    if (ch === 0x7b) {
      if (role === R_DATA || role === R_SEGMENT) {
        this.frames.push(role === R_DATA ? F_DATA : F_SEGMENT)
        this.mode = M_KEY_OR_END
        return
      }
    } else if (ch === 0x5b) {
      if (role === R_SEGMENTS) {
        this.frames.push(F_SEGMENTS)
        this.mode = M_VALUE_OR_END
        return
      }
    }
    if (ch === 0x7b || ch === 0x5b) {
      this.skip.depth = 1
      this.skip.inString = false
      this.skip.escaped = false
      this.mode = M_SKIP_CONTAINER
    } else if (ch === CH_QUOTE) {
      this.esc = false
      this.mode = M_SKIP_STRING
    } else if (ch === 0x2d || (ch >= 0x30 && ch <= 0x39) || ch === 0x74 || ch === 0x66 || ch === 0x6e) {
      this.mode = M_SKIP_SCALAR
    } else {
      this.mode = M_PASS
    }
  }

  private afterValue (ch: number): void {
    const frame = this.frames[this.frames.length - 1]
    const isArray = frame === F_SEGMENTS
    if (ch === 0x2c) {
      if (isArray) {
        this.mode = M_VALUE
        this.role = R_SEGMENT
      } else {
        this.mode = M_KEY
      }
    } else if ((ch === 0x7d && !isArray) || (ch === 0x5d && isArray)) {
      this.closeFrame()
    } else {
      this.mode = M_PASS
    }
  }

  private closeFrame (): void {
    this.frames.pop()
    // once the document object is closed nothing further can be rewritten
    this.mode = this.frames.length === 0 ? M_PASS : M_AFTER_VALUE
  }

  /** Index of the closing quote of the string being skipped, or -1 when this chunk ends first. */
  private findStringEnd (b: Buffer, i: number, n: number): number {
    if (this.esc) {
      this.esc = false
      i++
      if (i >= n) return -1
    }
    let from = i
    for (;;) {
      const q = b.indexOf(CH_QUOTE, from)
      if (q < 0) {
        let k = n - 1
        while (k >= i && b[k] === CH_BACKSLASH) k--
        this.esc = ((n - 1 - k) & 1) === 1
        return -1
      }
      let k = q - 1
      while (k >= i && b[k] === CH_BACKSLASH) k--
      if (((q - 1 - k) & 1) === 0) return q
      from = q + 1
    }
  }

  /** Skips a non-candidate array/object; returns where to continue. The hot path for row data. */
  private skipContainer (b: Buffer, i: number, n: number): number {
    const r = this.scanner.scan(b, i, n, this.skip)
    if (r < 0) return n
    this.mode = M_AFTER_VALUE
    return r
  }
}

let scannerSingleton: Scanner | undefined

/** One scanner per thread: it is synchronous and takes its state as an argument, so engines share it. */
function sharedScanner (): Scanner {
  scannerSingleton ??= createScanner()
  return scannerSingleton
}

function isScalarByte (c: number): boolean {
  // digits, letters, '+', '-', '.': enough to find where a number or literal ends
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x2b || c === 0x2d || c === 0x2e
}

class UriRewriteTransform extends Transform {
  private readonly engine: UriRewriteEngine

  constructor (opts: RewriteOptions) {
    super()
    this.engine = new UriRewriteEngine(opts)
  }

  override _transform (chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk
    const out: Buffer[] = []
    try {
      this.engine.write(b, out)
    } catch (err) {
      // not expected (the engine is tested never to throw), but a stalled response would be worse
      callback(err as Error)
      return
    }
    if (out.length === 1) this.push(out[0])
    else if (out.length > 1) this.push(Buffer.concat(out))
    callback()
  }

  override _flush (callback: TransformCallback): void {
    const out: Buffer[] = []
    this.engine.end(out)
    for (const o of out) this.push(o)
    callback()
  }
}

/** A Transform (Buffer in, Buffer out) rewriting coordinator URIs of one QueryResults document. */
export function createUriRewriter (opts: RewriteOptions): Transform {
  return new UriRewriteTransform(opts)
}

/** Whole-buffer convenience over the same engine. */
export function rewriteDocument (buf: Buffer, opts: RewriteOptions): Buffer {
  const engine = new UriRewriteEngine(opts)
  const out: Buffer[] = []
  engine.write(buf, out)
  engine.end(out)
  return out.length === 1 && out[0] === buf ? Buffer.from(buf) : Buffer.concat(out)
}
