import { renderColumns } from './columns.js'
import { queryError } from './errors.js'
import { pageCount, pageRange, type PageSource } from './plan.js'
import type { Query, ResultKind } from './query.js'
import type { ChunkWriter } from './http-util.js'

/** URIs are built from the request (scheme + Host, or forwarded headers), like a coordinator does. */
export function queuedUri (base: string, q: Query, token: number): string {
  const slug = q.slug.make('queued', token)
  return q.flavor === 'trino'
    ? `${base}/v1/statement/queued/${q.id}/${slug}/${token}`
    : `${base}/v1/statement/queued/${q.id}/${token}?slug=${slug}`
}

export function executingUri (base: string, q: Query, token: number): string {
  const slug = q.slug.make('executing', token)
  return q.flavor === 'trino'
    ? `${base}/v1/statement/executing/${q.id}/${slug}/${token}`
    : `${base}/v1/statement/executing/${q.id}/${token}?slug=${slug}`
}

function partialCancelUri (base: string, q: Query, token: number): string {
  return q.flavor === 'trino'
    ? `${base}/v1/statement/executing/partialCancel/${q.id}/0/${q.slug.make('executing', token)}/${token}`
    : `${base}/v1/stage/${q.id}.0`
}

export function infoUri (base: string, q: Query): string {
  return `${base}/ui/query.html?${q.id}`
}

/** StatementStats with every field clients read; numbers are the query's real progress. */
export function statementStats (q: Query, nodes: number): Record<string, unknown> {
  const now = Date.now()
  const end = q.endedAt ?? now
  const pages = q.plan === null ? 0 : pageCount(q.plan.pages)
  const queuedMs = (q.startedAt ?? q.endedAt ?? now) - q.createdAt
  const elapsedMs = end - q.createdAt
  const runningMs = q.startedAt === null ? 0 : end - q.startedAt
  const scheduled = q.startedAt !== null
  const running = q.state === 'RUNNING'
  const stats: Record<string, unknown> = {
    state: q.state,
    queued: q.state === 'QUEUED',
    scheduled,
    nodes: scheduled ? nodes : 0,
    totalSplits: pages,
    queuedSplits: running ? Math.max(0, pages - q.pagesServed - 1) : 0,
    runningSplits: running && q.pagesServed < pages ? 1 : 0,
    completedSplits: q.state === 'FINISHED' ? pages : q.pagesServed,
    planningTimeMillis: 0,
    analysisTimeMillis: 0,
    cpuTimeMillis: runningMs,
    wallTimeMillis: runningMs,
    queuedTimeMillis: queuedMs,
    elapsedTimeMillis: elapsedMs,
    finishingTimeMillis: 0,
    processedRows: q.rowsServed,
    processedBytes: q.bytesServed,
    physicalInputBytes: q.bytesServed,
    physicalWrittenBytes: 0,
    internalNetworkInputBytes: 0,
    peakMemoryBytes: running ? 1024 * 1024 : 0,
    spilledBytes: 0
  }
  if (running) stats.progressPercentage = pages === 0 ? 0 : Math.min(100, 100 * q.pagesServed / pages)
  if (scheduled) {
    stats.rootStage = {
      stageId: '0',
      state: q.state === 'RUNNING' ? 'RUNNING' : q.state,
      done: q.done,
      nodes,
      totalSplits: pages,
      queuedSplits: stats.queuedSplits,
      runningSplits: stats.runningSplits,
      completedSplits: stats.completedSplits,
      cpuTimeMillis: runningMs,
      wallTimeMillis: runningMs,
      processedRows: q.rowsServed,
      processedBytes: q.bytesServed,
      physicalInputBytes: q.bytesServed,
      failedTasks: 0,
      coordinatorOnly: false,
      subStages: []
    }
  }
  return stats
}

/** The answer to the POST and to queued GETs: QUEUED (or FAILED), never data. */
export function queuedDocument (base: string, q: Query, nextUri: string | null, nodes: number): Record<string, unknown> {
  const doc: Record<string, unknown> = { id: q.id, infoUri: infoUri(base, q) }
  const failed = q.state === 'FAILED'
  if (!failed && nextUri !== null) doc.nextUri = nextUri
  const stats = statementStats(q, nodes)
  if (!failed) {
    // Trino's queued resource knows only that the query is queued, even once it was dispatched.
    Object.assign(stats, { state: 'QUEUED', queued: true, scheduled: false, nodes: 0, totalSplits: 0, queuedSplits: 0, runningSplits: 0, completedSplits: 0 })
    delete stats.rootStage
    delete stats.progressPercentage
  }
  doc.stats = stats
  if (failed && q.failure !== null) doc.error = queryError(q.failure, q.flavor)
  doc.warnings = []
  return doc
}

/** An executing document without its data, which is streamed after it when the result is a page. */
export function executingDocument (base: string, q: Query, token: number, result: ResultKind, nodes: number): Record<string, unknown> {
  const doc: Record<string, unknown> = { id: q.id, infoUri: infoUri(base, q) }
  const plan = q.plan
  const more = result.kind === 'page' || result.kind === 'empty'
  if (more && q.state === 'RUNNING') doc.partialCancelUri = partialCancelUri(base, q, token)
  if (more) doc.nextUri = executingUri(base, q, token + 1)
  if (plan !== null && plan.columns.length > 0 && result.kind !== 'failed') doc.columns = renderColumns(plan.columns, q.flavor)
  doc.stats = statementStats(q, nodes)
  if (result.kind === 'failed' && q.failure !== null) doc.error = queryError(q.failure, q.flavor)
  doc.warnings = []
  if (plan?.updateType != null) doc.updateType = plan.updateType
  return doc
}

// Rows are built in strings of about this size before each write, to keep writes few but small.
const CHUNK_CHARS = 64 * 1024

/** Generated rows: n = the row's index over the whole result, s = "r<n>" padded with x to rowBytes. */
function generatedRow (n: number, rowBytes: number, pad: string): string {
  const head = `r${n}`
  return `[${n},"${head.length >= rowBytes ? head : head + pad.slice(0, rowBytes - head.length)}"]`
}

/** Writes page `index` as the body of a document, data last, without building the page in memory. */
export async function writePage (doc: Record<string, unknown>, pages: PageSource, index: number, write: ChunkWriter): Promise<void> {
  const head = JSON.stringify(doc)
  await write(head.slice(0, -1) + ',"data":[')
  if (pages.kind === 'rows') {
    await write(pages.rows.join(','))
  } else {
    const { start, end } = pageRange(pages, index)
    const pad = 'x'.repeat(pages.rowBytes)
    let chunk = ''
    for (let n = start; n < end; n++) {
      chunk += (n === start ? '' : ',') + generatedRow(n, pages.rowBytes, pad)
      if (chunk.length >= CHUNK_CHARS) {
        await write(chunk)
        chunk = ''
      }
    }
    if (chunk !== '') await write(chunk)
  }
  await write(']}')
}
