// Affinity at scale: the gateway's own Redis store (src/affinity) tracking 100,000 queries.
//   populate  writes N query routes as a busy gateway would (ids minted over the last `spreadMinutes`
//             by a few coordinators), and measures Redis memory (INFO used_memory) before and after
//   lookups   getQuery of random tracked ids through a store with its in-process cache disabled:
//             every lookup is a Redis round trip
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import { RedisAffinityStore } from '../../src/affinity/index.js'
import type { QueryRoute } from '../../src/affinity/index.js'
import { serve } from '../lib/serve.js'
import { summarize } from '../lib/stats.js'

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

function pad (n: number, w: number): string {
  return String(n).padStart(w, '0')
}

/** A Trino query id minted at `ms` by the coordinator with `suffix`: YYYYMMdd_HHmmss_NNNNN_ccccc. */
function queryId (ms: number, counter: number, suffix: string): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}_${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}_${pad(counter % 100_000, 5)}_${suffix}`
}

async function usedMemory (client: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1])
}

export interface PopulateJob { url: string, n: number, spreadMinutes: number, cluster: string, coordinators: string[] }
export interface PopulateResult { ids: string[], usedBefore: number, usedAfter: number, bytesPerQuery: number, keys: number, seconds: number }

async function populate (job: PopulateJob): Promise<PopulateResult> {
  const raw = new Redis(job.url, { lazyConnect: true })
  await raw.connect()
  const store = new RedisAffinityStore({ redis: { url: job.url, keyPrefix: 'phg:' }, queryTtlSeconds: 86_400, transactionTtlSeconds: 86_400 }, { logger: silent })
  try {
    if (!await store.ready(10_000)) throw new Error('Redis not ready')
    await raw.flushall('SYNC')
    const before = await usedMemory(raw)
    const now = Date.now()
    const suffixes = ['b3nch', 'k7mqx', 'p4tzr', 'w9dfh']
    const ids: string[] = []
    const routes: Array<[string, QueryRoute]> = []
    for (let i = 0; i < job.n; i++) {
      const at = now - job.spreadMinutes * 60_000 + Math.floor(i * job.spreadMinutes * 60_000 / job.n)
      const c = i % suffixes.length
      const id = queryId(at, Math.floor(i / suffixes.length), suffixes[c] ?? 'b3nch')
      ids.push(id)
      routes.push([id, { cluster: job.cluster, coordinator: job.coordinators[c % job.coordinators.length] ?? 'a', mode: 'handoff', group: 'adhoc', routedAt: at, user: `user_${i % 50}` }])
    }
    const t0 = performance.now()
    // 64 writes in flight, as concurrent first POSTs would put them.
    let next = 0
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < routes.length) {
        const r = routes[next++]
        if (r !== undefined) await store.putQuery(r[0], r[1])
      }
    }))
    const seconds = (performance.now() - t0) / 1000
    const after = await usedMemory(raw)
    return { ids, usedBefore: before, usedAfter: after, bytesPerQuery: (after - before) / job.n, keys: await raw.dbsize(), seconds }
  } finally {
    await store.close()
    raw.disconnect()
  }
}

export interface LookupsJob { url: string, ids: string[], n: number, warmup: number }

async function lookups (job: LookupsJob): Promise<ReturnType<typeof summarize> & { misses: number }> {
  const store = new RedisAffinityStore({ redis: { url: job.url, keyPrefix: 'phg:' }, queryTtlSeconds: 86_400, transactionTtlSeconds: 86_400 }, { logger: silent, tuning: { cacheSize: 0 } })
  try {
    if (!await store.ready(10_000)) throw new Error('Redis not ready')
    const samples: number[] = []
    let misses = 0
    for (let i = 0; i < job.warmup + job.n; i++) {
      const id = job.ids[Math.floor(Math.random() * job.ids.length)] ?? ''
      const t0 = performance.now()
      const route = await store.getQuery(id)
      const ms = performance.now() - t0
      if (route === undefined) misses++
      if (i >= job.warmup) samples.push(ms)
    }
    return { ...summarize(samples), misses }
  } finally {
    await store.close()
  }
}

serve({
  populate: async (job: PopulateJob) => await populate(job),
  lookups: async (job: LookupsJob) => await lookups(job)
})
