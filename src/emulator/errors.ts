import type { Flavor } from './types.js'

// Codes and types from Trino's StandardErrorCode, so clients that switch on errorName behave as with Trino.
const CODES = {
  GENERIC_USER_ERROR: [0, 'USER_ERROR'],
  SYNTAX_ERROR: [1, 'USER_ERROR'],
  ABANDONED_QUERY: [2, 'USER_ERROR'],
  USER_CANCELED: [3, 'USER_ERROR'],
  NOT_FOUND: [5, 'USER_ERROR'],
  NOT_SUPPORTED: [13, 'USER_ERROR'],
  UNKNOWN_TRANSACTION: [20, 'USER_ERROR'],
  NOT_IN_TRANSACTION: [21, 'USER_ERROR'],
  TABLE_NOT_FOUND: [46, 'USER_ERROR'],
  COLUMN_NOT_FOUND: [47, 'USER_ERROR'],
  GENERIC_INTERNAL_ERROR: [65536, 'INTERNAL_ERROR']
} as const

export type ErrorName = keyof typeof CODES

export interface EmulatedFailure {
  name: ErrorName
  message: string
  /** 1-based position of a syntax error, as Trino reports it. */
  location?: { lineNumber: number, columnNumber: number }
}

export function failure (name: ErrorName, message: string, location?: EmulatedFailure['location']): EmulatedFailure {
  return location === undefined ? { name, message } : { name, message, location }
}

/** Analysis and parse errors carry Trino's `line L:C: ` prefix and an errorLocation. */
export function failureAt (name: ErrorName, message: string, column: number): EmulatedFailure {
  return failure(name, `line 1:${column}: ${message}`, { lineNumber: 1, columnNumber: column })
}

export function syntaxError (message: string, column = 1): EmulatedFailure {
  return failureAt('SYNTAX_ERROR', message, column)
}

function exceptionType (f: EmulatedFailure, flavor: Flavor): string {
  const pkg = flavor === 'trino' ? 'io.trino' : 'com.facebook.presto'
  if (f.name === 'SYNTAX_ERROR') return `${pkg}.sql.parser.ParsingException`
  return flavor === 'trino' ? 'io.trino.spi.TrinoException' : 'com.facebook.presto.spi.PrestoException'
}

/** The `error` member of a FAILED QueryResults document. */
export function queryError (f: EmulatedFailure, flavor: Flavor): Record<string, unknown> {
  const [code, type] = CODES[f.name]
  const failureInfo: Record<string, unknown> = {
    type: exceptionType(f, flavor),
    message: f.message,
    suppressed: [],
    stack: []
  }
  if (f.location !== undefined) failureInfo.errorLocation = f.location
  const error: Record<string, unknown> = {
    message: f.message,
    errorCode: code,
    errorName: f.name,
    errorType: type
  }
  if (flavor === 'presto') error.retriable = false
  if (f.location !== undefined) error.errorLocation = f.location
  error.failureInfo = failureInfo
  return error
}

export function errorCodeOf (f: EmulatedFailure): { code: number, name: string, type: string } {
  const [code, type] = CODES[f.name]
  return { code, name: f.name, type }
}
