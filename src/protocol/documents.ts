// Trino-shaped `QueryResults` documents for the answers the gateway gives itself.
//
// Why documents and not HTTP errors: the Java clients fail a first POST on any non-200 with a
// generic "invalid response", trino-client (npm) retries nothing, and presto-client and
// @prestodb/presto-js-client fail a first answer without nextUri. Every one of them prints
// `error.message` of a FAILED document read on a GET. So an unroutable query gets a QUEUED
// document whose nextUri is the gateway's, and that GET answers FAILED (DESIGN.md, "Errors a
// client must read"). Field names and which fields are present follow Trino's QueryResults and
// StatementStats; absent optionals are left out rather than null, as Trino's JSON does.

export type ErrorType = 'USER_ERROR' | 'INTERNAL_ERROR' | 'INSUFFICIENT_RESOURCES' | 'EXTERNAL'

export interface StatementStats {
  state: string
  queued: boolean
  scheduled: boolean
  nodes: number
  totalSplits: number
  queuedSplits: number
  runningSplits: number
  completedSplits: number
  cpuTimeMillis: number
  wallTimeMillis: number
  queuedTimeMillis: number
  elapsedTimeMillis: number
  processedRows: number
  processedBytes: number
  physicalInputBytes: number
  peakMemoryBytes: number
  spilledBytes: number
  progressPercentage?: number
  rootStage?: unknown
}

/** Trino's FailureInfo: the Java clients require type, suppressed and stack to be present. */
export interface FailureInfo {
  type: string
  message: string
  suppressed: FailureInfo[]
  stack: string[]
}

export interface QueryError {
  message: string
  errorCode: number
  errorName: string
  errorType: ErrorType
  failureInfo: FailureInfo
}

export interface QueryResults {
  id: string
  infoUri: string
  partialCancelUri?: string
  nextUri?: string
  columns?: unknown[]
  data?: unknown[]
  stats: StatementStats
  error?: QueryError
  warnings: unknown[]
  updateType?: string
  updateCount?: number
}

/** The identity of an error: what clients show next to the message (e.g. trino-python-client prints type and name). */
export interface ErrorSpec {
  errorName: string
  errorCode: number
  errorType: ErrorType
}

/**
 * Gateway-owned error codes live at 0x7000_0000 and up: Trino's standard codes use 0x0000_xxxx
 * (user), 0x0001_xxxx (internal) and 0x0002_xxxx (insufficient resources), and connectors start
 * at 0x0100_0000, so these never read as some engine or connector error.
 */
export const GATEWAY_ERROR_CODE_BASE = 0x7000_0000

/**
 * The errors the gateway reports in FAILED documents.
 * - NO_ELIGIBLE_CLUSTER: INSUFFICIENT_RESOURCES, like Trino's QUERY_QUEUE_FULL — the query is
 *   fine, capacity for its group is missing now, and a retry later can succeed (retry policies
 *   treat this type as transient, USER_ERROR as final).
 * - UNKNOWN_ROUTING_GROUP: USER_ERROR — the client asked for a group that does not exist;
 *   retrying cannot help.
 * - UNKNOWN_TRANSACTION: Trino's own UNKNOWN_TRANSACTION (code 20, USER_ERROR), which is what the
 *   coordinator itself answers for a transaction id it does not know.
 * - COORDINATOR_LOST: INTERNAL_ERROR, like Trino's REMOTE_HOST_GONE / SERVER_SHUTTING_DOWN — the
 *   coordinator running the query died; the query is gone but resubmitting it may work.
 */
export const GATEWAY_ERRORS = {
  NO_ELIGIBLE_CLUSTER: { errorName: 'NO_ELIGIBLE_CLUSTER', errorCode: GATEWAY_ERROR_CODE_BASE + 1, errorType: 'INSUFFICIENT_RESOURCES' },
  UNKNOWN_ROUTING_GROUP: { errorName: 'UNKNOWN_ROUTING_GROUP', errorCode: GATEWAY_ERROR_CODE_BASE + 2, errorType: 'USER_ERROR' },
  COORDINATOR_LOST: { errorName: 'COORDINATOR_LOST', errorCode: GATEWAY_ERROR_CODE_BASE + 3, errorType: 'INTERNAL_ERROR' },
  UNKNOWN_TRANSACTION: { errorName: 'UNKNOWN_TRANSACTION', errorCode: 20, errorType: 'USER_ERROR' }
} as const satisfies Record<string, ErrorSpec>

export type GatewayErrorName = keyof typeof GATEWAY_ERRORS

/** The Java-style exception type shown by clients that print failureInfo (trino-cli --debug, JDBC causes). */
export const GATEWAY_FAILURE_TYPE = 'io.prestohagateway.GatewayException'

function stats (state: 'QUEUED' | 'FAILED'): StatementStats {
  return {
    state,
    queued: state === 'QUEUED',
    scheduled: false,
    nodes: 0,
    totalSplits: 0,
    queuedSplits: 0,
    runningSplits: 0,
    completedSplits: 0,
    cpuTimeMillis: 0,
    wallTimeMillis: 0,
    queuedTimeMillis: 0,
    elapsedTimeMillis: 0,
    processedRows: 0,
    processedBytes: 0,
    physicalInputBytes: 0,
    peakMemoryBytes: 0,
    spilledBytes: 0,
    // Trino leaves progressPercentage out before scheduling; 0 is the same fact and keeps the
    // field present for readers that expect every listed stat. rootStage stays absent: no stage.
    progressPercentage: 0
  }
}

/** The QUEUED answer to a POST the gateway will fail on the following GET of `nextUri`. */
export function queuedDocument (args: { id: string, nextUri: string, infoUri: string }): QueryResults {
  return {
    id: args.id,
    infoUri: args.infoUri,
    nextUri: args.nextUri,
    stats: stats('QUEUED'),
    warnings: []
  }
}

/**
 * A Trino QueryError (the `error` member of a FAILED document). Also usable on its own as the JSON
 * body of a 4xx: its top-level `message` is what a generic JSON reader shows first.
 */
export function trinoErrorBody (args: ErrorSpec & { message: string }): QueryError {
  return {
    message: args.message,
    errorCode: args.errorCode,
    errorName: args.errorName,
    errorType: args.errorType,
    failureInfo: {
      type: GATEWAY_FAILURE_TYPE,
      message: args.message,
      suppressed: [],
      stack: []
    }
  }
}

/** A FAILED document: no nextUri, so every client stops polling and shows `error.message`. */
export function failedDocument (args: ErrorSpec & { id: string, infoUri: string, message: string }): QueryResults {
  return {
    id: args.id,
    infoUri: args.infoUri,
    stats: stats('FAILED'),
    error: trinoErrorBody(args),
    warnings: []
  }
}
