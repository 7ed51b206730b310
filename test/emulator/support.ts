// Shared helpers for the emulator tests: a minimal statement-protocol client over undici, so tests can
// look at raw status codes and headers that the npm clients hide.
import { request, type Dispatcher } from 'undici'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

export async function http (url: string, opts: { method?: Dispatcher.HttpMethod, headers?: Record<string, string>, body?: string, dispatcher?: Dispatcher, signal?: AbortSignal } = {}): Promise<RawResponse> {
  const res = await request(url, {
    method: opts.method ?? 'GET',
    headers: opts.headers,
    body: opts.body,
    dispatcher: opts.dispatcher,
    signal: opts.signal
  })
  const text = await res.body.text()
  let json: any
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.statusCode, headers: res.headers, text, json }
}

export interface RunResult {
  first: RawResponse
  responses: RawResponse[]
  rows: unknown[][]
  final: any
}

/** POSTs a statement and follows nextUri to the end, keeping every response. */
export async function runQuery (baseUrl: string, sql: string, headers: Record<string, string> = { 'X-Trino-User': 'tester' }, dispatcher?: Dispatcher): Promise<RunResult> {
  const first = await http(`${baseUrl}/v1/statement`, { method: 'POST', body: sql, headers, dispatcher })
  if (first.status !== 200) throw new Error(`POST answered ${first.status}: ${first.text}`)
  const responses: RawResponse[] = []
  const rows: unknown[][] = []
  let doc = first.json
  for (let i = 0; doc.nextUri !== undefined; i++) {
    if (i > 10_000) throw new Error('query did not end')
    const res = await http(doc.nextUri, { dispatcher })
    if (res.status !== 200) throw new Error(`GET ${doc.nextUri as string} answered ${res.status}: ${res.text}`)
    responses.push(res)
    doc = res.json
    if (Array.isArray(doc.data)) rows.push(...doc.data)
  }
  return { first, responses, rows, final: doc }
}

/** Every value of a response header across the responses of a run (lower-case name). */
export function headerValues (responses: RawResponse[], name: string): string[] {
  const out: string[] = []
  for (const r of responses) {
    const v = r.headers[name.toLowerCase()]
    if (Array.isArray(v)) out.push(...v)
    else if (v !== undefined) out.push(v)
  }
  return out
}

/** Polls a condition for up to `ms` (for states with no event to await, such as expiry). */
export async function eventually (condition: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The row a generated result (the rows=N directive) has at index n, with the default rowBytes of 16. */
export function generatedRow (n: number, rowBytes = 16): [number, string] {
  const head = `r${n}`
  return [n, head.length >= rowBytes ? head : head.padEnd(rowBytes, 'x')]
}
