// BENCHMARKS.md: the machine, the commands, every figure with its baseline, ratio and goal (met or
// not), the conditions each was measured in, per-run details, and the closing note.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fmt, fmtSpread, NOISY_CORES, type Figure, type ScenarioReport } from './harness.js'
import { canPin, cpuCount, ROOT } from './procs.js'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  node: string
  kernel: string
  autocannon: string
  redis: string
  haproxy: string
  pinned: boolean
  commit: string
  loadBefore: string
}

export function describeMachine (haproxy: string): Machine {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown'
  const ac = JSON.parse(readFileSync(join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string }
  const redis = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown'
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? ''
  const dirty = (spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).stdout ?? '').trim() !== ''
  return {
    cpu: model,
    cores: cpuCount(),
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    autocannon: ac.version,
    redis,
    haproxy: haproxy === '' ? 'not available' : haproxy,
    pinned: canPin(),
    commit: rev === '' ? 'unknown' : `${rev}${dirty ? ' (src/ with uncommitted changes)' : ''}`,
    loadBefore: os.loadavg().map((l) => l.toFixed(2)).join(', ')
  }
}

function metText (f: Figure): string {
  if (f.goal === undefined) return ''
  if (f.goal.met === undefined) return f.goal.text.startsWith('report') ? 'reported' : 'no data'
  return f.goal.met ? '**met**' : '**not met**'
}

function digitsFor (unit: string, v: number): number {
  if (unit === 'req/s' || unit === 'MB/s' || unit === 'B' || unit === 'queries' || unit === 'µs') return 0
  if (unit === 'ms' && Math.abs(v) >= 100) return 0
  if (unit === 'ms') return 3
  return 2
}

function cell (s: Figure['ours'], unit: string): string {
  if (s === undefined || s.n === 0) return '—'
  return `${fmtSpread(s, digitsFor(unit, s.median))} ${unit}`
}

function compareCell (f: Figure): string {
  const c = f.compare
  if (c === undefined || c.value.n === 0) return '—'
  if (c.kind === 'ratio') return `${fmtSpread(c.value, 2)} ×`
  const sign = (v: number): string => (v >= 0 ? '+' : '') + fmt(v, 3)
  if (c.value.n === 1) return `${sign(c.value.median)} ${f.unit}`
  return `${sign(c.value.median)} (${sign(c.value.min)}–${sign(c.value.max)}) ${f.unit}`
}

export interface ReportInput {
  machine: Machine
  quick: boolean
  argv: string[]
  startedAt: Date
  seconds: number
  runs: number
  durationS: number
  haproxyNote: string
  reports: ScenarioReport[]
  loadAfter: string
}

export function renderReport (r: ReportInput): string {
  const m = r.machine
  const L: string[] = []
  L.push('# Benchmarks', '')
  L.push(`Written by \`npm run bench${r.quick ? ' -- --quick' : ''}\` (\`bench/run.ts\`) on ${r.startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC, in ${fmt(r.seconds / 60, 1)} minutes. Do not edit by hand: run it again (the closing note comes from \`bench/closing-note.md\`).`, '')
  if (r.quick) L.push('**Quick mode**: one run per figure and short load windows; use the full run for decisions.', '')
  L.push('## Machine', '')
  L.push(`- CPU: ${m.cpu}, ${m.cores} cores; memory ${fmt(m.memoryGiB, 1)} GiB; ${m.kernel}`)
  L.push(`- Node ${m.node}; autocannon ${m.autocannon}; redis-server ${m.redis}; ${r.haproxyNote}`)
  L.push(`- Gateway commit ${m.commit}`)
  L.push(`- Core placement: ${m.pinned ? 'with `taskset`: what is measured (the gateway, a baseline, HAProxy) on core 0; the load generator, emulated coordinators and workers, and Redis on core 1' : '**not pinned** (taskset missing or a single core): every process competes for every core'}.`)
  L.push(`- Conditions: the machine is shared with other engineers' test runs. Load average before ${m.loadBefore}, after ${r.loadAfter}. Every measurement records how many cores the machine's *other* processes used meanwhile (/proc/stat busy time minus the benchmark's own processes); a run during which they used more than ${NOISY_CORES} cores is taken again (bounded), and the least disturbed attempt is kept. The "others" column gives that figure per scenario.`)
  L.push('')
  L.push('## Commands', '')
  L.push('```sh')
  L.push('npm ci')
  L.push('npm run bench              # full suite (this file), a few minutes')
  L.push('npm run bench -- --quick   # under a minute, one run per figure; writes its report to a temporary file and prints it')
  L.push('npm run bench -- --only redirect,handoff   # a subset: redirect handoff proxy affinity idle failover')
  L.push('npm run bench -- --profile # also CPU-profiles the gateway during one extra load window per scenario')
  L.push('npx tsx bench/uri-rewriter.ts   # the URI rewriter micro-benchmark (separate)')
  L.push('```', '')
  L.push(`This run: \`${['npm run bench', ...(r.argv.length > 0 ? ['--', ...r.argv] : [])].join(' ')}\`; ${r.runs} run(s) per figure, ${r.durationS} s load windows.`, '')
  L.push('How: every gateway (`node --import tsx src/server.ts --config FILE`), emulated coordinator process, baseline, HAProxy and the load generator run in processes of their own; Redis is a real `redis-server`. The load generator uses autocannon\'s programmatic API. Throughput figures are closed loops (as fast as the connections allow). Latency figures are taken at a fixed rate (autocannon `overallRate`, ~⅓ of the gateway\'s measured capacity, the same rate for the baseline); since autocannon releases each connection\'s per-second quota in one burst, the load generator releases one request per connection at a time from a 1 ms scheduler, so requests leave evenly spaced (open loop while a connection is free; the per-run tables count sends that had to wait). Latencies are each response\'s own time from autocannon\'s `response` event (autocannon\'s histogram has 1 ms resolution and keeps 2xx only). Runs of the gateway and its baselines are interleaved; each figure is the median of the runs, with min–max in parentheses. Ratios and added latencies are computed per run, then their median taken.', '')

  L.push('## Summary', '')
  L.push('| scenario | figure | gateway | baseline | ratio / added | goal | met | others (cores) |')
  L.push('|---|---|---|---|---|---|---|---|')
  for (const s of r.reports) {
    if (s.skipped !== undefined || (s.error !== undefined && s.figures.length === 0)) {
      L.push(`| ${s.id} | ${s.skipped !== undefined ? `skipped: ${s.skipped}` : `failed: ${s.error?.split('\n')[0] ?? ''}`} | | | | | | |`)
      continue
    }
    for (const f of s.figures) {
      const base = f.baseline === undefined ? '—' : `${cell(f.baseline.value, f.unit)}<br>${f.baseline.label}`
      L.push(`| ${s.id} | ${f.name}${f.note !== undefined ? ` (${f.note})` : ''} | ${cell(f.ours, f.unit)} | ${base} | ${compareCell(f)} | ${f.goal?.text ?? ''} | ${metText(f)} | ${fmtSpread(s.foreign)} |`)
    }
  }
  L.push('')
  const missed = r.reports.flatMap((s) => s.figures.filter((f) => f.goal?.met === false).map((f) => `${s.id}: ${f.name} — ${f.goal?.on === 'compare' ? compareCell(f) : cell(f.ours, f.unit)} against ${f.goal?.text ?? ''}`))
  const met = r.reports.flatMap((s) => s.figures.filter((f) => f.goal?.met === true))
  L.push(`Goals met: ${met.length}; not met: ${missed.length}${missed.length > 0 ? ' — ' + missed.join('; ') : ''}.`, '')

  L.push('## Scenarios', '')
  for (const s of r.reports) {
    L.push(`### ${s.title}`, '')
    if (s.skipped !== undefined) {
      L.push(`Skipped: ${s.skipped}.`, '')
      continue
    }
    for (const line of s.setup) L.push(`- ${line}`)
    L.push(`- Runs: ${s.runs}; other processes used ${fmtSpread(s.foreign)} cores during them.`, '')
    if (s.details.length > 0) L.push(...s.details, '')
    if (s.error !== undefined) L.push('**The scenario failed:**', '', '```', s.error.slice(0, 3000), '```', '')
    if (s.profiles.length > 0) {
      L.push('CPU profile of the gateway (`--profile`: one extra load window after the measured runs; shares of the gateway\'s busy time):', '')
      for (const p of s.profiles) L.push('```', p, '```', '')
    }
  }

  L.push('## Closing note', '')
  const notePath = join(ROOT, 'bench/closing-note.md')
  if (existsSync(notePath)) L.push(readFileSync(notePath, 'utf8').trim(), '')
  else L.push('(no bench/closing-note.md)', '')
  return L.join('\n')
}
