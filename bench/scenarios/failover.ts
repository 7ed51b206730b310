// Failover: the primary coordinator of cluster `blue` is killed under a steady stream of new
// queries, while 4 emulated workers keep re-announcing through the discovery front (the gateway's
// discovery port, or HAProxy in the seed's recipe). Fresh processes for every run.
//
// Topologies:
//   one cluster    blue = blue-a (primary) + blue-b (standby): the recipe's own case, HAProxy and
//                  the gateway in each mode side by side
//   two clusters   blue as above + green (one coordinator, 2 workers) in the same routing group: the
//                  gateway re-sends a first POST that found blue-a dead to green (handoff, proxy)
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { StreamEvent } from '../procs/loadgen.js'
import { fmt, judge, measured, newReport, type Ctx, type Figure, type ScenarioReport } from '../lib/harness.js'
import { startHaproxy } from '../lib/haproxy.js'
import { freePort, ROOT, sleep, type Proc } from '../lib/procs.js'
import { startRpcChild } from '../lib/rpc.js'
import { spread } from '../lib/stats.js'
import {
  activeWorkers, control, CORE_RIG, flushRedis, gatewayConfig, startEmulators, startGateway, waitReady,
  type EmulatorInfo
} from '../lib/topology.js'

const WORKERS = 4
/** Trino's announce mode: every worker POSTs /v1/announce every 5 s */
const ANNOUNCE_MS = 5000
const RATE = 50

type Front = 'haproxy' | 'redirect' | 'handoff' | 'proxy'
interface Variant { front: Front, twoClusters: boolean }

interface FailoverRun {
  events: number
  /** longest time without a new query accepted, around the kill (ms) */
  gapMs: number
  failedFirstPosts: number
  failedAfterPost: number
  /** kill → first new query accepted by blue-b */
  firstOnNewPrimaryMs: number
  /** kill → blue-b has a worker / all workers */
  firstWorkerMs: number
  allWorkersMs: number
  /** the gateway's own measure: old primary's first failed check → first query routed to the new one */
  gatewayFailoverMs: number
  errors: string[]
  foreign: number
}

/** The HA pieces this scenario needs (another engineer's work in progress): present or not. */
export function failoverPrerequisites (): string | undefined {
  const missing = ['src/discovery/index.ts', 'src/cluster/redis-authority.ts'].filter((f) => !existsSync(join(ROOT, f)))
  return missing.length === 0 ? undefined : `missing ${missing.join(', ')}`
}

function variantName (v: Variant): string {
  return v.front === 'haproxy' ? 'HAProxy recipe' : `gateway ${v.front}${v.twoClusters ? ', two clusters' : ''}`
}

async function oneRun (ctx: Ctx, v: Variant): Promise<Omit<FailoverRun, 'foreign'>> {
  const procs: Proc[] = []
  try {
    // Ports picked up front, so the emulators and the gateway start together.
    const specs = [{ name: 'blue-a', workers: 0, port: await freePort() }, { name: 'blue-b', workers: 0, port: await freePort() }]
    if (v.twoClusters) specs.push({ name: 'green-a', workers: 2, port: await freePort() })
    const url = (name: string): string => `http://127.0.0.1:${specs.find((x) => x.name === name)?.port ?? 0}`
    const dport = await freePort()
    const clusters = [{ name: 'blue', discoveryPort: dport, coordinators: [{ name: 'blue-a', url: url('blue-a') }, { name: 'blue-b', url: url('blue-b') }] }]
    if (v.twoClusters) clusters.push({ name: 'green', coordinators: [{ name: 'green-a', url: url('green-a') }] } as typeof clusters[0])
    if (v.front !== 'haproxy') await flushRedis(ctx.redis.url)
    const emuP = startEmulators('emu-failover', specs)
    const gwP = v.front === 'haproxy' ? undefined : startGateway(`gw-failover-${v.front}${v.twoClusters ? '-2c' : ''}`, gatewayConfig({ mode: v.front, redisUrl: ctx.redis.url, clusters }), { waitEligible: false })
    gwP?.catch(() => {})
    const emu = await emuP.catch(async (err: unknown) => {
      await (await gwP?.catch(() => undefined))?.stop()
      throw err
    })
    procs.push(emu)
    const e = (n: string): EmulatorInfo => {
      const x = emu.coordinators.get(n)
      if (x === undefined) throw new Error(`${n} missing`)
      return x
    }
    const blueA = e('blue-a')
    const blueB = e('blue-b')
    let front: string
    let discoveryUri: string
    let gatewayLog: (() => string) | undefined
    let gatewayUrl: string | undefined
    if (v.front === 'haproxy') {
      const h = await startHaproxy('haproxy-failover', [{ name: 'blue-a', port: blueA.port }, { name: 'blue-b', port: blueB.port }])
      procs.push(h)
      front = h.url
      discoveryUri = h.url
    } else {
      if (gwP === undefined) throw new Error('no gateway')
      const gw = await gwP
      procs.push(gw)
      front = gw.url
      gatewayUrl = gw.url
      discoveryUri = `http://127.0.0.1:${gw.discoveryPorts.get('blue') ?? dport}`
      gatewayLog = () => gw.log()
    }
    const workers = await startRpcChild('bench/procs/workers.ts', [JSON.stringify({ discoveryUri, count: WORKERS, intervalMs: ANNOUNCE_MS, style: 'announce' })], { name: 'workers', core: CORE_RIG })
    procs.push(workers)
    // The primary has every worker, the standby none, and the front routes.
    const deadline = Date.now() + 20_000
    while (await activeWorkers(blueA) < WORKERS) {
      if (Date.now() > deadline) throw new Error(`blue-a has ${await activeWorkers(blueA)} of ${WORKERS} workers after 20 s`)
      await sleep(100)
    }
    if (gatewayUrl !== undefined) await waitReady(gatewayUrl, 30_000)

    const stream = ctx.loadgen.call<StreamEvent[]>('stream', { base: front, rate: RATE, durationS: 45, headers: { 'x-trino-user': 'failover' }, timeoutMs: 10_000 }, 90_000)
    await sleep(1500)
    const killAt = Date.now()
    await control(blueA, 'kill')
    let firstWorkerAt = Number.NaN
    let allWorkersAt = Number.NaN
    while (Date.now() - killAt < 30_000) {
      const n = await activeWorkers(blueB)
      if (n >= 1 && Number.isNaN(firstWorkerAt)) firstWorkerAt = Date.now()
      if (n >= WORKERS) {
        allWorkersAt = Date.now()
        break
      }
      await sleep(50)
    }
    // Keep the stream going a little after the cluster is whole again.
    await sleep(Math.max(0, killAt + 4000 - Date.now()) + 1000)
    await ctx.loadgen.call('streamStop', {}, 5000)
    const events = await stream

    const okTimes = events.filter((x) => x.outcome === 'ok').map((x) => x.at)
    const lastBefore = okTimes.filter((t) => t < killAt).at(-1) ?? killAt
    const after = okTimes.filter((t) => t >= lastBefore)
    let gapMs = 0
    for (let i = 1; i < after.length; i++) gapMs = Math.max(gapMs, (after[i] ?? 0) - (after[i - 1] ?? 0))
    if (after.length <= 1) gapMs = (events.at(-1)?.at ?? killAt) - lastBefore
    const onB = events.find((x) => x.outcome === 'ok' && x.at >= killAt && x.id?.endsWith(`_${blueB.suffix}`) === true)
    let gatewayFailoverMs = Number.NaN
    if (gatewayLog !== undefined) {
      const m = /"failoverMs":(\d+(?:\.\d+)?)[^\n]*"first query routed to the new primary"|"msg":"first query routed to the new primary"[^\n]*"failoverMs":(\d+(?:\.\d+)?)/.exec(gatewayLog())
      if (m !== null) gatewayFailoverMs = Number(m[1] ?? m[2])
    }
    const errors = new Map<string, number>()
    for (const x of events) {
      if (x.outcome === 'ok') continue
      const key = `${x.outcome}: ${(x.detail ?? '').replace(/\d{8}_\d{6}_\d{5}_[a-z0-9]{5}/g, '{id}').replace(/127\.0\.0\.1:\d+/g, 'host').slice(0, 140)}`
      errors.set(key, (errors.get(key) ?? 0) + 1)
    }
    return {
      events: events.length,
      gapMs,
      failedFirstPosts: events.filter((x) => x.outcome === 'post-failed' || x.outcome === 'unplaced').length,
      failedAfterPost: events.filter((x) => x.outcome === 'failed-after-post').length,
      firstOnNewPrimaryMs: onB === undefined ? Number.NaN : onB.at - killAt,
      firstWorkerMs: firstWorkerAt - killAt,
      allWorkersMs: allWorkersAt - killAt,
      gatewayFailoverMs,
      errors: [...errors].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`)
    }
  } finally {
    for (const p of procs.reverse()) await p.stop(1500)
  }
}

export async function failoverScenario (ctx: Ctx): Promise<ScenarioReport> {
  const rep = newReport('failover', 'Failover: primary killed under a steady stream of new queries')
  const missing = failoverPrerequisites()
  if (missing !== undefined) {
    rep.skipped = `coordinator HA with Redis and the discovery proxy are not there yet (${missing})`
    return rep
  }
  const variants: Variant[] = []
  if (ctx.haproxy.ok) variants.push({ front: 'haproxy', twoClusters: false })
  // One cluster, handoff and proxy behave as redirect does (nowhere else to send a first POST): a
  // redirect run stands for them; two clusters, every mode.
  variants.push({ front: 'redirect', twoClusters: false })
  variants.push({ front: 'redirect', twoClusters: true }, { front: 'handoff', twoClusters: true }, { front: 'proxy', twoClusters: true })
  const quickSet = new Set(['gateway handoff, two clusters'])
  const chosen = ctx.opts.quick ? variants.filter((v) => quickSet.has(variantName(v))) : variants

  const results = new Map<string, FailoverRun[]>()
  for (let i = 0; i < ctx.runs; i++) {
    for (const v of chosen) {
      const name = variantName(v)
      // A run that could not even start (a port taken meanwhile, ...) is tried once more.
      const m = await measured(ctx, async () => await oneRun(ctx, v).catch(async (err: unknown) => {
        ctx.log(`    ${name} run ${i + 1} failed (${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}); once more`)
        return await oneRun(ctx, v)
      }))
      const r = { ...m.value, foreign: m.foreign }
      results.set(name, [...(results.get(name) ?? []), r])
      ctx.log(`    ${name} run ${i + 1}: gap ${fmt(r.gapMs, 0)} ms, failed first POSTs ${r.failedFirstPosts}, failed after POST ${r.failedAfterPost}, first query on blue-b +${fmt(r.firstOnNewPrimaryMs, 0)} ms, all workers +${fmt(r.allWorkersMs, 0)} ms; others used ${fmt(m.foreign)} cores`)
    }
  }

  rep.setup.push(
    `Cluster \`blue\`: \`blue-a\` (primary) and \`blue-b\` (standby), emulated, with no workers of their own; ${WORKERS} emulated workers (\`bench/procs/workers.ts\`, \`startWorkerAnnouncer\`) re-announce every ${ANNOUNCE_MS / 1000} s (Trino's announce mode, phases spread) through the discovery front: the gateway's \`clusters[].discovery.port\`, or HAProxy.`,
    `A client sends ${RATE} new queries per second through the front (\`POST /v1/statement\`, a 307 followed, then the first GET of its \`nextUri\`, which dispatches it); 1.5 s after the stream starts, \`blue-a\` is killed (emulator \`POST /faults/kill\`: listener closed, every connection cut). The stream goes on until \`blue-b\` has all workers, then 1 s more.`,
    'Gateway: one replica, Redis store and primary authority, default health (`intervalMs: 1000, timeoutMs: 800, rise: 2, fall: 2`), `minWorkers: 1`. HAProxy: the recipe, `server blue-a … check inter 1s fall 2 rise 2`, `server blue-b … backup`, HTTP check `GET /v1/info`.',
    'Two clusters: the gateway also has `green` (one coordinator, 2 workers) in the same routing group; HAProxy\'s recipe has no such thing (it fails over inside one cluster).',
    '*new-query gap*: the longest time between two new queries accepted (POST answered by a coordinator and the first GET not FAILED) from the last one before the kill on. *failed first POSTs*: POSTs that got no coordinator\'s answer (connection refused, 503, or the gateway\'s own FAILED document: no eligible cluster). The emulated coordinator accepts queries with no workers, where a real Trino would queue them until `query-manager.required-workers` are there: HAProxy\'s figures count such queries as accepted.'
  )
  const all = [...results.values()].flat()
  rep.runs = Math.min(...[...results.values()].map((r) => r.length))
  rep.foreign = spread(all.map((r) => r.foreign))
  const s = (name: string, f: (r: FailoverRun) => number): ReturnType<typeof spread> => spread((results.get(name) ?? []).map(f))
  const ha = results.has('HAProxy recipe') ? 'HAProxy recipe' : undefined
  const vsHa = (f: (r: FailoverRun) => number): Figure['baseline'] => ha === undefined ? undefined : { label: 'HAProxy recipe', value: s(ha, f) }
  const figs: Figure[] = []
  const has = (name: string): boolean => results.has(name)
  if (has('gateway redirect')) {
    figs.push(judge({ name: 'failover, redirect, one cluster: new-query gap', unit: 'ms', ours: s('gateway redirect', (r) => r.gapMs), baseline: vsHa((r) => r.gapMs) }, '≤ 1000 ms', 'ours', '<=', 1000))
    figs.push({ name: 'failover, redirect, one cluster: failed first POSTs', unit: 'queries', ours: s('gateway redirect', (r) => r.failedFirstPosts), baseline: vsHa((r) => r.failedFirstPosts) })
  }
  if (has('gateway redirect, two clusters')) {
    figs.push({ name: 'failover, redirect, two clusters: new-query gap', unit: 'ms', ours: s('gateway redirect, two clusters', (r) => r.gapMs), baseline: vsHa((r) => r.gapMs), note: 'HAProxy: one cluster' })
    figs.push({ name: 'failover, redirect, two clusters: failed first POSTs', unit: 'queries', ours: s('gateway redirect, two clusters', (r) => r.failedFirstPosts), baseline: vsHa((r) => r.failedFirstPosts), note: 'HAProxy: one cluster' })
  }
  for (const mode of ['handoff', 'proxy'] as const) {
    const two = `gateway ${mode}, two clusters`
    if (has(two)) {
      figs.push(judge({ name: `failover, ${mode}, two clusters: failed first POSTs`, unit: 'queries', ours: s(two, (r) => r.failedFirstPosts), baseline: vsHa((r) => r.failedFirstPosts), note: 'HAProxy: one cluster, its recipe has no second one' }, '0', 'ours', '<=', 0))
    }
  }
  if (has('gateway handoff')) {
    figs.push({ name: 'failover, handoff, one cluster: failed first POSTs', unit: 'queries', ours: s('gateway handoff', (r) => r.failedFirstPosts), baseline: vsHa((r) => r.failedFirstPosts), note: 'no other cluster to re-send to' })
    figs.push({ name: 'failover, handoff, one cluster: new-query gap', unit: 'ms', ours: s('gateway handoff', (r) => r.gapMs), baseline: vsHa((r) => r.gapMs) })
  }
  const any = has('gateway redirect') ? 'gateway redirect' : [...results.keys()].find((k) => k !== 'HAProxy recipe')
  if (any !== undefined) {
    figs.push({ name: `failover: time until the new primary has all ${WORKERS} workers (${any})`, unit: 'ms', ours: s(any, (r) => r.allWorkersMs), baseline: vsHa((r) => r.allWorkersMs) })
    figs.push({ name: `failover: first new query on the new primary (${any})`, unit: 'ms', ours: s(any, (r) => r.firstOnNewPrimaryMs), baseline: vsHa((r) => r.firstOnNewPrimaryMs) })
  }
  rep.figures.push(...figs)
  rep.details.push(
    '| variant | run | others (cores) | queries | gap ms | failed first POSTs | failed after POST | first query on blue-b ms | blue-b first / all workers ms | gateway\'s failover ms |',
    '|---|---|---|---|---|---|---|---|---|---|'
  )
  for (const [name, runs] of results) {
    runs.forEach((r, i) => {
      rep.details.push(`| ${name} | ${i + 1} | ${fmt(r.foreign)} | ${r.events} | ${fmt(r.gapMs, 0)} | ${r.failedFirstPosts} | ${r.failedAfterPost} | ${fmt(r.firstOnNewPrimaryMs, 0)} | ${fmt(r.firstWorkerMs, 0)} / ${fmt(r.allWorkersMs, 0)} | ${fmt(r.gatewayFailoverMs, 0)} |`)
    })
  }
  rep.details.push('', 'What failed (all runs of each variant, most frequent first):', '')
  for (const [name, runs] of results) {
    const merged = new Map<string, number>()
    for (const r of runs) {
      for (const line of r.errors) {
        const m = /^(\d+) × (.*)$/.exec(line)
        if (m !== null) merged.set(m[2] ?? '', (merged.get(m[2] ?? '') ?? 0) + Number(m[1]))
      }
    }
    const top = [...merged].sort((a, b) => b[1] - a[1]).slice(0, 4)
    rep.details.push(`- ${name}: ${top.length === 0 ? 'nothing' : top.map(([k, n]) => `${n} × ${k}`).join('; ')}`)
  }
  if (ctx.opts.quick) rep.details.push('', `Quick mode: only ${chosen.map(variantName).join(', ')}, one run each.`)
  return rep
}
