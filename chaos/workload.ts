// Query streams: each runs one query at a time through the front door with one client in one
// mode, back to back with a short pause, and records every query's outcome.
import { sleep } from './procs.js'
import { RUNNERS, type ClientKind, type Flavor, type Phase } from './clients.js'
import type { Mode, Stream } from './topology.js'

export interface QueryRecord {
  stream: number
  client: ClientKind
  flavor: Flavor
  mode: Mode
  group: string
  user: string
  sql: string
  expectedRows: number
  startedAt: number
  endedAt: number
  ok: boolean
  phase: Phase | undefined
  error: string | undefined
  queryId: string | undefined
}

interface Shape { sql: string, rows: number, weight: number }

// Short queries, paged ones, and slow ones (a few seconds) that a fault will meet mid-flight.
const SHAPES: Shape[] = [
  { sql: "SELECT 1, 'chaos'", rows: 1, weight: 5 },
  { sql: 'SELECT n, s FROM t /* rows=20 pages=2 delayMs=100 */', rows: 20, weight: 3 },
  { sql: 'SELECT n, s FROM t /* rows=60 pages=4 delayMs=600 */', rows: 60, weight: 2 }
]

function pick (rng: () => number): Shape {
  const total = SHAPES.reduce((s, x) => s + x.weight, 0)
  let r = rng() * total
  for (const s of SHAPES) {
    r -= s.weight
    if (r < 0) return s
  }
  return SHAPES[0] as Shape
}

export class Workload {
  readonly records: QueryRecord[] = []
  /** queries started and not finished (for the report, if the run stops before they end) */
  readonly inFlight = new Set<QueryRecord>()
  private stopping = false
  private loops: Array<Promise<void>> = []

  constructor (private readonly url: string, private readonly streams: Stream[], private readonly rng: () => number, private readonly deadlineMs: number) {}

  start (): void {
    this.loops = this.streams.map(async (s, i) => { await this.loop(s, i) })
  }

  private async loop (s: Stream, index: number): Promise<void> {
    // Stagger the streams so they do not all POST in the same millisecond.
    await sleep(index * 37)
    while (!this.stopping) {
      const shape = pick(this.rng)
      const rec: QueryRecord = {
        stream: index,
        client: s.client,
        flavor: s.flavor,
        mode: s.mode,
        group: s.group,
        user: s.user,
        sql: shape.sql,
        expectedRows: shape.rows,
        startedAt: Date.now(),
        endedAt: 0,
        ok: false,
        phase: undefined,
        error: undefined,
        queryId: undefined
      }
      this.inFlight.add(rec)
      let out
      try {
        out = await RUNNERS[s.client]({ url: this.url, sql: shape.sql, user: s.user, flavor: s.flavor, deadlineMs: this.deadlineMs })
      } catch (err) {
        out = { ok: false, rows: 0, queryId: undefined, phase: 'first-post' as const, error: `client threw: ${(err as Error).message}` }
      }
      this.inFlight.delete(rec)
      rec.endedAt = Date.now()
      rec.queryId = out.queryId
      if (out.ok && out.rows !== shape.rows) {
        rec.ok = false
        rec.phase = 'later'
        rec.error = `wrong result: ${out.rows} rows, expected ${shape.rows}`
      } else {
        rec.ok = out.ok
        rec.phase = out.phase
        rec.error = out.error
      }
      this.records.push(rec)
      await sleep(50 + Math.floor(this.rng() * 200))
    }
  }

  /** Stops starting queries; waits (bounded) for those in flight. */
  async stop (boundMs: number): Promise<void> {
    this.stopping = true
    await Promise.race([Promise.all(this.loops), sleep(boundMs)])
  }
}
