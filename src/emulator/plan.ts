import { column, UNBOUNDED_VARCHAR, type ColumnSpec } from './columns.js'
import { failure, type EmulatedFailure } from './errors.js'
import { javaUrlEncode, type ClientSession } from './protocol-headers.js'
import { parseSql, type Directive, type Statement } from './sql.js'
import type { TransactionRegistry } from './transactions.js'

export type PageSource =
  | { kind: 'rows', rows: string[] }
  | { kind: 'generated', totalRows: number, pageCount: number, rowBytes: number }

/** What a dispatched query will do: its result pages, pacing, session headers and eventual failure. */
export interface Plan {
  columns: ColumnSpec[]
  pages: PageSource
  delayMs: number
  updateType: string | null
  /** Session-changing response headers, as [suffix after X-Trino-/X-Presto-, value]. */
  headers: Array<[string, string]>
  /** Reported on an executing GET after the pages (a failure at execution, not at dispatch). */
  failure: EmulatedFailure | null
  transactionId: string | null
}

export type DispatchOutcome = { ok: true, plan: Plan } | { ok: false, failure: EmulatedFailure }

export const DEFAULT_ROW_BYTES = 16

export function pageCount (pages: PageSource): number {
  return pages.kind === 'rows' ? (pages.rows.length > 0 ? 1 : 0) : pages.pageCount
}

/** Rows [start, end) of page i of a generated result: N rows spread evenly over the pages. */
export function pageRange (pages: PageSource, i: number): { start: number, end: number } {
  if (pages.kind === 'rows') return { start: 0, end: pages.rows.length }
  const start = Math.floor(i * pages.totalRows / pages.pageCount)
  const end = Math.floor((i + 1) * pages.totalRows / pages.pageCount)
  return { start, end }
}

/** Roughly the JSON size of a page, for processedBytes. */
export function pageBytes (pages: PageSource, index: number): number {
  if (pages.kind === 'rows') return pages.rows.reduce((n, r) => n + r.length, 0)
  const { start, end } = pageRange(pages, index)
  return (end - start) * (pages.rowBytes + 12)
}

const RESULT_COLUMN = [column('result', 'boolean')]

function control (updateType: string, headers: Array<[string, string]>, transactionId: string | null, fail: EmulatedFailure | null = null): Plan {
  return {
    columns: RESULT_COLUMN,
    pages: { kind: 'rows', rows: fail === null ? ['[true]'] : [] },
    delayMs: 0,
    updateType,
    headers,
    failure: fail,
    transactionId
  }
}

/** Prepared statement names are identifiers: matched without regard to case, as Trino canonicalizes them. */
function preparedSql (session: ClientSession, name: string): string | undefined {
  const exact = session.prepared.get(name)
  if (exact !== undefined) return exact
  for (const [key, sql] of session.prepared) if (key.toLowerCase() === name.toLowerCase()) return sql
  return undefined
}

function notFound (name: string): EmulatedFailure {
  return failure('NOT_FOUND', `Prepared statement not found: ${name}`)
}

function planStatement (statement: Statement, directive: Directive, session: ClientSession, txns: TransactionRegistry, depth: number): DispatchOutcome {
  const txn = session.transactionId
  switch (statement.kind) {
    case 'select':
      return {
        ok: true,
        plan: {
          columns: statement.items.map((i) => i.column),
          pages: { kind: 'rows', rows: ['[' + statement.items.map((i) => i.json).join(',') + ']'] },
          delayMs: 0,
          updateType: null,
          headers: [],
          failure: null,
          transactionId: txn
        }
      }
    case 'generated': {
      const totalRows = directive.rows ?? 0
      const pageCount = totalRows === 0 ? 0 : Math.min(totalRows, Math.max(1, directive.pages ?? 1))
      return {
        ok: true,
        plan: {
          columns: [column('n', 'bigint'), column('s', 'varchar', [UNBOUNDED_VARCHAR])],
          pages: { kind: 'generated', totalRows, pageCount, rowBytes: directive.rowBytes ?? DEFAULT_ROW_BYTES },
          delayMs: 0,
          updateType: null,
          headers: [],
          failure: null,
          transactionId: txn
        }
      }
    }
    case 'setSession':
      return { ok: true, plan: control('SET SESSION', [['Set-Session', `${statement.name}=${javaUrlEncode(statement.value)}`]], txn) }
    case 'resetSession':
      return { ok: true, plan: control('RESET SESSION', [['Clear-Session', statement.name]], txn) }
    case 'prepare':
      return { ok: true, plan: control('PREPARE', [['Added-Prepare', `${javaUrlEncode(statement.name)}=${javaUrlEncode(statement.sql)}`]], txn) }
    case 'deallocate':
      if (preparedSql(session, statement.name) === undefined) return { ok: true, plan: control('DEALLOCATE', [], txn, notFound(statement.name)) }
      return { ok: true, plan: control('DEALLOCATE', [['Deallocated-Prepare', javaUrlEncode(statement.name)]], txn) }
    case 'execute': {
      const sql = preparedSql(session, statement.name)
      if (sql === undefined) return { ok: true, plan: control('EXECUTE', [], txn, notFound(statement.name)) }
      if (depth > 0) return { ok: false, failure: failure('NOT_SUPPORTED', 'Invalid statement type for prepared statement: EXECUTE') }
      return planSql(sql, session, txns, depth + 1)
    }
    case 'startTransaction': {
      if (txn !== null) return { ok: true, plan: control('START TRANSACTION', [], txn, failure('NOT_SUPPORTED', 'Nested transactions not supported')) }
      const id = txns.begin()
      return { ok: true, plan: control('START TRANSACTION', [['Started-Transaction-Id', id]], id) }
    }
    case 'commit':
    case 'rollback': {
      const type = statement.kind.toUpperCase()
      if (txn === null) return { ok: true, plan: control(type, [], null, failure('NOT_IN_TRANSACTION', 'No transaction in progress')) }
      // Trino clears the client's transaction even when the id is unknown, so the client can start over.
      const clear: Array<[string, string]> = [['Clear-Transaction-Id', 'true']]
      if (!txns.end(txn)) return { ok: true, plan: control(type, clear, txn, unknownTransaction(txn)) }
      return { ok: true, plan: control(type, clear, txn) }
    }
    case 'use': {
      const catalog = statement.catalog ?? session.catalog
      if (catalog === null) return { ok: true, plan: control('USE', [], txn, failure('NOT_FOUND', 'Catalog must be specified when session catalog is not set')) }
      const headers: Array<[string, string]> = [['Set-Catalog', catalog], ['Set-Schema', statement.schema]]
      return { ok: true, plan: control('USE', headers, txn) }
    }
    case 'showCatalogs':
      return {
        ok: true,
        plan: {
          columns: [column('Catalog', 'varchar', [UNBOUNDED_VARCHAR])],
          pages: { kind: 'rows', rows: ['["system"]', '["tpch"]'] },
          delayMs: 0,
          updateType: null,
          headers: [],
          failure: null,
          transactionId: txn
        }
      }
  }
}

export function unknownTransaction (id: string): EmulatedFailure {
  return failure('UNKNOWN_TRANSACTION', `Unknown transaction ID: ${id}. Possibly expired? Commands ignored until end of transaction block`)
}

function isTransactionControl (sql: string): boolean {
  return /^\s*(COMMIT|ROLLBACK)\b/i.test(sql.replace(/\/\*[\s\S]*?\*\//g, ' '))
}

function planSql (sql: string, session: ClientSession, txns: TransactionRegistry, depth: number): DispatchOutcome {
  // A statement in a transaction this coordinator does not know fails before it runs (only
  // COMMIT/ROLLBACK get as far as execution, where they fail but still clear the client's id).
  if (session.transactionId !== null && !txns.isActive(session.transactionId) && !isTransactionControl(sql)) {
    return { ok: false, failure: unknownTransaction(session.transactionId) }
  }
  const parsed = parseSql(sql)
  if (!parsed.ok) return { ok: false, failure: parsed.failure }
  const { directive } = parsed
  if (directive.fail !== undefined && parsed.statement.kind !== 'generated') {
    // A failing statement changes nothing: no session headers, no transaction started.
    return {
      ok: true,
      plan: { ...control('', [], session.transactionId, failure('GENERIC_USER_ERROR', directive.fail)), updateType: null, columns: [], delayMs: directive.delayMs ?? 0 }
    }
  }
  const outcome = planStatement(parsed.statement, directive, session, txns, depth)
  if (!outcome.ok) return outcome
  const plan = outcome.plan
  if (directive.delayMs !== undefined) plan.delayMs = directive.delayMs
  if (directive.fail !== undefined) plan.failure = failure('GENERIC_USER_ERROR', directive.fail)
  return outcome
}

export function planQuery (sql: string, session: ClientSession, txns: TransactionRegistry): DispatchOutcome {
  return planSql(sql, session, txns, 0)
}
