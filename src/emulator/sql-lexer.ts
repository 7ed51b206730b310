// Splits the small SQL dialect the emulator understands into tokens, and collects the test
// directive (`/* rows=N pages=M delayMs=D fail=MESSAGE rowBytes=B */`) from block comments.

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct'

export interface Token {
  kind: TokenKind
  text: string
  /** 1-based column of the token's first character (multi-line statements count columns on line 1 only). */
  column: number
}

export interface Directive {
  rows?: number
  pages?: number
  delayMs?: number
  rowBytes?: number
  fail?: string
}

export interface LexResult {
  tokens: Token[]
  directive: Directive
  error?: { message: string, column: number }
}

const NUMERIC_KEYS = new Set(['rows', 'pages', 'delayMs', 'rowBytes'])

function readDirective (comment: string, into: Directive): void {
  // Values may be quoted to carry spaces: fail='table is on fire'.
  const re = /([A-Za-z]+)=("[^"]*"|'[^']*'|\S+)/g
  for (const m of comment.matchAll(re)) {
    const key = m[1] ?? ''
    let value = m[2] ?? ''
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1)
    if (key === 'fail') into.fail = value
    else if (NUMERIC_KEYS.has(key)) {
      const n = Number(value)
      if (Number.isFinite(n) && n >= 0) into[key as 'rows' | 'pages' | 'delayMs' | 'rowBytes'] = Math.floor(n)
    }
  }
}

export function lex (sql: string): LexResult {
  const tokens: Token[] = []
  const directive: Directive = {}
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql[i] as string
    const column = i + 1
    if (/\s/.test(c)) { i++; continue }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      if (end < 0) return { tokens, directive, error: { message: 'unterminated comment', column } }
      readDirective(sql.slice(i + 2, end), directive)
      i = end + 2
      continue
    }
    if (c === "'") {
      let value = ''
      let j = i + 1
      for (;;) {
        if (j >= n) return { tokens, directive, error: { message: 'unterminated string literal', column } }
        if (sql[j] === "'") {
          if (sql[j + 1] === "'") { value += "'"; j += 2; continue }
          break
        }
        value += sql[j]
        j++
      }
      tokens.push({ kind: 'string', text: value, column })
      i = j + 1
      continue
    }
    if (c === '"') {
      const end = sql.indexOf('"', i + 1)
      if (end < 0) return { tokens, directive, error: { message: 'unterminated quoted identifier', column } }
      tokens.push({ kind: 'quoted', text: sql.slice(i + 1, end), column })
      i = end + 1
      continue
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i, i + 400))
    if (num !== null) {
      tokens.push({ kind: 'number', text: num[0], column })
      i += num[0].length
      continue
    }
    const word = /^[A-Za-z_][A-Za-z0-9_@:$]*/.exec(sql.slice(i, i + 400))
    if (word !== null) {
      tokens.push({ kind: 'word', text: word[0], column })
      i += word[0].length
      continue
    }
    tokens.push({ kind: 'punct', text: c, column })
    i++
  }
  return { tokens, directive }
}
