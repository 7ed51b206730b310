import assert from 'node:assert/strict'
import { once } from 'node:events'
import { pino, type Logger } from 'pino'
import type { AffinityStore, AffinityStoreEvent, QueryRoute } from '../../src/affinity/index.js'

/** A pino logger writing into an array, to assert on what the store logs. */
export function captureLogger (level = 'debug'): { logger: Logger, lines: string[] } {
  const lines: string[] = []
  const logger = pino({ level }, { write (s: string) { lines.push(s) } })
  return { logger, lines }
}

export const silentLogger = pino({ level: 'silent' })

export function route (over: Partial<QueryRoute> = {}): QueryRoute {
  return { cluster: 'blue', coordinator: 'blue-a', mode: 'handoff', group: 'adhoc', routedAt: Date.now(), user: 'etl_user', ...over }
}

/** A Trino-style query id: `YYYYMMdd_HHmmss_NNNNN_ccccc` for the given time and counter. */
export function queryId (at: number, counter: number, suffix = 'abcde'): string {
  const d = new Date(at)
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}_${p(counter % 100_000, 5)}_${suffix}`
}

export async function waitFor (store: AffinityStore, event: AffinityStoreEvent, timeoutMs = 10_000): Promise<void> {
  await once(store as unknown as NodeJS.EventEmitter, event, { signal: AbortSignal.timeout(timeoutMs) })
}

/** Polls until check() holds, bounded. */
export async function eventually (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN
}
