// Idle cost: a gateway monitoring 10 clusters × 3 coordinators every second (health, state and
// load of every coordinator, standbys too; the Redis authority's heartbeat), no client traffic.
// Its CPU time is read from /proc/PID/stat over fixed windows.
import { fmt, judge, measured, newReport, type Ctx, type ScenarioReport } from '../lib/harness.js'
import { CLK_TCK, cpuTicks, sleep } from '../lib/procs.js'
import { formatProfile, summarizeProfile } from '../lib/profile.js'
import { spread } from '../lib/stats.js'
import { flushRedis, gatewayConfig, startEmulators, startGateway } from '../lib/topology.js'

const CLUSTERS = 10
const PER_CLUSTER = 3

export async function idleScenario (ctx: Ctx): Promise<ScenarioReport> {
  const rep = newReport('idle', 'Idle: 10 clusters × 3 coordinators monitored every second')
  const names: string[] = []
  for (let c = 0; c < CLUSTERS; c++) for (let i = 0; i < PER_CLUSTER; i++) names.push(`c${c}-${String.fromCharCode(97 + i)}`)
  const emu = await startEmulators('emu-idle', names.map((name) => ({ name, workers: 1 })))
  try {
    await flushRedis(ctx.redis.url)
    const clusters = Array.from({ length: CLUSTERS }, (_, c) => ({
      name: `c${c}`,
      coordinators: Array.from({ length: PER_CLUSTER }, (_, i) => {
        const name = `c${c}-${String.fromCharCode(97 + i)}`
        const e = emu.coordinators.get(name)
        if (e === undefined) throw new Error(`emulator ${name} missing`)
        return { name, url: e.url }
      })
    }))
    const gw = await startGateway('gw-idle', gatewayConfig({ mode: 'redirect', redisUrl: ctx.redis.url, clusters, health: { intervalMs: 1000 } }), { profile: ctx.opts.profile })
    const windowS = ctx.opts.quick ? 3 : 8
    const settleS = ctx.opts.quick ? 1 : 5
    const samples: Array<{ pct: number, foreign: number }> = []
    try {
      await sleep(settleS * 1000)
      for (let i = 0; i < ctx.runs; i++) {
        const m = await measured(ctx, async () => {
          const t0 = performance.now()
          const c0 = cpuTicks(gw.pid) ?? 0
          await sleep(windowS * 1000)
          const c1 = cpuTicks(gw.pid) ?? 0
          const seconds = (performance.now() - t0) / 1000
          return 100 * (c1 - c0) / CLK_TCK / seconds
        })
        samples.push({ pct: m.value, foreign: m.foreign })
        ctx.log(`    window ${i + 1}: ${fmt(m.value)} % of one core; others used ${fmt(m.foreign)} cores`)
      }
      if (gw.profiling) {
        await gw.profileStart()
        await sleep(windowS * 1000)
        const file = await gw.profileStop()
        if (file !== undefined) {
          const text = formatProfile(summarizeProfile(file, [/probe|check|poll/i, /heartbeat/i, /request .*undici/]), 'gateway, idle')
          rep.profiles.push(`${text}\n  (profile: ${file})`)
          ctx.log(text)
        }
      }
    } finally {
      await gw.stop()
    }
    rep.setup.push(
      `${CLUSTERS} clusters × ${PER_CLUSTER} coordinators (emulated, one process on the rig core), \`health.intervalMs: 1000\`, Redis store and primary authority, redirect mode, no client traffic.`,
      `Gateway CPU time (utime + stime of its process, /proc/PID/stat, ${CLK_TCK} ticks/s) over ${windowS} s windows after ${settleS} s of settling.`
    )
    rep.runs = samples.length
    rep.foreign = spread(samples.map((s) => s.foreign))
    rep.figures.push(judge({
      name: 'idle CPU, 30 coordinators monitored at 1 s',
      unit: '% of one core',
      ours: spread(samples.map((s) => s.pct))
    }, '≤ 2 %', 'ours', '<=', 2))
    rep.details.push(
      '| window | others (cores) | gateway CPU (% of one core) |',
      '|---|---|---|',
      ...samples.map((s, i) => `| ${i + 1} | ${fmt(s.foreign)} | ${fmt(s.pct)} |`)
    )
    return rep
  } finally {
    await emu.stop()
  }
}
