// `npm run chaos [-- --duration S | --quick] [--seed N] [--out FILE]`
//
// Two gateway replicas behind HAProxy, one Redis, emulated clusters of two coordinators each (all
// separate processes on loopback), workers announcing through the replicas' discovery ports, and
// query streams from the real npm clients in every routing mode. Every ~20 s one fault: SIGKILL or
// SIGSTOP a coordinator and bring it back, restart a gateway replica, and once kill Redis and start
// it again empty 10 s later. Afterwards the invariants of coordinator HA are checked from the
// replicas' logs and from samples of their state, and RELIABILITY.md is written.
//
// Bounded: every wait has a bound, the run a hard limit; every child process is killed at the end,
// on an error and on SIGINT/SIGTERM.
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { isAbsolute, join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { installCleanup, killAll, ROOT, runDir, sleep } from './procs.js'
import { FaultInjector, planFaults, type FaultTiming } from './faults.js'
import { checkInvariants, type InvariantResult } from './invariants.js'
import { renderReport } from './report.js'
import { adminClusters, Sampler } from './sampler.js'
import { startTopology, type HealthSettings, type Topology } from './topology.js'
import { Workload } from './workload.js'

interface Args { durationS: number, quick: boolean, seed: number, out: string }

const USAGE = 'usage: npm run chaos [-- --duration SECONDS | --quick] [--seed N] [--out FILE]'

function parseArgs (argv: string[]): Args {
  const a: Args = { durationS: 180, quick: false, seed: Math.floor(Math.random() * 1_000_000), out: join(ROOT, 'RELIABILITY.md') }
  let duration: number | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`)
      return v
    }
    switch (arg) {
      case '--duration': duration = Number(value()); break
      case '--quick': a.quick = true; break
      case '--seed': a.seed = Number(value()); break
      case '--out': {
        const v = value()
        a.out = isAbsolute(v) ? v : join(process.cwd(), v)
        break
      }
      case '--help': case '-h':
        process.stdout.write(`${USAGE}\n`)
        process.exit(0)
        break
      default: throw new Error(`unknown argument ${arg}\n${USAGE}`)
    }
  }
  if (a.quick) a.durationS = 60
  if (duration !== undefined) a.durationS = duration
  if (!Number.isFinite(a.durationS) || a.durationS < 30 || a.durationS > 3600) throw new Error(`--duration must be 30..3600 seconds\n${USAGE}`)
  if (!Number.isInteger(a.seed)) throw new Error(`--seed must be an integer\n${USAGE}`)
  return a
}

/** mulberry32: a small seeded generator, so a run's fault choices can be replayed. */
function rngFrom (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6D2B79F5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const HEALTH: HealthSettings = { intervalMs: 500, timeoutMs: 800, rise: 2, fall: 2 }
const TOLERANCE_MS = 250
const SAMPLE_PERIOD_MS = 250
const DEADLINE_MS = 60_000

async function until (fn: () => Promise<boolean>, boundMs: number, stepMs = 250): Promise<boolean> {
  const deadline = Date.now() + boundMs
  for (;;) {
    try {
      if (await fn()) return true
    } catch { /* keep polling */ }
    if (Date.now() > deadline) return false
    await sleep(stepMs)
  }
}

/** Every cluster back to one primary: Redis, every replica and the coordinator's health agree, and the primary has its workers. */
async function endState (topo: Topology, sampler: Sampler): Promise<{ ok: boolean, lines: string[] }> {
  let lines: string[] = []
  const ok = await until(async () => {
    lines = []
    let good = true
    const agreed = await sampler.agreed()
    const views = await Promise.all(topo.replicas.map(async (r) => ({ r, v: await adminClusters(r.url).catch(() => undefined) })))
    for (const c of topo.clusters) {
      const a = agreed?.get(c.name)
      const parts: string[] = [`Redis ${a === undefined ? 'unreachable' : `${a.coordinator ?? 'none'} @ epoch ${a.epoch}`}`]
      let clusterOk = a !== undefined && a.coordinator !== null && a.epoch > 0
      for (const { r, v } of views) {
        const cs = v?.get(c.name)
        if (cs === undefined) {
          parts.push(`${r.name} not answering`)
          clusterOk = false
          continue
        }
        const same = cs.primary === a?.coordinator && cs.epoch === a?.epoch
        const up = cs.primary !== null && cs.health[cs.primary] === 'up'
        parts.push(`${r.name} ${cs.primary ?? 'none'} @ ${cs.epoch}${up ? ' up' : ' NOT up'}${cs.eligible ? ', takes queries' : ', NOT eligible'}`)
        if (!same || !up || !cs.eligible) clusterOk = false
      }
      // The primary's own worker list: both workers of the cluster reached it through the discovery proxies.
      const primary = c.coordinators.find((x) => x.name === a?.coordinator)
      if (primary !== undefined) {
        const workers = await fetch(`${primary.url}/v1/service`, { signal: AbortSignal.timeout(1000) })
          .then(async (res) => await res.json() as { services?: Array<{ nodeId?: string, type?: string, properties?: Record<string, string> }> })
          .then((d) => new Set((d.services ?? []).filter((x) => x.type === c.flavor && x.properties?.coordinator !== 'true').map((x) => x.nodeId)).size)
          .catch(() => -1)
        const announced = await fetch(`${primary.url}/v1/announce`, { signal: AbortSignal.timeout(1000) })
          .then(async (res) => await res.json() as unknown[]).then((d) => Array.isArray(d) ? d.length : 0).catch(() => 0)
        parts.push(`${primary.name} lists ${Math.max(workers, 0) + announced} workers`)
        if (workers + announced < 2) clusterOk = false
      }
      lines.push(`${c.name}: ${clusterOk ? 'one primary everywhere' : '**not converged**'} — ${parts.join('; ')}`)
      good &&= clusterOk
    }
    return good
  }, 30_000, 500)
  return { ok, lines }
}

async function main (): Promise<number> {
  const args = parseArgs(process.argv.slice(2))
  const startedAt = Date.now()
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(', ')
  const log = (s: string): void => { process.stderr.write(`[chaos +${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${s}\n`) }
  const ref: { topo?: Topology } = {}
  installCleanup((reason) => { log(`stopping: ${reason}; killing every child process`) }, async () => { await ref.topo?.close() })
  // The hard limit: whatever hangs, the run ends and its children die.
  const hard = setTimeout(() => {
    log('hard time limit reached; killing everything')
    killAll(1000).finally(() => process.exit(2))
  }, (args.durationS + 420) * 1000)
  hard.unref()

  if (spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('haproxy is needed for the front door in front of the two replicas (Debian: apt-get install haproxy)')
  }
  const timing: FaultTiming = args.quick || args.durationS < 120
    ? { periodS: 12, firstS: 6, coordinatorDownS: 4, stopS: 5, redisDownS: 10, settleBoundS: 25 }
    : { periodS: 20, firstS: 15, coordinatorDownS: 5, stopS: 6, redisDownS: 10, settleBoundS: 25 }
  const plan = planFaults(args.durationS, timing)
  const command = `npm run chaos${args.quick ? ' -- --quick' : args.durationS !== 180 ? ` -- --duration ${args.durationS}` : ''}`
  log(`${command} (seed ${args.seed}); faults planned: ${plan.map((f) => `${f.atS}s ${f.kind}`).join(', ')}`)

  const topo = await startTopology(HEALTH, log)
  ref.topo = topo
  let code = 1
  try {
    const rng = rngFrom(args.seed)
    const sampler = new Sampler(topo, SAMPLE_PERIOD_MS)
    const injector = new FaultInjector(topo, sampler, timing, rng, log)
    if (!await until(async () => await injector.healthy(), 60_000, 300)) throw new Error('the system never became healthy before the run')
    // HAProxy needs `rise` good checks of each replica.
    await until(async () => (await fetch(`${topo.frontUrl}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200, 10_000)
    await sampler.start()
    const workload = new Workload(topo.frontUrl, topo.streams, rng, DEADLINE_MS)
    const streamsStartedAt = Date.now()
    workload.start()
    log(`${topo.streams.length} query streams started through ${topo.frontUrl}`)

    for (const [i, f] of plan.entries()) {
      const wait = streamsStartedAt + f.atS * 1000 - Date.now()
      if (wait > 0) await sleep(wait)
      await injector.run(i + 1, f.atS * 1000, f.kind)
    }
    const rest = streamsStartedAt + args.durationS * 1000 - Date.now()
    if (rest > 0) await sleep(rest)
    const streamsStoppedAt = Date.now()
    log(`duration reached: stopping the streams (waiting up to ${DEADLINE_MS / 1000} s for queries in flight)`)
    await workload.stop(DEADLINE_MS + 5000)
    const unfinished = [...workload.inFlight]

    const end = await endState(topo, sampler)
    log(`end state: ${end.ok ? 'every cluster back to one primary' : 'NOT converged'}`)
    await sampler.stop()

    const gens = topo.replicas.flatMap((r) => r.generations).map((g) => ({ label: g.label, replica: g.replica, startedAt: g.startedAt, stopRequestedAt: g.stopRequestedAt, logs: g.proc.logs }))
    const { results, evidence } = checkInvariants(gens, sampler.samples, { intervalMs: HEALTH.intervalMs, toleranceMs: TOLERANCE_MS, samplePeriodMs: SAMPLE_PERIOD_MS })
    const endResult: InvariantResult = {
      id: 'end-state',
      title: 'At the end every cluster has one primary: Redis and every replica agree on it and its epoch, it is up and takes queries, and it lists the cluster\'s workers',
      checked: `${topo.clusters.length} clusters × (Redis + ${topo.replicas.length} replicas)`,
      violations: end.ok ? [] : [{ invariant: 'end-state', at: Date.now(), detail: end.lines.filter((l) => l.includes('not converged')).join(' / ') }]
    }
    results.push(endResult)
    const endedAt = Date.now()
    const report = renderReport({
      run: {
        command,
        seed: args.seed,
        durationS: args.durationS,
        quick: args.quick,
        startedAt,
        streamsStartedAt,
        streamsStoppedAt,
        endedAt,
        toleranceMs: TOLERANCE_MS,
        samplePeriodMs: SAMPLE_PERIOD_MS,
        deadlineMs: DEADLINE_MS,
        runDir: runDir(),
        samples: sampler.samples.length,
        endState: end.lines,
        loadBefore
      },
      topo,
      faults: injector.records,
      records: workload.records,
      unfinished,
      results,
      evidence
    })
    writeFileSync(args.out, report)
    const violations = results.reduce((n, x) => n + x.violations.length, 0)
    const firstPost = workload.records.filter((q) => !q.ok && q.phase === 'first-post' && q.mode !== 'redirect').length
    const done = workload.records.filter((q) => q.ok).length
    log(`queries: ${workload.records.length + unfinished.length} started, ${done} completed, ${workload.records.length - done} failed (${firstPost} at the first POST in handoff/proxy); invariant violations: ${violations}`)
    for (const x of results) for (const v of x.violations.slice(0, 5)) log(`  violation ${v.invariant}: ${v.detail}`)
    log(`wrote ${args.out}`)
    code = violations === 0 && firstPost === 0 ? 0 : 1
  } finally {
    await topo.close().catch((err: unknown) => { log(`closing: ${String(err)}`) })
    await killAll(1000)
  }
  return code
}

main().then((code) => {
  process.exit(code)
}, (err: unknown) => {
  process.stderr.write(`chaos: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  killAll(1000).finally(() => process.exit(1))
})
