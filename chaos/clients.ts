// The four clients of the chaos run, each wrapped to one outcome shape that says not only whether a
// query failed but where: at its first POST (the client never got a query id from a coordinator,
// or got a gateway-made id, i.e. the gateway could not place it) or later (the query existed on a
// coordinator). Every run is bounded by a deadline; a client that cannot be aborted is abandoned.
import { request, type Dispatcher } from 'undici'
import { BasicAuth, Trino } from 'trino-client'
import presto from 'presto-client'
import PrestoJs from '@prestodb/presto-js-client'
import { isGatewayQueryId } from '../src/protocol/query-id.js'

const { PrestoClient } = PrestoJs as unknown as { PrestoClient: typeof import('@prestodb/presto-js-client').PrestoClient }

interface PrestoFirst { id?: unknown, nextUri?: string }
/** query() in two steps (both are public at run time, private in the typings) to tell a failed first POST apart. */
interface PrestoSteps {
  queryFirst: (sql: string) => Promise<PrestoFirst | undefined>
  queryResult: (first: PrestoFirst) => Promise<{ data?: unknown[][] }>
}

export type ClientKind = 'trino-client' | 'presto-client' | 'presto-js-client' | 'raw'
export type Flavor = 'trino' | 'presto'
export type Phase = 'first-post' | 'later'

export interface QueryOutcome {
  ok: boolean
  rows: number
  /** the id the client learned (a coordinator's, or a gateway-made one for an unplaced query) */
  queryId: string | undefined
  phase: Phase | undefined
  error: string | undefined
}

export interface RunOptions {
  url: string
  sql: string
  user: string
  flavor: Flavor
  deadlineMs: number
}

/** A failure is "later" only once a coordinator (not the gateway) has given the query an id. */
function phaseOf (queryId: string | undefined): Phase {
  return queryId === undefined || isGatewayQueryId(queryId) ? 'first-post' : 'later'
}

function errorText (err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause
    const code = (err as Error & { code?: unknown }).code
    const causeText = cause instanceof Error ? `${cause.message}` : ''
    const parts: string[] = []
    for (const part of [err.message, typeof code === 'string' ? code : '', causeText]) {
      if (part !== '' && !parts.some((p) => p.includes(part))) parts.push(part)
    }
    return parts.join(': ')
  }
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message)
  return String(err)
}

/** Resolves with the outcome, or with a deadline failure when the client does not finish in time. */
async function bounded (deadlineMs: number, state: { queryId: string | undefined }, run: Promise<QueryOutcome>): Promise<QueryOutcome> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<QueryOutcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({ ok: false, rows: 0, queryId: state.queryId, phase: phaseOf(state.queryId), error: `client deadline exceeded (${deadlineMs} ms)` })
    }, deadlineMs)
  })
  try {
    return await Promise.race([run, deadline])
  } finally {
    clearTimeout(timer)
  }
}

export async function runTrinoClient (o: RunOptions): Promise<QueryOutcome> {
  const state = { queryId: undefined as string | undefined }
  const run = (async (): Promise<QueryOutcome> => {
    const trino = Trino.create({ server: o.url, auth: new BasicAuth(o.user), source: 'chaos' })
    let iter
    try {
      iter = await trino.query(o.sql)
    } catch (err) {
      return { ok: false, rows: 0, queryId: undefined, phase: 'first-post', error: errorText(err) }
    }
    let rows = 0
    try {
      for await (const r of iter) {
        state.queryId ??= r.id
        if (r.error !== undefined) return { ok: false, rows, queryId: state.queryId, phase: phaseOf(state.queryId), error: r.error.message }
        rows += r.data?.length ?? 0
      }
    } catch (err) {
      return { ok: false, rows, queryId: state.queryId, phase: 'later', error: errorText(err) }
    }
    return { ok: true, rows, queryId: state.queryId, phase: undefined, error: undefined }
  })()
  return await bounded(o.deadlineMs, state, run)
}

export async function runPrestoClient (o: RunOptions): Promise<QueryOutcome> {
  const u = new URL(o.url)
  const state = { queryId: undefined as string | undefined }
  let cancelled = false
  const client = new presto.Client({ host: u.hostname, port: Number(u.port), user: o.user, engine: o.flavor, checkInterval: 20, source: 'chaos', timeout: Math.ceil(o.deadlineMs / 1000) })
  const run = new Promise<QueryOutcome>((resolve) => {
    let rows = 0
    client.execute({
      query: o.sql,
      cancel: () => cancelled,
      state: (_e, id) => { state.queryId ??= id },
      data: (_e, data) => { rows += data.length },
      success: () => { resolve({ ok: true, rows, queryId: state.queryId, phase: undefined, error: undefined }) },
      error: (e) => { resolve({ ok: false, rows, queryId: state.queryId, phase: phaseOf(state.queryId), error: errorText(e) }) }
    })
  })
  try {
    return await bounded(o.deadlineMs, state, run)
  } finally {
    cancelled = true
  }
}

export async function runPrestoJsClient (o: RunOptions): Promise<QueryOutcome> {
  const u = new URL(o.url)
  const state = { queryId: undefined as string | undefined }
  const run = (async (): Promise<QueryOutcome> => {
    const client = new PrestoClient({ host: `${u.protocol}//${u.hostname}`, port: Number(u.port), user: o.user, source: 'chaos', interval: 20 }) as unknown as PrestoSteps
    let first
    try {
      first = await client.queryFirst(o.sql)
    } catch (err) {
      return { ok: false, rows: 0, queryId: undefined, phase: 'first-post', error: errorText(err) }
    }
    state.queryId = typeof first?.id === 'string' ? first.id : undefined
    if (first?.nextUri === undefined) return { ok: false, rows: 0, queryId: state.queryId, phase: 'first-post', error: 'no nextUri in the first answer' }
    try {
      const r = await client.queryResult(first)
      return { ok: true, rows: r.data?.length ?? 0, queryId: state.queryId, phase: undefined, error: undefined }
    } catch (err) {
      return { ok: false, rows: 0, queryId: state.queryId, phase: phaseOf(state.queryId), error: errorText(err) }
    }
  })()
  return await bounded(o.deadlineMs, state, run)
}

/**
 * A JDBC-like client: follows a 307 by re-sending the POST (body included) to the Location, never
 * retries a first POST, follows redirects of follow-up GETs and retries them on 502/503/504 after
 * 50-100 ms (as the Java client does), and stops at the deadline.
 */
export async function runRaw (o: RunOptions): Promise<QueryOutcome> {
  const signal = AbortSignal.timeout(o.deadlineMs)
  const userHeader = o.flavor === 'trino' ? 'x-trino-user' : 'x-presto-user'
  const sourceHeader = o.flavor === 'trino' ? 'x-trino-source' : 'x-presto-source'
  const seen: { queryId: string | undefined } = { queryId: undefined }
  let rows = 0
  const fail = (error: string, phase: Phase): QueryOutcome => ({ ok: false, rows, queryId: seen.queryId, phase, error })
  interface Doc { id?: string, nextUri?: string, data?: unknown[][], error?: { message?: string } }
  let doc: Doc
  try {
    let target = `${o.url}/v1/statement`
    let res = await request(target, { method: 'POST', body: o.sql, headers: { [userHeader]: o.user, [sourceHeader]: 'chaos', 'content-type': 'text/plain; charset=utf-8' }, signal, headersTimeout: 30_000, bodyTimeout: 30_000 })
    for (let hops = 0; res.statusCode === 307 && hops < 5; hops++) {
      await res.body.dump()
      target = new URL(String(res.headers.location), target).toString()
      res = await request(target, { method: 'POST', body: o.sql, headers: { [userHeader]: o.user, [sourceHeader]: 'chaos', 'content-type': 'text/plain; charset=utf-8' }, signal, headersTimeout: 30_000, bodyTimeout: 30_000 })
    }
    if (res.statusCode !== 200) return fail(`first POST answered HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`, 'first-post')
    doc = await res.body.json() as Doc
  } catch (err) {
    return fail(signal.aborted ? `client deadline exceeded (${o.deadlineMs} ms)` : errorText(err), 'first-post')
  }
  seen.queryId = doc.id
  if (doc.nextUri === undefined) return fail('no nextUri in the first answer', 'first-post')
  let next: string | undefined = doc.nextUri
  let retries = 0
  let redirects = 0
  try {
    for (let polls = 0; next !== undefined && polls < 100_000; polls++) {
      const res: Dispatcher.ResponseData = await request(next, { method: 'GET', headers: { [userHeader]: o.user }, signal, headersTimeout: 30_000, bodyTimeout: 30_000 })
      if ((res.statusCode === 307 || res.statusCode === 308) && res.headers.location !== undefined && ++redirects <= 5) {
        // OkHttp follows redirects of GETs.
        await res.body.dump()
        next = new URL(String(res.headers.location), next).toString()
        continue
      }
      if (res.statusCode === 502 || res.statusCode === 503 || res.statusCode === 504) {
        await res.body.dump()
        if (++retries > 200) return fail(`follow-up kept answering ${res.statusCode}`, phaseOf(seen.queryId))
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 50))
        continue
      }
      if (res.statusCode !== 200) return fail(`follow-up answered HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`, phaseOf(seen.queryId))
      const d = await res.body.json() as Doc
      if (d.error !== undefined) return fail(d.error.message ?? 'FAILED', phaseOf(seen.queryId))
      rows += d.data?.length ?? 0
      next = d.nextUri
    }
  } catch (err) {
    return fail(signal.aborted ? `client deadline exceeded (${o.deadlineMs} ms)` : errorText(err), phaseOf(seen.queryId))
  }
  return { ok: true, rows, queryId: seen.queryId, phase: undefined, error: undefined }
}

export const RUNNERS: Record<ClientKind, (o: RunOptions) => Promise<QueryOutcome>> = {
  'trino-client': runTrinoClient,
  'presto-client': runPrestoClient,
  'presto-js-client': runPrestoJsClient,
  raw: runRaw
}
