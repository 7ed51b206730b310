// The three real npm clients, each wrapped to one shape, so gateway tests can run the same
// scenario through every client.
import { BasicAuth, Trino } from 'trino-client'
import presto from 'presto-client'
import PrestoJs from '@prestodb/presto-js-client'
import { generatedRow } from '../emulator/support.js'

const { PrestoClient } = PrestoJs as unknown as { PrestoClient: typeof import('@prestodb/presto-js-client').PrestoClient }

export interface ClientRun {
  rows: unknown[][]
  queryId: string | undefined
  error: string | undefined
}

export interface ClientOptions {
  user?: string
  password?: string
  headers?: Record<string, string>
}

export type ClientName = 'trino-client' | 'presto-client' | 'presto-js-client'

export async function runTrinoClient (url: string, sql: string, o: ClientOptions = {}): Promise<ClientRun> {
  const trino = Trino.create({ server: url, auth: new BasicAuth(o.user ?? 'tester', o.password), ...(o.headers !== undefined ? { extraHeaders: o.headers } : {}) })
  const run: ClientRun = { rows: [], queryId: undefined, error: undefined }
  try {
    for await (const r of await trino.query(sql)) {
      run.queryId ??= r.id
      if (r.error !== undefined) run.error = r.error.message
      if (r.data !== undefined) run.rows.push(...r.data)
    }
  } catch (err) {
    run.error = (err as Error).message
  }
  return run
}

export async function runPrestoClient (url: string, sql: string, o: ClientOptions & { engine?: 'trino' | 'presto' } = {}): Promise<ClientRun> {
  const u = new URL(url)
  const client = new presto.Client({
    host: u.hostname,
    port: Number(u.port),
    user: o.user ?? 'tester',
    engine: o.engine ?? 'trino',
    checkInterval: 5,
    ...(o.password !== undefined ? { basic_auth: { user: o.user ?? 'tester', password: o.password } } : {})
  })
  const run: ClientRun = { rows: [], queryId: undefined, error: undefined }
  return await new Promise((resolve) => {
    client.execute({
      query: sql,
      ...(o.headers !== undefined ? { headers: o.headers } as Record<string, unknown> : {}),
      state: (_e, id) => { run.queryId ??= id },
      data: (_e, data) => { run.rows.push(...data) },
      success: () => resolve(run),
      error: (e) => { run.error = e.message; resolve(run) }
    })
  })
}

export async function runPrestoJsClient (url: string, sql: string, o: ClientOptions = {}): Promise<ClientRun> {
  const u = new URL(url)
  const client = new PrestoClient({
    host: `${u.protocol}//${u.hostname}`,
    port: Number(u.port),
    user: o.user ?? 'tester',
    ...(o.password !== undefined ? { basicAuthentication: { user: o.user ?? 'tester', password: o.password } } : {}),
    ...(o.headers !== undefined ? { extraHeaders: o.headers } : {})
  })
  try {
    const r = await client.query(sql)
    return { rows: (r.data ?? []) as unknown[][], queryId: r.queryId, error: undefined }
  } catch (err) {
    return { rows: [], queryId: undefined, error: (err as Error).message }
  }
}

/** Each client with the header family its server flavor speaks. */
export const CLIENTS: Array<{ name: ClientName, flavor: 'trino' | 'presto', run: (url: string, sql: string, o?: ClientOptions) => Promise<ClientRun> }> = [
  { name: 'trino-client', flavor: 'trino', run: runTrinoClient },
  { name: 'presto-client', flavor: 'trino', run: async (url, sql, o) => await runPrestoClient(url, sql, { ...o, engine: 'trino' }) },
  { name: 'presto-js-client', flavor: 'presto', run: runPrestoJsClient }
]

export { generatedRow }

/** The deterministic rows of the emulator's rows=N directive. */
export function expectedRows (n: number, rowBytes = 16): Array<[number, string]> {
  return Array.from({ length: n }, (_, i) => generatedRow(i, rowBytes))
}
