import { column, type ColumnSpec } from './columns.js'
import { failureAt, syntaxError, type EmulatedFailure } from './errors.js'
import { lex, type Directive, type Token } from './sql-lexer.js'

export type { Directive } from './sql-lexer.js'

export interface LiteralItem {
  column: ColumnSpec
  /** The value exactly as it goes into the JSON row (keeps bigint/decimal digits intact). */
  json: string
}

export type Statement =
  | { kind: 'select', items: LiteralItem[] }
  | { kind: 'generated' }
  | { kind: 'setSession', name: string, value: string }
  | { kind: 'resetSession', name: string }
  | { kind: 'prepare', name: string, sql: string }
  | { kind: 'deallocate', name: string }
  | { kind: 'execute', name: string }
  | { kind: 'startTransaction' }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'use', catalog: string | null, schema: string }
  | { kind: 'showCatalogs' }

export type ParseResult =
  | { ok: true, statement: Statement, directive: Directive }
  | { ok: false, failure: EmulatedFailure, directive: Directive }

const INT_MAX = 2147483647n
const BIGINT_MAX = 9223372036854775807n

class Parser {
  private pos = 0
  constructor (private readonly tokens: Token[], private readonly endColumn: number) {}

  peek (offset = 0): Token | undefined { return this.tokens[this.pos + offset] }
  atEnd (): boolean { return this.pos >= this.tokens.length }
  next (): Token | undefined { return this.tokens[this.pos++] }

  isWord (text: string, offset = 0): boolean {
    const t = this.peek(offset)
    return t !== undefined && t.kind === 'word' && t.text.toUpperCase() === text
  }

  acceptWord (text: string): boolean {
    if (!this.isWord(text)) return false
    this.pos++
    return true
  }

  acceptPunct (text: string): boolean {
    const t = this.peek()
    if (t === undefined || t.kind !== 'punct' || t.text !== text) return false
    this.pos++
    return true
  }

  /** Trino's parser wording: "mismatched input 'x'. Expecting: ..." at the offending token. */
  fail (expecting: string): never {
    const t = this.peek()
    const input = t === undefined ? '<EOF>' : t.kind === 'string' ? `'${t.text}'` : t.text
    throw syntaxError(`mismatched input '${input}'. Expecting: ${expecting}`, t?.column ?? this.endColumn)
  }

  expectWord (text: string): void {
    if (!this.acceptWord(text)) this.fail(`'${text}'`)
  }

  expectEnd (): void {
    if (!this.atEnd()) this.fail('<EOF>')
  }

  identifier (): string {
    const t = this.peek()
    if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) this.fail('<identifier>')
    this.pos++
    return t.kind === 'word' ? t.text.toLowerCase() : t.text
  }

  qualifiedName (): string {
    const parts = [this.identifier()]
    while (this.acceptPunct('.')) parts.push(this.identifier())
    return parts.join('.')
  }
}

function numberLiteral (text: string, negative: boolean, name: string): LiteralItem {
  const sign = negative ? '-' : ''
  if (/[eE]/.test(text)) {
    return { column: column(name, 'double'), json: JSON.stringify(Number(sign + text)) }
  }
  if (text.includes('.')) {
    const [intPart = '', fraction = ''] = text.split('.')
    const digits = intPart.replace(/^0+/, '')
    const precision = Math.max(1, digits.length + fraction.length)
    const value = `${sign}${digits === '' ? '0' : digits}${fraction === '' ? '' : '.' + fraction}`
    return { column: column(name, 'decimal', [precision, fraction.length]), json: JSON.stringify(value) }
  }
  const big = BigInt(sign + text)
  const abs = big < 0n ? -big : big
  if (abs <= INT_MAX) return { column: column(name, 'integer'), json: big.toString() }
  if (abs <= BIGINT_MAX) return { column: column(name, 'bigint'), json: big.toString() }
  const precision = text.replace(/^0+/, '').length
  return { column: column(name, 'decimal', [precision, 0]), json: JSON.stringify(big.toString()) }
}

function literal (p: Parser, name: string): LiteralItem {
  let negative = false
  while (true) {
    if (p.acceptPunct('-')) negative = !negative
    else if (!p.acceptPunct('+')) break
  }
  const t = p.peek()
  if (t === undefined) return p.fail('<expression>')
  if (t.kind === 'number') {
    p.next()
    return numberLiteral(t.text, negative, name)
  }
  if (negative) return p.fail('<number>')
  if (t.kind === 'string') {
    p.next()
    return { column: column(name, 'varchar', [[...t.text].length]), json: JSON.stringify(t.text) }
  }
  if (p.acceptWord('TRUE')) return { column: column(name, 'boolean'), json: 'true' }
  if (p.acceptWord('FALSE')) return { column: column(name, 'boolean'), json: 'false' }
  if (p.acceptWord('NULL')) return { column: column(name, 'unknown'), json: 'null' }
  if (t.kind === 'word' || t.kind === 'quoted') {
    throw failureAt('COLUMN_NOT_FOUND', `Column '${t.text.toLowerCase()}' cannot be resolved`, t.column)
  }
  return p.fail('<expression>')
}

function select (p: Parser): Statement {
  const items: LiteralItem[] = []
  do {
    const index = items.length
    const item = literal(p, `_col${index}`)
    if (p.acceptWord('AS') || (p.peek()?.kind === 'word' && !p.isWord('FROM')) || p.peek()?.kind === 'quoted') {
      item.column = { ...item.column, name: p.identifier() }
    }
    items.push(item)
  } while (p.acceptPunct(','))
  if (p.isWord('FROM')) {
    const t = p.peek(1)
    const table = t?.text ?? ''
    throw failureAt('TABLE_NOT_FOUND', `Table '${table.toLowerCase()}' does not exist`, t?.column ?? 1)
  }
  p.expectEnd()
  return { kind: 'select', items }
}

function sessionValue (p: Parser): string {
  const t = p.peek()
  if (t !== undefined && t.kind === 'string') { p.next(); return t.text }
  if (t !== undefined && t.kind === 'number') { p.next(); return t.text }
  if (p.acceptWord('TRUE')) return 'true'
  if (p.acceptWord('FALSE')) return 'false'
  return p.fail('<literal>')
}

function startTransaction (p: Parser): Statement {
  if (p.atEnd()) return { kind: 'startTransaction' }
  do {
    if (p.acceptWord('ISOLATION')) {
      p.expectWord('LEVEL')
      if (p.acceptWord('SERIALIZABLE')) continue
      if (p.acceptWord('REPEATABLE')) { p.expectWord('READ'); continue }
      p.expectWord('READ')
      if (!p.acceptWord('COMMITTED') && !p.acceptWord('UNCOMMITTED')) p.fail("'COMMITTED', 'UNCOMMITTED'")
    } else if (p.acceptWord('READ')) {
      if (!p.acceptWord('ONLY') && !p.acceptWord('WRITE')) p.fail("'ONLY', 'WRITE'")
    } else {
      p.fail("'ISOLATION', 'READ'")
    }
  } while (p.acceptPunct(','))
  p.expectEnd()
  return { kind: 'startTransaction' }
}

function statement (p: Parser, sql: string, directive: Directive): Statement {
  if (p.acceptWord('SELECT')) {
    if (directive.rows !== undefined) return { kind: 'generated' }
    return select(p)
  }
  if (p.acceptWord('SET')) {
    p.expectWord('SESSION')
    const name = p.qualifiedName()
    if (!p.acceptPunct('=')) p.fail("'='")
    const value = sessionValue(p)
    p.expectEnd()
    return { kind: 'setSession', name, value }
  }
  if (p.acceptWord('RESET')) {
    p.expectWord('SESSION')
    const name = p.qualifiedName()
    p.expectEnd()
    return { kind: 'resetSession', name }
  }
  if (p.acceptWord('PREPARE')) {
    const name = p.identifier()
    const from = p.peek()
    p.expectWord('FROM')
    const body = sql.slice((from?.column ?? 1) - 1 + 'FROM'.length).trim()
    if (body === '') p.fail('<statement>')
    return { kind: 'prepare', name, sql: body }
  }
  if (p.acceptWord('DEALLOCATE')) {
    p.expectWord('PREPARE')
    const name = p.identifier()
    p.expectEnd()
    return { kind: 'deallocate', name }
  }
  if (p.acceptWord('EXECUTE')) {
    const name = p.identifier()
    // USING parameters are accepted and ignored: prepared statements here take none.
    return { kind: 'execute', name }
  }
  if (p.acceptWord('START')) {
    p.expectWord('TRANSACTION')
    return startTransaction(p)
  }
  for (const kind of ['commit', 'rollback'] as const) {
    if (p.acceptWord(kind.toUpperCase())) {
      p.acceptWord('WORK')
      p.expectEnd()
      return { kind }
    }
  }
  if (p.acceptWord('USE')) {
    const first = p.identifier()
    const second = p.acceptPunct('.') ? p.identifier() : null
    p.expectEnd()
    return second === null ? { kind: 'use', catalog: null, schema: first } : { kind: 'use', catalog: first, schema: second }
  }
  if (p.acceptWord('SHOW')) {
    p.expectWord('CATALOGS')
    p.expectEnd()
    return { kind: 'showCatalogs' }
  }
  return p.fail("'ALTER', 'ANALYZE', 'CALL', 'COMMIT', 'CREATE', 'DEALLOCATE', 'DELETE', 'DESCRIBE', 'DROP', 'EXECUTE', 'EXPLAIN', 'GRANT', 'INSERT', 'PREPARE', 'RESET', 'ROLLBACK', 'SELECT', 'SET', 'SHOW', 'START', 'USE', 'VALUES', 'WITH', <query>")
}

export function parseSql (sql: string): ParseResult {
  const lexed = lex(sql)
  const directive = lexed.directive
  if (lexed.error !== undefined) {
    return { ok: false, failure: syntaxError(lexed.error.message, lexed.error.column), directive }
  }
  const firstLine = sql.split('\n')[0] ?? ''
  const parser = new Parser(lexed.tokens, firstLine.length + 1)
  try {
    const parsed = statement(parser, sql, directive)
    // The directive of a PREPARE belongs to the prepared text, read again at EXECUTE.
    return { ok: true, statement: parsed, directive: parsed.kind === 'prepare' ? {} : directive }
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'name' in e && 'message' in e && !(e instanceof Error)) {
      return { ok: false, failure: e as EmulatedFailure, directive }
    }
    throw e
  }
}
