// `npm run bench` (full, a few minutes, writes BENCHMARKS.md) and `npm run bench -- --quick`
// (under a minute, one run per figure, report to a temporary file and stdout).
//
// Options: --quick, --only a,b (redirect handoff proxy affinity idle failover), --profile (CPU
// profile of the gateway in one extra load window per scenario), --out FILE, --keep (keep the
// run's directory of logs, configs and profiles).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import type { RedisServer } from '../test/helpers/redis-server.js'
import { fmt, fmtSpread, newReport, type Ctx, type Options, type ScenarioReport } from './lib/harness.js'
import { aptInstall, ensureHaproxy } from './lib/haproxy.js'
import { installCleanup, killAll, ROOT, runDir } from './lib/procs.js'
import { buildHelpers } from './lib/build.js'
import { describeMachine, renderReport, type ReportInput } from './lib/report.js'
import { startLoadgen, startPinnedRedis } from './lib/topology.js'
import { affinityScenario } from './scenarios/affinity.js'
import { failoverScenario } from './scenarios/failover.js'
import { idleScenario } from './scenarios/idle.js'
import { handoffScenario, proxyScenarios, redirectScenario, startGatewaysEarly, startMainRig, type MainRig } from './scenarios/modes.js'

const SCENARIOS = ['redirect', 'handoff', 'proxy', 'affinity', 'idle', 'failover'] as const
const LAST_RUN = join(ROOT, 'node_modules/.cache/presto-ha-gateway-bench/last-run.json')

function parseOptions (argv: string[]): Options {
  const opts: Options = { quick: false, profile: false, only: undefined, out: '', keep: false, render: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const value = (): string => inline ?? argv[++i] ?? ''
    switch (flag) {
      case '--quick': opts.quick = true; break
      case '--profile': opts.profile = true; break
      case '--keep': opts.keep = true; break
      case '--render': opts.render = true; break
      case '--out': opts.out = value(); break
      case '--only': {
        const list = value().split(',').map((s) => s.trim()).filter((s) => s !== '')
        const bad = list.filter((s) => !(SCENARIOS as readonly string[]).includes(s))
        if (bad.length > 0) throw new Error(`unknown scenario(s) ${bad.join(', ')}; known: ${SCENARIOS.join(' ')}`)
        opts.only = list
        break
      }
      case '--help': case '-h':
        process.stdout.write('usage: npm run bench [-- --quick] [--only redirect,handoff,proxy,affinity,idle,failover] [--profile] [--out FILE] [--keep] [--render]\n')
        process.exit(0)
        break
      default:
        throw new Error(`unknown option ${a} (try --help)`)
    }
  }
  if (opts.out === '') opts.out = opts.quick ? join(os.tmpdir(), 'presto-ha-gateway-bench-quick.md') : join(ROOT, 'BENCHMARKS.md')
  return opts
}

const log = (s: string): void => { process.stdout.write(s + '\n') }

async function main (): Promise<number> {
  const argv = process.argv.slice(2)
  const opts = parseOptions(argv)
  if (opts.render) {
    // No measuring: the last run's figures, written again with the current closing note.
    if (!existsSync(LAST_RUN)) throw new Error('no previous run to render (run npm run bench first)')
    const last = JSON.parse(readFileSync(LAST_RUN, 'utf8')) as { out: string, input: ReportInput }
    last.input.startedAt = new Date(last.input.startedAt)
    const out = argv.some((a) => a === '--out' || a.startsWith('--out=')) ? opts.out : last.out
    writeFileSync(out, renderReport(last.input))
    log(`report of the run of ${last.input.startedAt.toISOString()} written again to ${out}`)
    return 0
  }
  const started = new Date()
  const t0 = performance.now()
  let failed = false
  installCleanup((reason) => { process.stderr.write(`bench: ${reason}; stopping every child process\n`) })
  const want = (s: typeof SCENARIOS[number]): boolean => opts.only === undefined || opts.only.includes(s)

  const redisProblem = aptInstall('redis-server', () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0, log)
  if (redisProblem !== undefined) throw new Error(`the benchmarks need a real redis-server: ${redisProblem}`)
  // Quick mode is a smoke run: the HAProxy comparison needs the full one.
  const haproxy = opts.quick ? { ok: false, version: '', note: 'HAProxy rows: full run only (not in --quick)' } : ensureHaproxy(log)
  const machine = describeMachine(haproxy.version)
  log(`presto-ha-gateway benchmarks (${opts.quick ? 'quick' : 'full'}): ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadBefore}; ${machine.pinned ? 'pinned with taskset' : 'NOT pinned'}; logs in ${runDir()}`)
  if (!haproxy.ok) log(haproxy.note)

  let redis: RedisServer | undefined
  const reports: ScenarioReport[] = []
  await buildHelpers(log)
  try {
    redis = await startPinnedRedis()
    const loadgen = await startLoadgen()
    const ctx: Ctx = {
      opts,
      log,
      redis,
      loadgen,
      haproxy,
      runs: opts.quick ? 1 : 3,
      durationS: opts.quick ? 1 : 5,
      warmupS: opts.quick ? 0 : 1,
      budget: opts.quick ? { quietWaitMs: 0, retries: 0 } : { quietWaitMs: 60_000, retries: 6 }
    }
    const run = async (id: string, title: string, fn: () => Promise<ScenarioReport | ScenarioReport[]>): Promise<void> => {
      log(`\n== ${title}`)
      const s0 = performance.now()
      try {
        const r = await fn()
        reports.push(...(Array.isArray(r) ? r : [r]))
      } catch (err) {
        failed = true
        const rep = newReport(id, title)
        rep.error = err instanceof Error ? err.stack ?? err.message : String(err)
        reports.push(rep)
        log(`   FAILED: ${rep.error}`)
      }
      log(`   (${fmt((performance.now() - s0) / 1000, 1)} s)`)
    }

    if (want('redirect') || want('handoff') || want('proxy')) {
      let rig: MainRig | undefined
      try {
        try {
          rig = await startMainRig(ctx)
        } catch (err) {
          for (const id of ['redirect', 'handoff', 'proxy'] as const) {
            if (!want(id)) continue
            const rep = newReport(id, `${id} mode`)
            rep.error = `starting the emulators, baselines and HAProxy failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`
            reports.push(rep)
          }
          throw err
        }
        const r = rig
        if (opts.quick) startGatewaysEarly(ctx, r, (['redirect', 'handoff', 'proxy'] as const).filter((m) => want(m)))
        if (want('redirect')) await run('redirect', 'redirect mode', async () => await redirectScenario(ctx, r))
        if (want('handoff')) await run('handoff', 'handoff mode', async () => await handoffScenario(ctx, r))
        if (want('proxy')) await run('proxy', 'proxy mode', async () => await proxyScenarios(ctx, r))
      } catch (err) {
        failed = true
        log(`   FAILED: ${err instanceof Error ? err.message : String(err)}`)
      } finally {
        if (rig !== undefined) {
          await Promise.all([...rig.early.values()].map(async (p) => { await (await p.catch(() => undefined))?.stop() }))
          await Promise.all([rig.emu.stop(), rig.redirect307.stop(), rig.fastify307?.stop(), rig.bare.stop(), rig.haproxy?.stop()])
        }
      }
    }
    if (want('affinity')) await run('affinity', 'affinity at 100,000 queries', async () => await affinityScenario(ctx))
    if (want('idle')) await run('idle', 'idle monitoring cost', async () => await idleScenario(ctx))
    if (want('failover')) await run('failover', 'failover', async () => await failoverScenario(ctx))
    if (reports.some((r) => r.error !== undefined)) failed = true
  } finally {
    await killAll()
    await redis?.stop()
  }

  const input: ReportInput = {
    machine,
    quick: opts.quick,
    argv,
    startedAt: started,
    seconds: (performance.now() - t0) / 1000,
    runs: opts.quick ? 1 : 3,
    durationS: opts.quick ? 1 : 5,
    haproxyNote: haproxy.note,
    reports,
    loadAfter: os.loadavg().map((l) => l.toFixed(2)).join(', ')
  }
  writeFileSync(opts.out, renderReport(input))
  // The figures of the last run, so --render can write the report again (e.g. after editing
  // bench/closing-note.md) without measuring again.
  mkdirSync(dirname(LAST_RUN), { recursive: true })
  writeFileSync(LAST_RUN, JSON.stringify({ out: opts.out, input }))
  log('\n== summary')
  for (const r of reports) {
    if (r.skipped !== undefined) log(`  ${r.id}: skipped (${r.skipped})`)
    else if (r.error !== undefined) log(`  ${r.id}: FAILED`)
    for (const f of r.figures) {
      const v = f.goal?.on === 'compare' ? f.compare?.value : f.ours
      log(`  ${r.id}: ${f.name}: ${v === undefined ? '—' : fmtSpread(v, 3)}${f.goal?.on === 'compare' ? (f.compare?.kind === 'ratio' ? ' ×' : ` ${f.unit} added`) : ` ${f.unit}`}${f.goal !== undefined ? ` — goal ${f.goal.text}: ${f.goal.met === undefined ? 'reported' : f.goal.met ? 'met' : 'NOT MET'}` : ''}`)
    }
  }
  log(`\nreport written to ${opts.out} (${fmt((performance.now() - t0) / 1000, 0)} s)`)
  if (opts.quick) log('(quick mode leaves BENCHMARKS.md alone; --out FILE to choose)')
  if (!opts.keep && !failed) rmSync(runDir(), { recursive: true, force: true })
  else log(`logs kept in ${runDir()}`)
  return failed ? 1 : 0
}

main().then((code) => { process.exit(code) }, (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  killAll(500).finally(() => { process.exit(1) })
})
