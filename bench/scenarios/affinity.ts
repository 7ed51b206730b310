// Affinity at scale: 100,000 tracked queries in a Redis of their own; Redis memory per query, the
// store's lookup latency with every lookup a Redis round trip, and follow-ups routed by query id
// through a gateway that tracks them all.
import { cannon, checkCannon, connectionsFor, fmt, judge, measured, newReport, warmup, type Ctx, type Load, type ScenarioReport } from '../lib/harness.js'
import { startRpcChild } from '../lib/rpc.js'
import { spread, type LatencySummary } from '../lib/stats.js'
import { CORE_RIG, gatewayConfig, startEmulators, startGateway, startPinnedRedis } from '../lib/topology.js'
import type { PopulateResult } from '../procs/affinity.js'

const TRACKED = 100_000

export async function affinityScenario (ctx: Ctx): Promise<ScenarioReport> {
  const rep = newReport('affinity', 'Affinity: 100,000 tracked queries in Redis')
  const redis = await startPinnedRedis()
  const probe = await startRpcChild('bench/procs/affinity.ts', [], { name: 'affinity-probe', core: CORE_RIG })
  const emu = await startEmulators('emu-affinity', [{ name: 'bench-a', workers: 1 }, { name: 'bench-b', workers: 1 }])
  try {
    const a = emu.coordinators.get('bench-a')
    const b = emu.coordinators.get('bench-b')
    if (a === undefined || b === undefined) throw new Error('emulators did not start')
    ctx.log(`    writing ${TRACKED.toLocaleString('en-US')} query routes...`)
    const pop = await probe.call<PopulateResult>('populate', { url: redis.url, n: TRACKED, spreadMinutes: 120, cluster: 'bench', coordinators: ['bench-a', 'bench-b'] }, 300_000)
    const lookupN = ctx.opts.quick ? 5000 : 20_000
    const lookups: Array<{ s: LatencySummary & { misses: number }, foreign: number }> = []
    for (let i = 0; i < ctx.runs; i++) {
      const m = await measured(ctx, async () => await probe.call<LatencySummary & { misses: number }>('lookups', { url: redis.url, ids: pop.ids, n: lookupN, warmup: 1000 }, 120_000))
      lookups.push({ s: m.value, foreign: m.foreign })
      ctx.log(`    lookups run ${i + 1}: p50 ${fmt(m.value.p50, 3)} p99 ${fmt(m.value.p99, 3)} ms (${m.value.misses} misses); others used ${fmt(m.foreign)} cores`)
    }

    // Follow-ups by query id through a gateway: GET of an executing URI of a handed-off query with
    // no credentials → the gateway looks the id up (its LRU holds 10,000 of the 100,000) → 307.
    // (Not in quick mode: a gateway start-up more.)
    const follow: Array<{ r: Load, foreign: number }> = []
    const rate = ctx.opts.quick ? 500 : 1000
    if (!ctx.opts.quick) {
      const gw = await startGateway('gw-affinity', gatewayConfig({ mode: 'handoff', redisUrl: redis.url, clusters: [{ name: 'bench', coordinators: [{ name: 'bench-a', url: a.url }, { name: 'bench-b', url: b.url }] }] }), { profile: ctx.opts.profile })
      try {
        const paths = pop.ids.map((id) => `/v1/statement/executing/${id}/y0b3nchslug/1`)
        const job = { base: gw.url, method: 'GET' as const, path: paths[0] ?? '/', paths, headers: { 'x-trino-user': 'bench' }, connections: connectionsFor(rate), durationS: ctx.durationS, rate, expect: [307] }
        await warmup(ctx, job)
        for (let i = 0; i < ctx.runs; i++) {
          const m = await measured(ctx, async () => await cannon(ctx, job))
          follow.push({ r: m.value, foreign: m.foreign })
          ctx.log(`    follow-ups run ${i + 1}: p50 ${fmt(m.value.lat.p50, 3)} p99 ${fmt(m.value.lat.p99, 3)} ms; others used ${fmt(m.foreign)} cores`)
        }
      } finally {
        await gw.stop()
      }
    }

    rep.setup.push(
      `${TRACKED.toLocaleString('en-US')} query routes written with the gateway's own store (\`src/affinity/redis-store.ts\`, 64 writes in flight, ${fmt(pop.seconds, 1)} s) into a fresh redis-server: ids minted by 4 coordinators over the last 2 hours (a busy gateway), each route with cluster, coordinator, mode, group, time and user.`,
      `Memory: \`INFO memory\` used_memory after − before, ÷ ${TRACKED.toLocaleString('en-US')} (${pop.keys} keys: one hash per minute of query ids).`,
      `Lookups: \`getQuery\` of random tracked ids through a store whose in-process cache is disabled (every lookup a Redis round trip), ${lookupN.toLocaleString('en-US')} sequential lookups per run after 1,000 to warm up.`,
      `Follow-ups${ctx.opts.quick ? ' (not in quick mode)' : ''}: \`GET /v1/statement/executing/{id}/…\` of random tracked ids through a gateway on that Redis (its 10,000-route LRU holds a tenth of them), answered 307 to the owning coordinator; ${rate} req/s, ${ctx.durationS} s per run.`
    )
    rep.runs = lookups.length
    rep.foreign = spread([...lookups.map((l) => l.foreign), ...follow.map((f) => f.foreign)])
    rep.figures.push(judge({
      name: 'Redis memory per tracked query',
      unit: 'B',
      ours: spread([pop.bytesPerQuery])
    }, '≤ 200 B', 'ours', '<=', 200), judge({
      name: 'affinity lookup p99 (Redis round trip)',
      unit: 'ms',
      ours: spread(lookups.map((l) => l.s.p99))
    }, '≤ 1 ms', 'ours', '<=', 1), {
      name: 'affinity lookup p50 (Redis round trip)',
      unit: 'ms',
      ours: spread(lookups.map((l) => l.s.p50))
    })
    if (follow.length > 0) {
      rep.figures.push({
        name: `follow-up routed by query id, p99 at ${rate} req/s (gateway, 100,000 tracked)`,
        unit: 'ms',
        ours: spread(follow.map((f) => f.r.lat.p99)),
        note: `p50 ${fmt(spread(follow.map((f) => f.r.lat.p50)).median, 3)} ms`
      })
    }
    rep.details.push(
      `Redis used_memory ${pop.usedBefore.toLocaleString('en-US')} → ${pop.usedAfter.toLocaleString('en-US')} bytes.`,
      '',
      '| run | others (cores) | lookup p50 / p99 / p99.9 ms | misses | follow-up p50 / p99 ms |',
      '|---|---|---|---|---|',
      ...lookups.map((l, i) => {
        const f = follow[i]
        return `| ${i + 1} | ${fmt(l.foreign)} | ${fmt(l.s.p50, 3)} / ${fmt(l.s.p99, 3)} / ${fmt(l.s.p999, 3)} | ${l.s.misses} | ${f === undefined ? '—' : `${fmt(f.r.lat.p50, 3)} / ${fmt(f.r.lat.p99, 3)}`} |`
      })
    )
    const issues = follow.flatMap((f, i) => checkCannon(`follow-up run ${i + 1}`, f.r))
    if (issues.length > 0) rep.details.push('', ...issues.map((s) => `- ${s}`))
    return rep
  } finally {
    await Promise.all([probe.stop(), emu.stop()])
    await redis.stop()
  }
}
