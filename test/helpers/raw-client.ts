import { request, type Dispatcher } from 'undici'

export interface RawRun {
  queryId: string | undefined
  rows: unknown[][]
  error: string | undefined
  /** response headers of every answer, merged (later wins) */
  headers: Record<string, string>
  /** every URL the client requested, in order */
  urls: string[]
}

/**
 * A minimal statement-protocol client that behaves like JDBC: follows 307 by re-sending the
 * request to the Location (body included), polls nextUri until done, and collects the session
 * headers of every answer. For tests that need headers the npm clients do not expose.
 */
export async function runRaw (url: string, sql: string, headers: Record<string, string> = {}): Promise<RawRun> {
  const run: RawRun = { queryId: undefined, rows: [], error: undefined, headers: {}, urls: [] }
  const base = { 'x-trino-user': 'tester', ...headers }
  let next: string | undefined = `${url}/v1/statement`
  let method: 'POST' | 'GET' = 'POST'
  for (let hops = 0; next !== undefined && hops < 10_000; hops++) {
    run.urls.push(next)
    const res: Dispatcher.ResponseData = await request(next, method === 'POST' ? { method, body: sql, headers: base } : { method, headers: { 'x-trino-user': base['x-trino-user'] } })
    if (res.statusCode === 307) {
      await res.body.dump()
      next = String(res.headers.location)
      continue
    }
    if (res.statusCode === 503) {
      await res.body.dump()
      continue
    }
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') run.headers[k] = v
    if (res.statusCode !== 200) {
      run.error = `HTTP ${res.statusCode}: ${await res.body.text()}`
      return run
    }
    const doc = await res.body.json() as { id: string, nextUri?: string, data?: unknown[][], error?: { message: string } }
    run.queryId ??= doc.id
    if (doc.data !== undefined) run.rows.push(...doc.data)
    if (doc.error !== undefined) run.error = doc.error.message
    next = doc.nextUri
    method = 'GET'
  }
  return run
}
