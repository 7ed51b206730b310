// The three routing modes against their baselines, and the seed's HAProxy recipe on the same
// traffic. One rig for all: two emulated coordinators (bench-a primary, bench-b standby), the two
// bare node:http baselines and HAProxy in front of them; one gateway per mode, started fresh.
import type { CannonJob, PagesResult } from '../procs/loadgen.js'
import { capacity, cannon, checkCannon, connectionsFor, fmt, judge, measured, newReport, warmup, type Ctx, type Figure, type Load, type ScenarioReport } from '../lib/harness.js'
import { startHaproxy, type Haproxy } from '../lib/haproxy.js'
import { cpuTicks, CLK_TCK, rssSampler } from '../lib/procs.js'
import { formatProfile, summarizeProfile } from '../lib/profile.js'
import { spread } from '../lib/stats.js'
import {
  flushRedis, gatewayConfig, startBaseline, startEmulators, startGateway,
  type Baseline, type EmulatorInfo, type Emulators, type GatewayProc
} from '../lib/topology.js'

export interface MainRig {
  emu: Emulators
  a: EmulatorInfo
  b: EmulatorInfo
  redirect307: Baseline
  /** reference: the same 307 from a bare fastify route (the framework's floor) */
  fastify307: Baseline | undefined
  bare: Baseline
  haproxy: Haproxy | undefined
  /** quick mode: the mode gateways, started together up front (each on its own key prefix) */
  early: Map<Mode, Promise<GatewayProc>>
}

type Mode = 'redirect' | 'handoff' | 'proxy'

const HEADERS = { 'x-trino-user': 'bench', 'content-type': 'text/plain; charset=utf-8' }

export async function startMainRig (ctx: Ctx): Promise<MainRig> {
  const emu = await startEmulators('emu-main', [{ name: 'bench-a', workers: 2 }, { name: 'bench-b', workers: 2 }])
  const a = emu.coordinators.get('bench-a')
  const b = emu.coordinators.get('bench-b')
  if (a === undefined || b === undefined) throw new Error('emulators did not start')
  const [redirect307, fastify307, bare, haproxy] = await Promise.all([
    startBaseline('baseline-redirect', 'redirect', a.url),
    ctx.opts.quick ? Promise.resolve(undefined) : startBaseline('reference-fastify', 'fastify', a.url),
    startBaseline('baseline-proxy', 'proxy', a.url),
    ctx.haproxy.ok ? startHaproxy('haproxy-main', [{ name: 'bench-a', port: a.port }, { name: 'bench-b', port: b.port }]) : Promise.resolve(undefined)
  ])
  const rig: MainRig = { emu, a, b, redirect307, fastify307, bare, haproxy, early: new Map() }
  return rig
}

/**
 * Quick mode starts the gateways of the given modes at once (start-up is most of a short run);
 * the full run starts each just before its scenario, so no idle gateway shares the core.
 */
export function startGatewaysEarly (ctx: Ctx, rig: MainRig, modes: Mode[]): void {
  for (const mode of modes) {
    const p = startGateway(`gw-${mode}`, gatewayConfig({ mode, redisUrl: ctx.redis.url, keyPrefix: `phg-${mode}:`, clusters: [benchCluster(rig)] }), { profile: ctx.opts.profile })
    p.catch(() => {})
    rig.early.set(mode, p)
  }
}

function benchCluster (rig: MainRig): { name: string, coordinators: Array<{ name: string, url: string }> } {
  return { name: 'bench', coordinators: [{ name: 'bench-a', url: rig.a.url }, { name: 'bench-b', url: rig.b.url }] }
}

async function modeGateway (ctx: Ctx, rig: MainRig, mode: Mode): Promise<GatewayProc> {
  const early = rig.early.get(mode)
  if (early !== undefined) return await early
  await flushRedis(ctx.redis.url)
  return await startGateway(`gw-${mode}`, gatewayConfig({ mode, redisUrl: ctx.redis.url, clusters: [benchCluster(rig)] }), { profile: ctx.opts.profile })
}

/** With --profile: one extra load window with the gateway's CPU profiler on; the excerpt goes in the report. */
async function profiled<T> (ctx: Ctx, gw: GatewayProc, rep: ScenarioReport, title: string, patterns: RegExp[], load: () => Promise<T>): Promise<T | undefined> {
  if (!gw.profiling) return undefined
  await gw.profileStart()
  const value = await load()
  const file = await gw.profileStop()
  if (file !== undefined) {
    const text = formatProfile(summarizeProfile(file, patterns), title)
    rep.profiles.push(`${text}\n  (profile: ${file})`)
    ctx.log(text)
  }
  return value
}

const per = <T>(xs: T[], f: (x: T) => number): ReturnType<typeof spread> => spread(xs.map(f))
const lat = (r: Load): string => `${fmt(r.lat.p50, 3)} / ${fmt(r.lat.p99, 3)}`

// ---- redirect ----------------------------------------------------------------------------------

export async function redirectScenario (ctx: Ctx, rig: MainRig): Promise<ScenarioReport> {
  const rep = newReport('redirect', 'Redirect mode: first POST answered 307, Redis store, 64 connections')
  const gw = await modeGateway(ctx, rig, 'redirect')
  try {
    rep.setup.push(
      'Gateway `routing.mode: redirect` with the Redis store, one cluster (`bench-a` primary, `bench-b` standby, emulated).',
      'Baseline: `bench/procs/baseline-redirect.ts`, a bare `node:http` server answering the same 307 (same `Location`, `Cache-Control: no-store`), own process on the same core.',
      'Reference (no goal): `bench/procs/baseline-fastify.ts`, a fastify route answering the same 307 with the gateway\'s body handling and nothing else — what the framework alone costs.',
      `Load: autocannon, closed loop, 64 connections, ${ctx.durationS} s per run, \`POST /v1/statement\` with \`SELECT 1\`; runs interleaved gateway → baseline → HAProxy.`,
      'HAProxy recipe row: the same POSTs through HAProxy, which forwards them to the primary coordinator (HAProxy cannot redirect; a client of the recipe gets the coordinator\'s answer through it).'
    )
    const job = (base: string, expect: number[]): CannonJob => ({ base, method: 'POST', path: '/v1/statement', headers: HEADERS, body: 'SELECT 1', connections: 64, durationS: ctx.durationS, expect })
    // Quick mode leaves the references (no goal) out.
    const fastify = rig.fastify307
    const targets: Array<[string, CannonJob]> = [['gateway', job(gw.url, [307])], ['baseline', job(rig.redirect307.url, [307])]]
    if (fastify !== undefined) targets.push(['fastify', job(fastify.url, [307])])
    if (rig.haproxy !== undefined) targets.push(['haproxy', job(rig.haproxy.url, [200])])
    for (const [, j] of targets) await warmup(ctx, j)

    const runs: Array<{ g: Load, b: Load, f: Load | undefined, h: Load | undefined, foreign: number }> = []
    const issues: string[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const m = await measured(ctx, async () => {
        const g = await cannon(ctx, job(gw.url, [307]), gw.pid)
        const b = await cannon(ctx, job(rig.redirect307.url, [307]), rig.redirect307.pid)
        const f = fastify !== undefined ? await cannon(ctx, job(fastify.url, [307]), fastify.pid) : undefined
        const h = rig.haproxy !== undefined ? await cannon(ctx, job(rig.haproxy.url, [200]), rig.haproxy.pid) : undefined
        return { g, b, f, h }
      })
      runs.push({ ...m.value, foreign: m.foreign })
      issues.push(...checkCannon(`run ${i + 1} gateway`, m.value.g), ...checkCannon(`run ${i + 1} baseline`, m.value.b))
      if (m.value.f !== undefined) issues.push(...checkCannon(`run ${i + 1} fastify`, m.value.f))
      if (m.value.h !== undefined) issues.push(...checkCannon(`run ${i + 1} haproxy`, m.value.h))
      ctx.log(`    run ${i + 1}: gateway ${fmt(m.value.g.rps, 0)} req/s p99 ${fmt(m.value.g.lat.p99)} ms; baseline ${fmt(m.value.b.rps, 0)} req/s; bare fastify ${fmt(m.value.f?.rps ?? Number.NaN, 0)} req/s; haproxy ${m.value.h === undefined ? '—' : fmt(m.value.h.rps, 0)} req/s; others used ${fmt(m.foreign)} cores`)
    }
    await profiled(ctx, gw, rep, 'gateway, redirect, 64 connections', [/postStatement/, /handOver/, /noteRouted/, /onSendEnd/, /randomBytes/, /LOG /], async () => await cannon(ctx, job(gw.url, [307])))
    rep.runs = runs.length
    rep.foreign = per(runs, (r) => r.foreign)
    rep.figures.push(judge({
      name: 'redirect throughput (64 connections)',
      unit: 'req/s',
      ours: per(runs, (r) => r.g.rps),
      baseline: { label: 'bare node:http 307', value: per(runs, (r) => r.b.rps) },
      compare: { kind: 'ratio', value: per(runs, (r) => r.g.rps / r.b.rps) }
    }, '≥ 0.75 × baseline', 'compare', '>=', 0.75), judge({
      name: 'redirect p99 latency (64 connections, closed loop)',
      unit: 'ms',
      ours: per(runs, (r) => r.g.lat.p99),
      baseline: { label: 'bare node:http 307', value: per(runs, (r) => r.b.lat.p99) }
    }, '≤ 10 ms', 'ours', '<=', 10))
    if (rig.haproxy !== undefined) {
      rep.figures.push({
        name: 'HAProxy recipe, first POST (64 connections): our redirect vs HAProxy forwarding',
        unit: 'req/s',
        ours: per(runs, (r) => r.g.rps),
        baseline: { label: 'HAProxy → primary', value: per(runs, (r) => r.h?.rps ?? Number.NaN) },
        compare: { kind: 'ratio', value: per(runs, (r) => r.g.rps / (r.h?.rps ?? Number.NaN)) },
        goal: { text: 'report the ratio', met: undefined }
      })
    }
    if (fastify !== undefined) {
      rep.figures.push({
        name: 'reference: a bare fastify route answering the same 307 (the framework\'s floor)',
        unit: 'req/s',
        ours: per(runs, (r) => r.f?.rps ?? Number.NaN),
        baseline: { label: 'bare node:http 307', value: per(runs, (r) => r.b.rps) },
        compare: { kind: 'ratio', value: per(runs, (r) => (r.f?.rps ?? Number.NaN) / r.b.rps) }
      }, {
        name: 'reference: CPU time per redirect of the bare fastify route',
        unit: 'µs',
        ours: per(runs, (r) => r.f?.cpuUsPerReq ?? Number.NaN),
        baseline: { label: 'bare node:http 307', value: per(runs, (r) => r.b.cpuUsPerReq) },
        compare: { kind: 'ratio', value: per(runs, (r) => (r.f?.cpuUsPerReq ?? Number.NaN) / r.b.cpuUsPerReq) }
      })
    }
    rep.figures.push({
      name: 'CPU time per redirect (process under test, /proc)',
      unit: 'µs',
      ours: per(runs, (r) => r.g.cpuUsPerReq),
      baseline: { label: 'bare node:http 307', value: per(runs, (r) => r.b.cpuUsPerReq) },
      compare: { kind: 'ratio', value: per(runs, (r) => r.g.cpuUsPerReq / r.b.cpuUsPerReq) }
    })
    rep.details.push(
      '| run | others (cores) | gateway req/s | p50 / p99 ms | CPU µs/req | baseline req/s | p50 / p99 ms | CPU µs/req | bare fastify req/s | CPU µs/req | HAProxy req/s | p50 / p99 ms | CPU µs/req | load generator CPU (gateway / baseline run) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...runs.map((r, i) => `| ${i + 1} | ${fmt(r.foreign)} | ${fmt(r.g.rps, 0)} | ${lat(r.g)} | ${fmt(r.g.cpuUsPerReq, 0)} | ${fmt(r.b.rps, 0)} | ${lat(r.b)} | ${fmt(r.b.cpuUsPerReq, 0)} | ${fmt(r.f?.rps ?? Number.NaN, 0)} | ${fmt(r.f?.cpuUsPerReq ?? Number.NaN, 0)} | ${r.h === undefined ? '—' : fmt(r.h.rps, 0)} | ${r.h === undefined ? '—' : lat(r.h)} | ${fmt(r.h?.cpuUsPerReq ?? Number.NaN, 0)} | ${fmt(100 * r.g.cpuSeconds / r.g.seconds, 0)} % / ${fmt(100 * r.b.cpuSeconds / r.b.seconds, 0)} % |`)
    )
    if (issues.length > 0) rep.details.push('', ...issues.map((s) => `- ${s}`))
    return rep
  } finally {
    await gw.stop()
  }
}

// ---- handoff -----------------------------------------------------------------------------------

export async function handoffScenario (ctx: Ctx, rig: MainRig): Promise<ScenarioReport> {
  const rep = newReport('handoff', 'Handoff mode: first POST forwarded, fixed rate at ~⅓ of capacity')
  const gw = await modeGateway(ctx, rig, 'handoff')
  try {
    const job = (base: string): Omit<CannonJob, 'connections' | 'durationS' | 'rate'> => ({ base, method: 'POST', path: '/v1/statement', headers: HEADERS, body: 'SELECT 1', expect: [200] })
    const { rps: cap, cpuUsPerReq: capCpu } = await capacity(ctx, job(gw.url), gw.pid)
    const rate = Math.max(50, Math.round(cap / 3 / 10) * 10)
    const conns = connectionsFor(rate)
    rep.setup.push(
      'Gateway `routing.mode: handoff` with the Redis store (the query id is recorded in Redis before the answer goes back), one cluster as above.',
      'Baseline: the same POST sent straight to the emulated primary.',
      'Reference (no goal): the same POST through the bare pass-through proxy (`bench/procs/baseline-proxy.ts`) — what one more HTTP hop through any Node process costs on this machine.',
      `Capacity of the gateway for this request (closed loop, 32 connections): ${fmt(cap, 0)} req/s at ${fmt(capCpu, 0)} µs of gateway CPU each; fixed rate ${rate} req/s (~⅓) over ${conns} connections, ${ctx.durationS} s per run, interleaved.`
    )
    const paced = (base: string, durationS = ctx.durationS): CannonJob => ({ ...job(base), connections: conns, durationS, rate })
    const refs = !ctx.opts.quick
    await warmup(ctx, paced(gw.url))
    await warmup(ctx, paced(rig.a.url))
    if (refs) await warmup(ctx, paced(rig.bare.url))
    const runs: Array<{ g: Load, d: Load, p: Load | undefined, foreign: number }> = []
    const issues: string[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const m = await measured(ctx, async () => {
        const g = await cannon(ctx, paced(gw.url), gw.pid)
        const d = await cannon(ctx, paced(rig.a.url))
        const p = refs ? await cannon(ctx, paced(rig.bare.url), rig.bare.pid) : undefined
        return { g, d, p }
      })
      runs.push({ ...m.value, foreign: m.foreign })
      issues.push(...checkCannon(`run ${i + 1} gateway`, m.value.g), ...checkCannon(`run ${i + 1} direct`, m.value.d))
      if (m.value.p !== undefined) issues.push(...checkCannon(`run ${i + 1} bare proxy`, m.value.p))
      ctx.log(`    run ${i + 1}: gateway p50 ${fmt(m.value.g.lat.p50, 3)} p99 ${fmt(m.value.g.lat.p99, 3)} ms; direct p50 ${fmt(m.value.d.lat.p50, 3)} p99 ${fmt(m.value.d.lat.p99, 3)} ms; bare proxy p50 ${fmt(m.value.p?.lat.p50 ?? Number.NaN, 3)} ms; others used ${fmt(m.foreign)} cores`)
    }
    // The profile is taken at capacity (closed loop), where the CPU cost per request shows best.
    await profiled(ctx, gw, rep, 'gateway, handoff, at capacity (closed loop, 32 connections)', [/postStatement/, /sendFirstPost/, /putQuery/, /request .*undici/], async () => await cannon(ctx, { ...paced(gw.url), rate: undefined, connections: 32 }))
    rep.runs = runs.length
    rep.foreign = per(runs, (r) => r.foreign)
    rep.figures.push(judge({
      name: `handoff first POST p50 at ${rate} req/s`,
      unit: 'ms',
      ours: per(runs, (r) => r.g.lat.p50),
      baseline: { label: 'same POST to the emulator', value: per(runs, (r) => r.d.lat.p50) },
      compare: { kind: 'added', value: per(runs, (r) => r.g.lat.p50 - r.d.lat.p50) }
    }, 'p50 added ≤ 0.5 ms', 'compare', '<=', 0.5), {
      name: `handoff first POST p99 at ${rate} req/s`,
      unit: 'ms',
      ours: per(runs, (r) => r.g.lat.p99),
      baseline: { label: 'same POST to the emulator', value: per(runs, (r) => r.d.lat.p99) },
      compare: { kind: 'added', value: per(runs, (r) => r.g.lat.p99 - r.d.lat.p99) }
    }, {
      name: 'CPU time per handed-off first POST (gateway process, /proc)',
      unit: 'µs',
      ours: per(runs, (r) => r.g.cpuUsPerReq),
      baseline: refs ? { label: 'bare pass-through proxy', value: per(runs, (r) => r.p?.cpuUsPerReq ?? Number.NaN) } : undefined,
      compare: refs ? { kind: 'ratio', value: per(runs, (r) => r.g.cpuUsPerReq / (r.p?.cpuUsPerReq ?? Number.NaN)) } : undefined
    })
    if (refs) {
      rep.figures.push({
        name: `reference: the same POST through the bare pass-through proxy, p50 at ${rate} req/s`,
        unit: 'ms',
        ours: per(runs, (r) => r.p?.lat.p50 ?? Number.NaN),
        baseline: { label: 'same POST to the emulator', value: per(runs, (r) => r.d.lat.p50) },
        compare: { kind: 'added', value: per(runs, (r) => (r.p?.lat.p50 ?? Number.NaN) - r.d.lat.p50) }
      })
    }
    rep.details.push(
      '| run | others (cores) | gateway p50 / p99 ms | gateway CPU µs/req | direct p50 / p99 ms | bare proxy p50 / p99 ms | bare proxy CPU µs/req | sent late (gateway / direct / bare proxy) |',
      '|---|---|---|---|---|---|---|---|',
      ...runs.map((r, i) => `| ${i + 1} | ${fmt(r.foreign)} | ${lat(r.g)} | ${fmt(r.g.cpuUsPerReq, 0)} | ${lat(r.d)} | ${r.p === undefined ? '—' : lat(r.p)} | ${fmt(r.p?.cpuUsPerReq ?? Number.NaN, 0)} | ${r.g.late} / ${r.d.late} / ${r.p?.late ?? '—'} |`)
    )
    if (issues.length > 0) rep.details.push('', ...issues.map((s) => `- ${s}`))
    return rep
  } finally {
    await gw.stop()
  }
}

// ---- proxy: polling and one large result -------------------------------------------------------

interface PollRun { g: Load, b: Load, h: Load | undefined, foreign: number }
interface PagesRun { g: PagesResult, b: PagesResult, h: PagesResult | undefined, rssStart: number, rssPeak: number, gwCpu: number, bareCpu: number, foreign: number }

async function startPolling (ctx: Ctx, gw: GatewayProc): Promise<string> {
  const q = await ctx.loadgen.call<{ path: string }>('poll', { base: gw.url, sql: 'SELECT 1 /* rows=10000000 pages=1000000 */', headers: HEADERS }, 30_000)
  return q.path
}

let lastPageBytes = 0

async function checkPage (url: string): Promise<string | undefined> {
  const res = await fetch(url, { headers: HEADERS, signal: AbortSignal.timeout(5000) })
  const text = await res.text()
  lastPageBytes = Buffer.byteLength(text)
  if (res.status !== 200) return `${url} answered ${res.status}`
  const doc = JSON.parse(text) as { data?: unknown[], error?: { message?: string } }
  if (doc.error !== undefined) return `${url}: ${doc.error.message ?? 'FAILED'}`
  if (!Array.isArray(doc.data) || doc.data.length === 0) return `${url}: no rows`
  return undefined
}

export async function proxyScenarios (ctx: Ctx, rig: MainRig): Promise<ScenarioReport[]> {
  const poll = newReport('proxy-poll', 'Proxy mode: nextUri polling, fixed rate at ~⅓ of capacity')
  const big = newReport('proxy-large', 'Proxy mode: one large result in pages')
  const gw = await modeGateway(ctx, rig, 'proxy')
  try {
    await pollingScenario(ctx, rig, gw, poll)
  } catch (err) {
    poll.error = err instanceof Error ? err.stack ?? err.message : String(err)
  }
  try {
    await largeResultScenario(ctx, rig, gw, big)
  } catch (err) {
    big.error = err instanceof Error ? err.stack ?? err.message : String(err)
  } finally {
    await gw.stop()
  }
  return [poll, big]
}

async function pollingScenario (ctx: Ctx, rig: MainRig, gw: GatewayProc, rep: ScenarioReport): Promise<void> {
  let path = await startPolling(ctx, gw)
  const job = (base: string, p: string): Omit<CannonJob, 'connections' | 'durationS' | 'rate'> => ({ base, method: 'GET', path: p, headers: { 'x-trino-user': 'bench' }, expect: [200] })
  const { rps: cap, cpuUsPerReq: capCpu } = await capacity(ctx, job(gw.url, path), gw.pid)
  const rate = Math.max(50, Math.round(cap / 3 / 10) * 10)
  const conns = connectionsFor(rate)
  rep.setup.push(
    'Gateway `routing.mode: proxy` with the Redis store; a query with 1,000,000 pages of 10 rows is started through it and its current executing URI (`/v1/statement/executing/{id}/{slug}/{token}`) is polled again and again (Trino serves the current token again; each answer is a full page document whose URIs the gateway rewrites).',
    'Baseline: `bench/procs/baseline-proxy.ts`, a bare `node:http` pass-through proxy (keep-alive agent, streams both ways, no rewriting), own process on the same core, in front of the same emulator.',
    `Capacity of the gateway for this poll (closed loop, 32 connections): ${fmt(cap, 0)} req/s at ${fmt(capCpu, 0)} µs of gateway CPU each; fixed rate ${rate} req/s (~⅓) over ${conns} connections, ${ctx.durationS} s per run, interleaved gateway → baseline → HAProxy (which forwards as it is, without rewriting).`
  )
  const paced = (base: string, p: string, durationS = ctx.durationS): CannonJob => ({ ...job(base, p), connections: conns, durationS, rate })
  for (const base of [gw.url, rig.bare.url, rig.haproxy?.url]) if (base !== undefined) await warmup(ctx, paced(base, path))
  const runs: PollRun[] = []
  const issues: string[] = []
  for (let i = 0; i < ctx.runs; i++) {
    // A fresh query per run: an unpolled one is abandoned after the emulator's client timeout.
    path = await startPolling(ctx, gw)
    for (const base of [gw.url, rig.bare.url, rig.haproxy?.url]) {
      if (base === undefined) continue
      const problem = await checkPage(base + path)
      if (problem !== undefined) throw new Error(`polling check: ${problem}`)
    }
    const p = path
    const m = await measured(ctx, async () => {
      const g = await cannon(ctx, paced(gw.url, p), gw.pid)
      const b = await cannon(ctx, paced(rig.bare.url, p), rig.bare.pid)
      const h = rig.haproxy !== undefined ? await cannon(ctx, paced(rig.haproxy.url, p), rig.haproxy.pid) : undefined
      return { g, b, h }
    })
    const after = await checkPage(gw.url + p)
    if (after !== undefined) issues.push(`run ${i + 1}: the polled page went bad: ${after}`)
    runs.push({ ...m.value, foreign: m.foreign })
    issues.push(...checkCannon(`run ${i + 1} gateway`, m.value.g), ...checkCannon(`run ${i + 1} baseline`, m.value.b))
    if (m.value.h !== undefined) issues.push(...checkCannon(`run ${i + 1} haproxy`, m.value.h))
    ctx.log(`    run ${i + 1}: gateway p50/p99 ${lat(m.value.g)} ms; bare proxy ${lat(m.value.b)} ms; haproxy ${m.value.h === undefined ? '—' : lat(m.value.h)} ms; others used ${fmt(m.foreign)} cores`)
  }
  const last = path
  rep.setup.push(`Each poll answer: ${lastPageBytes} bytes of JSON (10 rows), as the gateway sends it.`)
  await profiled(ctx, gw, rep, 'gateway, proxy polling, at capacity (closed loop, 32 connections)', [/followUp/, /forward /, /createUriRewriter/, /locate/, /pipeline/, /DOMException/], async () => await cannon(ctx, { ...paced(gw.url, last), rate: undefined, connections: 32 }))
  rep.runs = runs.length
  rep.foreign = per(runs, (r) => r.foreign)
  rep.figures.push(judge({
    name: `proxy poll p50 at ${rate} req/s`,
    unit: 'ms',
    ours: per(runs, (r) => r.g.lat.p50),
    baseline: { label: 'bare pass-through proxy', value: per(runs, (r) => r.b.lat.p50) },
    compare: { kind: 'added', value: per(runs, (r) => r.g.lat.p50 - r.b.lat.p50) }
  }, 'p50 added ≤ 0.3 ms', 'compare', '<=', 0.3), judge({
    name: `proxy poll p99 at ${rate} req/s`,
    unit: 'ms',
    ours: per(runs, (r) => r.g.lat.p99),
    baseline: { label: 'bare pass-through proxy', value: per(runs, (r) => r.b.lat.p99) },
    compare: { kind: 'added', value: per(runs, (r) => r.g.lat.p99 - r.b.lat.p99) }
  }, 'p99 added ≤ 2 ms', 'compare', '<=', 2))
  if (rig.haproxy !== undefined) {
    const h = (r: PollRun): Load | undefined => r.h
    rep.figures.push({
      name: `HAProxy recipe, pass-through poll p50 at ${rate} req/s`,
      unit: 'ms',
      ours: per(runs, (r) => r.g.lat.p50),
      baseline: { label: 'HAProxy', value: per(runs, (r) => h(r)?.lat.p50 ?? Number.NaN) },
      compare: { kind: 'ratio', value: per(runs, (r) => r.g.lat.p50 / (h(r)?.lat.p50 ?? Number.NaN)) },
      goal: { text: 'report the ratio', met: undefined }
    }, {
      name: `HAProxy recipe, pass-through poll p99 at ${rate} req/s`,
      unit: 'ms',
      ours: per(runs, (r) => r.g.lat.p99),
      baseline: { label: 'HAProxy', value: per(runs, (r) => h(r)?.lat.p99 ?? Number.NaN) },
      compare: { kind: 'ratio', value: per(runs, (r) => r.g.lat.p99 / (h(r)?.lat.p99 ?? Number.NaN)) },
      goal: { text: 'report the ratio', met: undefined }
    })
  }
  rep.figures.push({
    name: 'CPU time per proxied poll (process under test, /proc)',
    unit: 'µs',
    ours: per(runs, (r) => r.g.cpuUsPerReq),
    baseline: { label: 'bare pass-through proxy', value: per(runs, (r) => r.b.cpuUsPerReq) },
    compare: { kind: 'ratio', value: per(runs, (r) => r.g.cpuUsPerReq / r.b.cpuUsPerReq) }
  })
  rep.details.push(
    '| run | others (cores) | gateway p50 / p99 ms | CPU µs/req | bare proxy p50 / p99 ms | CPU µs/req | HAProxy p50 / p99 ms | CPU µs/req | sent late (gateway / bare / HAProxy) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.map((r, i) => `| ${i + 1} | ${fmt(r.foreign)} | ${lat(r.g)} | ${fmt(r.g.cpuUsPerReq, 0)} | ${lat(r.b)} | ${fmt(r.b.cpuUsPerReq, 0)} | ${r.h === undefined ? '—' : lat(r.h)} | ${fmt(r.h?.cpuUsPerReq ?? Number.NaN, 0)} | ${r.g.late} / ${r.b.late} / ${r.h?.late ?? '—'} |`)
  )
  if (issues.length > 0) rep.details.push('', ...issues.map((s) => `- ${s}`))
}

const LARGE = { rows: 500_000, pages: 50, rowBytes: 1000 }

async function largeResultScenario (ctx: Ctx, rig: MainRig, gw: GatewayProc, rep: ScenarioReport): Promise<void> {
  const sql = `SELECT 1 /* rows=${LARGE.rows} pages=${LARGE.pages} rowBytes=${LARGE.rowBytes} */`
  const job = (base: string): { base: string, sql: string, headers: Record<string, string>, timeoutMs: number } => ({ base, sql, headers: { 'x-trino-user': 'bench' }, timeoutMs: 120_000 })
  const read = async (base: string): Promise<PagesResult> => await ctx.loadgen.call<PagesResult>('pages', job(base), 130_000)
  const runs: PagesRun[] = []
  for (let i = 0; i < ctx.runs; i++) {
    const m = await measured(ctx, async () => {
      const ticks0 = cpuTicks(gw.pid) ?? 0
      const rss = rssSampler(gw.pid)
      const g = await read(gw.url)
      const r = rss.stop()
      const gwCpu = ((cpuTicks(gw.pid) ?? 0) - ticks0) / CLK_TCK
      const bare0 = cpuTicks(rig.bare.pid) ?? 0
      const b = await read(rig.bare.url)
      const bareCpu = ((cpuTicks(rig.bare.pid) ?? 0) - bare0) / CLK_TCK
      // Quick mode leaves HAProxy out of this one: 500 MB more to move.
      const h = rig.haproxy !== undefined && !ctx.opts.quick ? await read(rig.haproxy.url) : undefined
      return { g, b, h, rssStart: r.start, rssPeak: r.peak, gwCpu, bareCpu }
    })
    runs.push({ ...m.value, foreign: m.foreign })
    const v = m.value
    ctx.log(`    run ${i + 1}: gateway ${fmt(v.g.bytes / 1e6 / v.g.seconds, 0)} MB/s (RSS +${fmt((v.rssPeak - v.rssStart) / 1048576, 1)} MiB); bare proxy ${fmt(v.b.bytes / 1e6 / v.b.seconds, 0)} MB/s; haproxy ${v.h === undefined ? '—' : fmt(v.h.bytes / 1e6 / v.h.seconds, 0)} MB/s; others used ${fmt(m.foreign)} cores`)
  }
  await profiled(ctx, gw, rep, 'gateway, proxy, large result', [/forward /, /createUriRewriter/, /transform|_transform/i, /scan/i], async () => await read(gw.url))
  const mbps = (r: PagesResult | undefined): number => r === undefined ? Number.NaN : r.bytes / 1e6 / r.seconds
  const first = runs[0]
  rep.setup.push(
    `One query, \`${sql}\`: ${first === undefined ? '—' : fmt(first.g.bytes / 1e6, 0)} MB of JSON in ${LARGE.pages} pages (~${fmt(LARGE.rows * (LARGE.rowBytes + 12) / LARGE.pages / 1e6, 1)} MB each), read by one client following \`nextUri\` through the gateway (proxy mode: every page streamed through the URI rewriter), through the bare pass-through proxy and through HAProxy; interleaved.`,
    'Gateway RSS sampled every 25 ms from /proc during its run; growth = peak − RSS when the run started.'
  )
  rep.runs = runs.length
  rep.foreign = per(runs, (r) => r.foreign)
  const figs: Figure[] = [judge({
    name: 'large result throughput',
    unit: 'MB/s',
    ours: per(runs, (r) => mbps(r.g)),
    baseline: { label: 'bare pass-through proxy', value: per(runs, (r) => mbps(r.b)) },
    compare: { kind: 'ratio', value: per(runs, (r) => mbps(r.g) / mbps(r.b)) }
  }, '≥ 0.8 × baseline', 'compare', '>=', 0.8), judge({
    name: 'large result: gateway RSS growth',
    unit: 'MiB',
    ours: per(runs, (r) => (r.rssPeak - r.rssStart) / 1048576)
  }, '≤ 64 MiB', 'ours', '<=', 64)]
  if (rig.haproxy !== undefined && !ctx.opts.quick) {
    figs.push({
      name: 'HAProxy recipe, pass-through of the large result',
      unit: 'MB/s',
      ours: per(runs, (r) => mbps(r.g)),
      baseline: { label: 'HAProxy', value: per(runs, (r) => mbps(r.h)) },
      compare: { kind: 'ratio', value: per(runs, (r) => mbps(r.g) / mbps(r.h)) },
      goal: { text: 'report the ratio', met: undefined }
    })
  }
  figs.push({
    name: 'large result: CPU per MB moved (process under test, /proc)',
    unit: 'ms/MB',
    ours: per(runs, (r) => 1000 * r.gwCpu / (r.g.bytes / 1e6)),
    baseline: { label: 'bare pass-through proxy', value: per(runs, (r) => 1000 * r.bareCpu / (r.b.bytes / 1e6)) },
    compare: { kind: 'ratio', value: per(runs, (r) => (r.gwCpu / r.g.bytes) / (r.bareCpu / r.b.bytes)) }
  })
  rep.figures.push(...figs)
  rep.details.push(
    '| run | others (cores) | gateway MB/s | gateway CPU (of one core) | gateway CPU ms/MB | RSS start → peak MiB | bare proxy MB/s | bare proxy CPU | bare proxy CPU ms/MB | HAProxy MB/s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map((r, i) => `| ${i + 1} | ${fmt(r.foreign)} | ${fmt(mbps(r.g), 0)} | ${fmt(100 * r.gwCpu / r.g.seconds, 0)} % | ${fmt(1000 * r.gwCpu / (r.g.bytes / 1e6))} | ${fmt(r.rssStart / 1048576, 0)} → ${fmt(r.rssPeak / 1048576, 0)} | ${fmt(mbps(r.b), 0)} | ${fmt(100 * r.bareCpu / r.b.seconds, 0)} % | ${fmt(1000 * r.bareCpu / (r.b.bytes / 1e6))} | ${fmt(mbps(r.h), 0)} |`)
  )
}
