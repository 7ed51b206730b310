// The load generator: its own process (pinned apart from the gateway by the orchestrator), driven
// over IPC. Every operation is bounded in time and count.
//
//   cannon  autocannon's programmatic API. Closed loop (no rate: as fast as `connections` allow) or
//           fixed rate (`rate`, passed to autocannon as overallRate). autocannon's own limiter
//           releases each connection's quota for the second in one burst when the second starts
//           (lib/httpClient.js rateInterval), which on two cores measures queueing again; here each
//           connection is instead released one request at a time by a 1 ms scheduler, so requests
//           leave evenly spaced at the same overall rate (an open loop while an idle connection is
//           available — `late` counts the sends that had to wait for one). Latencies are taken
//           from autocannon's 'response' events (sub-millisecond, every status: its own histogram
//           has 1 ms resolution and keeps 2xx only, which would drop the 307s).
//   pages   one query's whole result through a base URL, following nextUri by path (large result).
//   poll    starts a query through a base URL and returns the path of an executing URI with data.
//   stream  a steady stream of new queries (first POST, 307 followed, then the first GET) for the
//           failover scenario; every attempt's time and outcome.
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import autocannon, { type AutocannonClient, type AutocannonOptions, type AutocannonRequest } from 'autocannon'
import { serve } from '../lib/serve.js'
import { summarize, type LatencySummary } from '../lib/stats.js'

export interface CannonJob {
  /** http://127.0.0.1:PORT */
  base: string
  method: 'GET' | 'POST'
  path: string
  /** when given, each request takes one of these paths at random instead of `path` */
  paths?: string[]
  headers?: Record<string, string>
  body?: string
  connections: number
  durationS: number
  /** requests per second (fixed rate); none: closed loop */
  rate?: number
  /** statuses that count as success (others are reported) */
  expect: number[]
}

export interface CannonResult {
  seconds: number
  sent: number
  responses: number
  rps: number
  ok: number
  unexpected: Record<string, number>
  errors: number
  timeouts: number
  lat: LatencySummary
  /** fixed rate: sends that waited > 1 ms for an idle connection, and the deepest backlog */
  late: number
  backlogMax: number
  /** CPU seconds this load generator used during the run */
  cpuSeconds: number
}

const MAX_SAMPLES = 3_000_000

async function cannon (job: CannonJob): Promise<CannonResult> {
  const samples: number[] = []
  const status = new Map<number, number>()
  const clients: AutocannonClient[] = []
  const paced = job.rate !== undefined && job.rate > 0
  const rate = job.rate ?? 0
  let late = 0
  let backlogMax = 0
  let scheduler: NodeJS.Timeout | undefined

  const request: AutocannonRequest = { method: job.method, path: job.path, headers: job.headers ?? {} }
  if (job.body !== undefined) request.body = job.body
  const paths = job.paths
  if (paths !== undefined && paths.length > 0) {
    request.setupRequest = (req) => {
      req.path = paths[Math.floor(Math.random() * paths.length)]
      return req
    }
  }
  const opts: AutocannonOptions = {
    url: job.base,
    connections: job.connections,
    duration: job.durationS,
    timeout: 10,
    pipelining: 1,
    requests: [request]
  }
  if (paced) {
    opts.overallRate = Math.max(rate, job.connections)
    opts.setupClient = (client) => {
      // One request per release: the connection pauses after each response until released again.
      client.rate = 1
      client.reqsMadeThisSecond = 1
      clients.push(client)
      // autocannon's per-second limiter is created right after setupClient: replaced below.
      queueMicrotask(() => { clearInterval(client.rateInterval) })
    }
  }

  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const result = await new Promise<{ errors: number, timeouts: number }>((resolve, reject) => {
    const instance = autocannon(opts, (err, res) => {
      if (scheduler !== undefined) clearInterval(scheduler)
      if (err !== null) reject(err)
      else resolve({ errors: res.errors, timeouts: res.timeouts })
    })
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      status.set(statusCode, (status.get(statusCode) ?? 0) + 1)
      if (samples.length < MAX_SAMPLES) samples.push(responseTime)
    })
    if (paced) {
      let issued = 0
      let next = 0
      const start = performance.now()
      scheduler = setInterval(() => {
        const now = performance.now()
        const due = Math.floor((now - start) * rate / 1000) - issued
        for (let k = 0; k < due; k++) {
          let found: AutocannonClient | undefined
          for (let j = 0; j < clients.length; j++) {
            const c = clients[(next + j) % clients.length]
            if (c !== undefined && c.paused && !c.destroyed) {
              found = c
              next = (next + j + 1) % clients.length
              break
            }
          }
          if (found === undefined) {
            backlogMax = Math.max(backlogMax, due - k)
            break
          }
          if (now - (start + (issued + 1) * 1000 / rate) > 1) late++
          found.reqsMadeThisSecond = 0
          found.paused = false
          found._doRequest()
          issued++
        }
      }, 1)
    }
  })
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  let responses = 0
  let ok = 0
  const unexpected: Record<string, number> = {}
  for (const [code, n] of status) {
    responses += n
    if (job.expect.includes(code)) ok += n
    else unexpected[String(code)] = n
  }
  return {
    seconds,
    sent: responses + result.errors + result.timeouts,
    responses,
    rps: responses / job.durationS,
    ok,
    unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
    lat: summarize(samples),
    late,
    backlogMax,
    cpuSeconds: (cpu.user + cpu.system) / 1e6
  }
}

// ---- plain HTTP helpers (pages, poll, stream) ------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 })

interface Answer { status: number, headers: http.IncomingHttpHeaders, body: Buffer }

async function send (url: string, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`timed out after ${timeoutMs} ms`)) })
    req.on('error', reject)
    req.end(body)
  })
}

function pathOf (uri: string): string {
  const u = new URL(uri)
  return u.pathname + u.search
}

interface Doc { id?: string, nextUri?: string, data?: unknown[], error?: { errorName?: string, message?: string }, stats?: { state?: string } }

export interface PagesJob { base: string, sql: string, headers: Record<string, string>, timeoutMs: number }
export interface PagesResult { bytes: number, pages: number, seconds: number }

/** Reads a whole result: POST, then every nextUri (by path, through `base`), counting bytes. */
async function pages (job: PagesJob): Promise<PagesResult> {
  const t0 = performance.now()
  const deadline = Date.now() + job.timeoutMs
  const first = await send(`${job.base}/v1/statement`, 'POST', job.headers, job.sql, 10_000)
  if (first.status !== 200) throw new Error(`POST answered ${first.status}: ${first.body.toString('utf8', 0, 300)}`)
  let next = (JSON.parse(first.body.toString('utf8')) as Doc).nextUri
  let bytes = first.body.length
  let count = 0
  while (next !== undefined) {
    if (Date.now() > deadline) throw new Error(`result not read within ${job.timeoutMs} ms (${bytes} bytes, ${count} pages)`)
    if (++count > 100_000) throw new Error('more than 100,000 pages')
    const url = `${job.base}${pathOf(next)}`
    next = await new Promise<string | undefined>((resolve, reject) => {
      const req = http.get(url, { headers: job.headers, agent, timeout: 30_000 }, (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          reject(new Error(`GET ${url} answered ${res.statusCode}`))
          return
        }
        // nextUri comes before the data (the rows are last in the document): read it from the head.
        let head = ''
        let found: string | undefined
        let inHead = true
        res.on('data', (c: Buffer) => {
          bytes += c.length
          if (!inHead) return
          head += c.toString('latin1', 0, Math.min(c.length, 65536))
          const m = /"nextUri":"([^"]+)"/.exec(head)
          if (m !== null) found = m[1]
          if (m !== null || head.includes('"data":[') || head.length > 65536) inHead = false
        })
        res.on('end', () => {
          if (inHead) {
            try { found = (JSON.parse(head) as Doc).nextUri } catch { /* partial */ }
          }
          resolve(found)
        })
        res.on('error', reject)
      })
      req.on('timeout', () => { req.destroy(new Error('page timed out')) })
      req.on('error', reject)
    })
  }
  return { bytes, pages: count, seconds: (performance.now() - t0) / 1000 }
}

export interface PollJob { base: string, sql: string, headers: Record<string, string> }

/** Starts a query and walks it to its first page with rows: that executing URI can be re-fetched. */
async function poll (job: PollJob): Promise<{ path: string, id: string }> {
  const first = await send(`${job.base}/v1/statement`, 'POST', job.headers, job.sql, 10_000)
  if (first.status !== 200) throw new Error(`POST answered ${first.status}`)
  let doc = JSON.parse(first.body.toString('utf8')) as Doc
  for (let i = 0; i < 200 && doc.nextUri !== undefined; i++) {
    const path = pathOf(doc.nextUri)
    const res = await send(`${job.base}${path}`, 'GET', job.headers, undefined, 10_000)
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`)
    doc = JSON.parse(res.body.toString('utf8')) as Doc
    if (doc.error !== undefined) throw new Error(`query failed: ${doc.error.message ?? ''}`)
    if (Array.isArray(doc.data) && doc.data.length > 0 && path.includes('/executing/')) return { path, id: doc.id ?? '' }
  }
  throw new Error('no executing page with data')
}

export interface StreamJob {
  base: string
  /** new queries per second */
  rate: number
  durationS: number
  headers: Record<string, string>
  timeoutMs: number
}

export interface StreamEvent {
  /** epoch ms when the first POST was sent */
  at: number
  ms: number
  outcome: 'ok' | 'post-failed' | 'unplaced' | 'failed-after-post'
  detail?: string
  /** query id of a placed query (its suffix names the coordinator) */
  id?: string
}

/** One new query: POST (a 307 followed), then the first GET of its nextUri, which dispatches it. */
async function attempt (job: StreamJob): Promise<StreamEvent> {
  const at = Date.now()
  const t0 = performance.now()
  const done = (outcome: StreamEvent['outcome'], detail?: string, id?: string): StreamEvent => {
    const e: StreamEvent = { at, ms: performance.now() - t0, outcome }
    if (detail !== undefined) e.detail = detail
    if (id !== undefined) e.id = id
    return e
  }
  let doc: Doc
  try {
    let res = await send(`${job.base}/v1/statement`, 'POST', job.headers, 'SELECT 1', job.timeoutMs)
    if (res.status === 307 && typeof res.headers.location === 'string') {
      res = await send(res.headers.location, 'POST', job.headers, 'SELECT 1', job.timeoutMs)
    }
    if (res.status !== 200) return done('post-failed', `POST answered ${res.status}`)
    doc = JSON.parse(res.body.toString('utf8')) as Doc
  } catch (err) {
    return done('post-failed', (err as Error).message)
  }
  if (doc.error !== undefined || doc.nextUri === undefined) return done('post-failed', doc.error?.message ?? 'no nextUri')
  try {
    const res = await send(doc.nextUri, 'GET', job.headers, undefined, job.timeoutMs)
    if (res.status !== 200) return done('failed-after-post', `GET answered ${res.status}`, doc.id)
    const next = JSON.parse(res.body.toString('utf8')) as Doc
    if (next.error !== undefined) {
      // The gateway answers a query it cannot place with its own QUEUED document and fails it here.
      const unplaced = next.error.errorName === 'NO_ELIGIBLE_CLUSTER' || next.error.errorName === 'UNKNOWN_ROUTING_GROUP'
      return done(unplaced ? 'unplaced' : 'failed-after-post', `${next.error.errorName ?? ''}: ${next.error.message ?? ''}`, doc.id)
    }
  } catch (err) {
    return done('failed-after-post', (err as Error).message, doc.id)
  }
  return done('ok', undefined, doc.id)
}

const streamControl = { stop: false }

/** New queries at a steady rate until `durationS` or until streamStop is asked for. */
async function stream (job: StreamJob): Promise<StreamEvent[]> {
  streamControl.stop = false
  const events: StreamEvent[] = []
  const inflight = new Set<Promise<void>>()
  const total = Math.round(job.rate * job.durationS)
  const start = performance.now()
  for (let i = 0; i < total && !streamControl.stop; i++) {
    const due = start + i * 1000 / job.rate
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    if (inflight.size >= 256) {
      events.push({ at: Date.now(), ms: 0, outcome: 'post-failed', detail: 'client backlog: 256 attempts in flight' })
      continue
    }
    const p = attempt(job).then((e) => { events.push(e) }, () => {}).finally(() => { inflight.delete(p) })
    inflight.add(p)
  }
  await Promise.all(inflight)
  return events.sort((a, b) => a.at - b.at)
}

serve({
  cannon: async (job: CannonJob) => await cannon(job),
  pages: async (job: PagesJob) => await pages(job),
  poll: async (job: PollJob) => await poll(job),
  stream: async (job: StreamJob) => await stream(job),
  streamStop: async () => {
    streamControl.stop = true
    return true
  }
})
