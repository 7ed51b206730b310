/**
 * Finds where a skipped JSON array/object ends — the hot path of the URI rewriter, run over every
 * byte of the `data` rows of a result page.
 *
 * Two implementations with the same semantics, byte for byte:
 * - `JsScanner`, a plain loop (about 0.7 GB/s);
 * - `WasmScanner`, a WebAssembly SIMD kernel in the style of simdjson's stage 1 (64 bytes per step:
 *   quote/backslash/bracket bitmasks, escapes by carry arithmetic, in-string mask by prefix XOR,
 *   bracket counting with popcount), assembled below from its opcodes so the repository needs no
 *   WebAssembly toolchain.
 *
 * Semantics (deliberately lenient, so that both are the same on any input, valid JSON or not): a
 * backslash that is not itself escaped escapes the next byte, inside or outside strings; a quote
 * that is not escaped toggles "in string"; outside strings `[`/`{` add one to the depth and `]`/`}`
 * take one away (their kinds are not matched); the container ends at the byte that brings the depth
 * to zero.
 */

/** Scan state carried from one chunk to the next. */
export interface ScanState {
  depth: number
  inString: boolean
  escaped: boolean
}

export interface Scanner {
  /**
   * Scans b[i, n). Returns the index just past the byte that closes the container (depth 0), or -1
   * when b ends first (state updated for the next chunk).
   */
  scan: (b: Uint8Array, i: number, n: number, s: ScanState) => number
}

/** The reference implementation; also used for the < 64-byte tails the SIMD kernel leaves. */
export function scanJs (b: Uint8Array, i: number, n: number, s: ScanState): number {
  let depth = s.depth
  let inString = s.inString
  let escaped = s.escaped
  for (; i < n; i++) {
    const c = b[i]!
    if (escaped) {
      escaped = false
      if (c === 0x22 || c === 0x5c) continue
    } else if (c === 0x5c) {
      escaped = true
      continue
    } else if (c === 0x22) {
      inString = !inString
      continue
    }
    if (inString) continue
    if (c === 0x5b || c === 0x7b) {
      depth++
    } else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) {
        s.depth = 0
        s.inString = false
        s.escaped = false
        return i + 1
      }
    }
  }
  s.depth = depth
  s.inString = inString
  s.escaped = escaped
  return -1
}

export const JsScanner: Scanner = { scan: scanJs }

// ---------------------------------------------------------------------------------------------
// WebAssembly SIMD kernel.

// @types/node 20 with lib ES2023 declares no WebAssembly: the few members used here.
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmModule { readonly __brand?: 'WasmModule' }
interface WasmInstance { readonly exports: Record<string, unknown> }
declare const WebAssembly: {
  validate: (bytes: Uint8Array) => boolean
  Module: new (bytes: Uint8Array) => WasmModule
  Instance: new (module: WasmModule, imports: Record<string, never>) => WasmInstance
}
//
// Memory: bytes 0..11 hold the state (i32 depth, i32 inString 0/1, i32 escaped 0/1); the input
// window is copied to offset 64. scan(len) (len a multiple of 64) returns the offset just past the
// closing byte, or -1 with the state written back.

const WINDOW = 64 * 1024
const DATA = 64

function uleb (v: number): number[] {
  const out: number[] = []
  do {
    let byte = v & 0x7f
    v >>>= 7
    if (v !== 0) byte |= 0x80
    out.push(byte)
  } while (v !== 0)
  return out
}

function sleb (v: bigint): number[] {
  const out: number[] = []
  for (;;) {
    const byte = Number(v & 0x7fn)
    v >>= 7n
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return out
  }
}

function section (id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload]
}

function str (s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'utf8')]
}

function buildModule (): Uint8Array {
  // locals
  const LEN = 0
  const POS = 1
  const DEPTH = 2
  const K = 3
  const P = 4
  const INSTR = 5 // i64: all ones when the block starts inside a string
  const ESC = 6 // i64: 1 when the block's first byte is escaped
  const Q = 7
  const BS = 8
  const OP = 9
  const CL = 10
  const T = 11
  const M = 12
  const PE = 13
  const V = 14 // v128
  const W = 15 // v128

  const c: number[] = []
  const get = (l: number): void => { c.push(0x20, ...uleb(l)) }
  const set = (l: number): void => { c.push(0x21, ...uleb(l)) }
  const tee = (l: number): void => { c.push(0x22, ...uleb(l)) }
  const i32 = (v: number): void => { c.push(0x41, ...sleb(BigInt(v))) }
  const i64 = (v: bigint): void => { c.push(0x42, ...sleb(BigInt.asIntN(64, v))) }
  const splat = (byte: number): void => { c.push(0xfd, 0x0c, ...new Array<number>(16).fill(byte)) } // v128.const
  const simd = (op: number): void => { c.push(0xfd, ...uleb(op)) }
  const V128_LOAD = 0x00
  const I8X16_EQ = 0x23
  const V128_AND = 0x4e
  const I8X16_BITMASK = 0x64
  const op = (...bytes: number[]): void => { c.push(...bytes) }
  const I32_LOAD = 0x28
  const I32_STORE = 0x36
  const I32_EQZ = 0x45
  const I32_LT_S = 0x48
  const I32_GE_U = 0x4f
  const I32_ADD = 0x6a
  const I32_SUB = 0x6b
  const I64_EQZ = 0x50
  const I64_NE = 0x52
  const I64_CTZ = 0x7a
  const I64_POPCNT = 0x7b
  const I64_SUB = 0x7d
  const I64_AND = 0x83
  const I64_OR = 0x84
  const I64_XOR = 0x85
  const I64_SHL = 0x86
  const I64_SHR_S = 0x87
  const I64_SHR_U = 0x88
  const I32_WRAP_I64 = 0xa7
  const I64_EXTEND_I32_S = 0xac
  const I64_EXTEND_I32_U = 0xad
  const BLOCK = 0x02
  const LOOP = 0x03
  const IF = 0x04
  const ELSE = 0x05
  const END = 0x0b
  const BR = 0x0c
  const BR_IF = 0x0d
  const RETURN = 0x0f
  const VOID = 0x40
  const ODD = 0xaaaaaaaaaaaaaaaan

  // state in
  i32(0); op(I32_LOAD, 2, 0); set(DEPTH)
  i32(0); i32(0); op(I32_LOAD, 2, 4); op(I32_SUB, I64_EXTEND_I32_S); set(INSTR)
  i32(0); op(I32_LOAD, 2, 8); op(I64_EXTEND_I32_U); set(ESC)
  i32(0); set(POS)

  op(BLOCK, VOID) // $done
  op(LOOP, VOID) // $blocks
  get(POS); get(LEN); op(I32_GE_U, BR_IF, 1)
  get(POS); i32(DATA); op(I32_ADD); set(P)
  for (const l of [Q, BS, OP, CL]) { i64(0n); set(l) }
  for (let j = 0; j < 4; j++) {
    const lane = (target: number): void => {
      simd(I8X16_EQ); simd(I8X16_BITMASK); op(I64_EXTEND_I32_U)
      if (j > 0) { i64(BigInt(16 * j)); op(I64_SHL) }
      get(target); op(I64_OR); set(target)
    }
    get(P); simd(V128_LOAD); c.push(0, ...uleb(16 * j)); tee(V)
    splat(0x22); lane(Q)
    get(V); splat(0x5c); lane(BS)
    get(V); splat(0xdf); simd(V128_AND); tee(W) // folds '{' onto '[' and '}' onto ']'
    splat(0x5b); lane(OP)
    get(W); splat(0x5d); lane(CL)
  }
  // escaped bytes (simdjson's find_escaped)
  get(BS); op(I64_EQZ, IF, VOID)
  get(ESC); set(T)
  i64(0n); set(ESC)
  op(ELSE)
  get(BS); get(ESC); i64(-1n); op(I64_XOR, I64_AND); set(PE)
  get(PE); i64(1n); op(I64_SHL); i64(ODD); op(I64_OR); get(PE); op(I64_SUB); i64(ODD); op(I64_XOR); set(M)
  get(M); get(BS); get(ESC); op(I64_OR, I64_XOR); set(T)
  get(M); get(BS); op(I64_AND); i64(63n); op(I64_SHR_U); set(ESC)
  op(END)
  // unescaped quotes, then the in-string mask by prefix XOR
  get(Q); get(T); i64(-1n); op(I64_XOR, I64_AND); set(Q)
  for (const sh of [1n, 2n, 4n, 8n, 16n, 32n]) { get(Q); get(Q); i64(sh); op(I64_SHL, I64_XOR); set(Q) }
  get(Q); get(INSTR); op(I64_XOR); set(T)
  get(T); i64(63n); op(I64_SHR_S); set(INSTR)
  get(T); i64(-1n); op(I64_XOR); set(T)
  get(OP); get(T); op(I64_AND); set(OP)
  get(CL); get(T); op(I64_AND); set(CL)
  // depth cannot reach zero in this block: count and move on
  get(CL); op(I64_POPCNT, I32_WRAP_I64); get(DEPTH); op(I32_LT_S, IF, VOID)
  get(DEPTH); get(OP); op(I64_POPCNT, I32_WRAP_I64, I32_ADD); get(CL); op(I64_POPCNT, I32_WRAP_I64, I32_SUB); set(DEPTH)
  op(ELSE)
  get(OP); get(CL); op(I64_OR); set(M)
  op(BLOCK, VOID) // $bits
  op(LOOP, VOID) // $bit
  get(M); op(I64_EQZ, BR_IF, 1)
  get(M); op(I64_CTZ, I32_WRAP_I64); set(K)
  get(CL); get(K); op(I64_EXTEND_I32_U, I64_SHR_U); i64(1n); op(I64_AND, I64_EQZ, IF, VOID)
  get(DEPTH); i32(1); op(I32_ADD); set(DEPTH)
  op(ELSE)
  get(DEPTH); i32(1); op(I32_SUB); tee(DEPTH); op(I32_EQZ, IF, VOID)
  get(POS); get(K); op(I32_ADD); i32(1); op(I32_ADD, RETURN)
  op(END)
  op(END)
  get(M); get(M); i64(1n); op(I64_SUB, I64_AND); set(M)
  op(BR, 0)
  op(END) // $bit
  op(END) // $bits
  op(END)
  get(POS); i32(64); op(I32_ADD); set(POS)
  op(BR, 0)
  op(END) // $blocks
  op(END) // $done
  // state out
  i32(0); get(DEPTH); op(I32_STORE, 2, 0)
  i32(0); get(INSTR); i64(0n); op(I64_NE, I32_STORE, 2, 4)
  i32(0); get(ESC); op(I32_WRAP_I64, I32_STORE, 2, 8)
  i32(-1)
  op(END)

  const I32T = 0x7f
  const I64T = 0x7e
  const V128T = 0x7b
  const locals = [3, ...uleb(4), I32T, ...uleb(9), I64T, ...uleb(2), V128T]
  const body = [...locals, ...c]
  const pages = Math.ceil((DATA + WINDOW) / 65536) + 1
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, I32T, 1, I32T]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(pages)]),
    ...section(7, [2, ...str('scan'), 0x00, 0, ...str('mem'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body])
  ])
}

class WasmScannerImpl implements Scanner {
  private readonly run: (len: number) => number
  private readonly bytes: Uint8Array
  private readonly state: Int32Array

  constructor (instance: WasmInstance) {
    const ex = instance.exports as { scan: (len: number) => number, mem: WasmMemory }
    this.run = ex.scan
    this.bytes = new Uint8Array(ex.mem.buffer)
    this.state = new Int32Array(ex.mem.buffer, 0, 3)
  }

  scan = (b: Uint8Array, i: number, n: number, s: ScanState): number => {
    const st = this.state
    while (n - i >= 64) {
      const len = Math.min(WINDOW, (n - i) & ~63)
      this.bytes.set(b.subarray(i, i + len), DATA)
      st[0] = s.depth
      st[1] = s.inString ? 1 : 0
      st[2] = s.escaped ? 1 : 0
      const r = this.run(len)
      if (r >= 0) {
        s.depth = 0
        s.inString = false
        s.escaped = false
        return i + r
      }
      s.depth = st[0]!
      s.inString = st[1] !== 0
      s.escaped = st[2] !== 0
      i += len
    }
    return scanJs(b, i, n, s)
  }
}

let wasmModule: WasmModule | null | undefined

/** A SIMD scanner (one instance per caller; it is not reentrant), or the JS one when SIMD is unavailable. */
export function createScanner (preferWasm = true): Scanner {
  if (!preferWasm) return JsScanner
  if (wasmModule === undefined) {
    try {
      const bytes = buildModule()
      wasmModule = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null
    } catch {
      wasmModule = null
    }
  }
  if (wasmModule === null) return JsScanner
  return new WasmScannerImpl(new WebAssembly.Instance(wasmModule, {}))
}
